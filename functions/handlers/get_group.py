"""GET /api_gateway/v1/badges/group/{groupId}: read one of the caller's org's groups."""
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends

from badges.api.envelope import Envelope
from badges.api.resolver import build_resolver, current_caller, entrypoint
from badges.domain.groups import GroupView
from badges.domain.identity import Caller
from badges.service import groups
from badges.store.groups import group_store

app = build_resolver()


@app.get("/api_gateway/v1/badges/group/<groupId>")
def get_group(groupId: str, caller: Annotated[Caller, Depends(current_caller)]) -> Envelope[GroupView]:
    return Envelope(data=GroupView.of(groups.get_group(groupId, caller, group_store())))


lambda_handler = entrypoint(app)
