"""PUT /api_gateway/v1/badges/badgeMeta: redefine a badge, identified by `id` in the body."""
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Body

from badges.api.envelope import Envelope
from badges.api.resolver import build_resolver, current_caller, entrypoint, migration_mode
from badges.domain.badges import BadgeUpdateRequest, BadgeView
from badges.domain.identity import Caller
from badges.domain.values import now
from badges.service import badges
from badges.store.badges import badge_store
from badges.store.custom_fields import custom_field_store

app = build_resolver()


@app.put("/api_gateway/v1/badges/badgeMeta")
def update_badge(
    request: Annotated[BadgeUpdateRequest, Body()],
    caller: Annotated[Caller, Depends(current_caller)],
    migration: Annotated[bool, Depends(migration_mode)],
) -> Envelope[BadgeView]:
    badge = badges.update_badge(request, caller, badge_store(), migration, custom_field_store())
    return Envelope(data=BadgeView.of(badge, now()))


lambda_handler = entrypoint(app)
