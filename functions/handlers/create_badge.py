"""POST /api_gateway/v1/badges/badgeMeta: define a badge."""
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.metrics import MetricUnit

from badges.api.envelope import Envelope
from badges.api.resolver import build_resolver, current_caller, entrypoint, migration_mode
from badges.domain.badges import BadgeRequest, BadgeView
from badges.domain.identity import Caller
from badges.domain.values import now
from badges.observability import metrics
from badges.service import badges
from badges.store.badges import badge_store
from badges.store.custom_fields import custom_field_store

app = build_resolver()


@app.post("/api_gateway/v1/badges/badgeMeta")
def create_badge(
    request: Annotated[BadgeRequest, Body()],
    caller: Annotated[Caller, Depends(current_caller)],
    migration: Annotated[bool, Depends(migration_mode)],
) -> Envelope[BadgeView]:
    badge = badges.create_badge(request, caller, badge_store(), migration, custom_field_store())
    metrics.add_metric(name="BadgeCreated", unit=MetricUnit.Count, value=1)
    return Envelope(data=BadgeView.of(badge, now()))


lambda_handler = entrypoint(app)
