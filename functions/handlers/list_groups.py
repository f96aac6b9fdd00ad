"""GET /api_gateway/v1/badges/group: the caller's org's groups, a page at a time."""
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query

from badges.api.envelope import Envelope
from badges.api.resolver import build_resolver, current_caller, entrypoint
from badges.domain.groups import GroupPage, GroupView
from badges.domain.identity import Caller
from badges.service import groups
from badges.store.dynamo import group_store

app = build_resolver()


@app.get("/api_gateway/v1/badges/group")
def list_groups(
    caller: Annotated[Caller, Depends(current_caller)],
    limit: Annotated[int, Query(ge=1, le=100, description="Groups per page.")] = 20,
    nextToken: Annotated[str | None, Query(description="The previous page's nextToken.")] = None,
) -> Envelope[GroupPage]:
    page = groups.list_groups(caller, group_store(), limit, nextToken)
    return Envelope(data=GroupPage(items=[GroupView.of(g) for g in page.items], nextToken=page.next_token))


lambda_handler = entrypoint(app)
