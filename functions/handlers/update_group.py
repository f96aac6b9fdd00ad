"""PUT /api_gateway/v1/badges/group/{groupId}: rename, re-rank or (de)activate a group."""
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Body

from badges.api.envelope import Envelope
from badges.api.resolver import build_resolver, current_caller, entrypoint
from badges.domain.groups import GroupRequest, GroupView
from badges.domain.identity import Caller
from badges.service import groups
from badges.store.groups import group_store

app = build_resolver()


@app.put("/api_gateway/v1/badges/group/<groupId>")
def update_group(
    groupId: str, request: Annotated[GroupRequest, Body()], caller: Annotated[Caller, Depends(current_caller)]
) -> Envelope[GroupView]:
    return Envelope(data=GroupView.of(groups.update_group(groupId, request, caller, group_store())))


lambda_handler = entrypoint(app)
