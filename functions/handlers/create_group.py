"""POST /api_gateway/v1/badges/group: create a badge group."""
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.metrics import MetricUnit

from badges.api.envelope import Envelope
from badges.api.resolver import build_resolver, current_caller, entrypoint
from badges.domain.groups import GroupRequest, GroupView
from badges.domain.identity import Caller
from badges.observability import metrics
from badges.service import groups
from badges.store.groups import group_store

app = build_resolver()


@app.post("/api_gateway/v1/badges/group")
def create_group(
    request: Annotated[GroupRequest, Body()], caller: Annotated[Caller, Depends(current_caller)]
) -> Envelope[GroupView]:
    group = groups.create_group(request, caller, group_store())
    metrics.add_metric(name="GroupCreated", unit=MetricUnit.Count, value=1)
    return Envelope(data=GroupView.of(group))


lambda_handler = entrypoint(app)
