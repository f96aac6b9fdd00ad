"""GET /api_gateway/v1/badges/badgeMeta: the caller's org's badges, filtered, a page at a time."""
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query

from badges.api.envelope import Envelope
from badges.api.resolver import build_resolver, current_caller, entrypoint
from badges.domain.badges import BadgePage, BadgeView
from badges.domain.enums import STATUS_SYNONYMS, BadgeStatus, EarnType, OwnerType, lenient
from badges.domain.fields import MAX_ID, MAX_NAME
from badges.domain.identity import Caller
from badges.domain.values import now
from badges.service import badges
from badges.store.dynamo import badge_store
from badges.store.ports import BadgeFilters

app = build_resolver()


@app.get("/api_gateway/v1/badges/badgeMeta")
def list_badges(
    caller: Annotated[Caller, Depends(current_caller)],
    status: Annotated[BadgeStatus | None, lenient(BadgeStatus, STATUS_SYNONYMS), Query()] = None,
    earnType: Annotated[EarnType | None, lenient(EarnType), Query()] = None,
    owner: Annotated[OwnerType | None, lenient(OwnerType), Query(description="An owner in restrictedToOwners.")] = None,
    name: Annotated[str | None, Query(max_length=MAX_NAME, description="Part of the name, any case.")] = None,
    groupId: Annotated[str | None, Query(max_length=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Badges per page.")] = 20,
    nextToken: Annotated[str | None, Query(description="The previous page's nextToken.")] = None,
) -> Envelope[BadgePage]:
    filters = BadgeFilters(status=status, earn_type=earnType, owner=owner, name=name, group_id=groupId)
    page = badges.list_badges(caller, badge_store(), filters, limit, nextToken)
    at = now()
    return Envelope(data=BadgePage(items=[BadgeView.of(b, at) for b in page.items], nextToken=page.next_token))


lambda_handler = entrypoint(app)
