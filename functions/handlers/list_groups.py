"""GET /api_gateway/v1/badges/group: the caller's org's groups, a page at a time."""
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query

from badges.api.envelope import Envelope
from badges.api.resolver import build_resolver, current_caller, entrypoint
from badges.domain.enums import SortOrder, lenient
from badges.domain.fields import INT32_MAX
from badges.domain.groups import GroupPage, GroupView
from badges.domain.identity import Caller
from badges.domain.paging import DEFAULT_SIZE, MAX_SIZE, PageRequest, Pagination
from badges.service import groups
from badges.store.groups import group_store

app = build_resolver()


@app.get("/api_gateway/v1/badges/group")
def list_groups(
    caller: Annotated[Caller, Depends(current_caller)],
    page: Annotated[int, Query(ge=0, le=INT32_MAX, description="The page, from 0.")] = 0,
    size: Annotated[int | None, Query(ge=1, le=MAX_SIZE, description="Groups per page (default 10).")] = None,
    limit: Annotated[int | None, Query(ge=1, le=MAX_SIZE, description="The former name of size.")] = None,
    order: Annotated[SortOrder, lenient(SortOrder), Query(description="By creation: ASC oldest first.")] = "ASC",
    nextToken: Annotated[str | None, Query(description="The previous page's nextToken.")] = None,
) -> Envelope[GroupPage]:
    request = PageRequest(page=page, size=size or limit or DEFAULT_SIZE, order=SortOrder(order).value,
                          token=nextToken)
    found = groups.list_groups(caller, group_store(), request)
    return Envelope(data=GroupPage(
        badgeGroups=[GroupView.of(g) for g in found.items], nextToken=found.next_token,
        pagination=Pagination(page=found.page, size=found.size, total=found.total, totalPages=found.total_pages)))


lambda_handler = entrypoint(app)
