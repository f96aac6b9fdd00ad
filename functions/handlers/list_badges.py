"""GET /api_gateway/v1/badges/badgeMeta: the caller's org's badges, filtered, a page at a time."""
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query

from badges.api.envelope import Envelope
from badges.api.resolver import build_resolver, current_caller, entrypoint
from badges.domain.badges import BadgeListItem, BadgePage
from badges.domain.enums import (
    STATUS_SYNONYMS,
    BadgeAction,
    BadgeSort,
    BadgeStatus,
    EarnType,
    OwnerType,
    SortOrder,
    lenient,
)
from badges.domain.errors import Err, ErrorDetail, ValidationFailed
from badges.domain.fields import INT32_MAX, MAX_ID, MAX_NAME
from badges.domain.identity import Caller
from badges.domain.paging import DEFAULT_SIZE, MAX_SIZE, PageRequest, Pagination
from badges.domain.values import now, parse_time
from badges.service import badges
from badges.store.badges import badge_store
from badges.store.groups import group_store
from badges.store.ports import BadgeFilters

app = build_resolver()
_STATUSES = {s.value: s.value for s in BadgeStatus} | STATUS_SYNONYMS


def _statuses(text: str | None, problems: list[ErrorDetail]) -> tuple[str, ...] | None:
    """`LIVE,UPCOMING` -> ('LIVE', 'UPCOMING'), any case, ENDED for EXPIRED."""
    if not text:
        return None
    found = [_STATUSES.get(part.strip().upper()) for part in text.split(",")]
    if None in found:
        problems.append(ErrorDetail.of(Err.INVALID_ENUM, "status", "Invalid enum value: Input should be one or more "
                                                                   "of LIVE, UPCOMING, EXPIRED (or ENDED), by commas"))
        return None
    return tuple(dict.fromkeys(found))


def _time(text: str | None, reference: str, problems: list[ErrorDetail]):
    try:
        return parse_time(text) if text else None
    except ValueError as exc:
        problems.append(ErrorDetail.of(Err.INVALID_VALUE, reference, f"Invalid value: {exc}"))
        return None


@app.get("/api_gateway/v1/badges/badgeMeta")
def list_badges(
    caller: Annotated[Caller, Depends(current_caller)],
    status: Annotated[str | None, Query(max_length=100, description="LIVE, UPCOMING, EXPIRED or ENDED; several "
                                                                    "by commas: LIVE,UPCOMING")] = None,
    earnType: Annotated[EarnType | None, lenient(EarnType), Query()] = None,
    badgeType: Annotated[EarnType | None, lenient(EarnType), Query(description="As earnType.")] = None,
    action: Annotated[BadgeAction | None, lenient(BadgeAction, {"DEACTIVATED": "DE_ACTIVATED"}),
                      Query(description="Switched on or off.")] = None,
    owner: Annotated[OwnerType | None, lenient(OwnerType), Query(description="An owner in restrictedToOwners.")] = None,
    claimedBy: Annotated[OwnerType | None, lenient(OwnerType), Query(description="An owner with an active "
                                                                                 "claim.")] = None,
    unclaimed: Annotated[bool, Query(description="Only badges no owner holds an active claim on.")] = False,
    name: Annotated[str | None, Query(max_length=MAX_NAME, description="Part of the name, any case.")] = None,
    groupId: Annotated[str | None, Query(max_length=MAX_ID)] = None,
    startOn: Annotated[str | None, Query(max_length=64, description="Badges starting at or after (ISO 8601 or "
                                                                    "epoch).")] = None,
    expiresOn: Annotated[str | None, Query(max_length=64, description="Badges expiring at or before.")] = None,
    sortOn: Annotated[BadgeSort, lenient(BadgeSort), Query(description="ID, NAME or START_DATE.")] = "ID",
    order: Annotated[SortOrder, lenient(SortOrder), Query()] = "ASC",
    page: Annotated[int, Query(ge=0, le=INT32_MAX, description="The page, from 0.")] = 0,
    size: Annotated[int | None, Query(ge=1, le=MAX_SIZE, description="Badges per page (default 10).")] = None,
    limit: Annotated[int | None, Query(ge=1, le=MAX_SIZE, description="As size.")] = None,
    nextToken: Annotated[str | None, Query(description="The previous page's nextToken.")] = None,
) -> Envelope[BadgePage]:
    problems: list[ErrorDetail] = []
    filters = BadgeFilters(
        statuses=_statuses(status, problems), earn_type=earnType or badgeType, owner=owner, name=name,
        group_id=groupId, active=None if action is None else action == BadgeAction.ACTIVATED, claimed_by=claimedBy,
        unclaimed=unclaimed or None, starts_from=_time(startOn, "startOn", problems),
        expires_by=_time(expiresOn, "expiresOn", problems))
    if problems:
        raise ValidationFailed(problems)
    request = PageRequest(page=page, size=size or limit or DEFAULT_SIZE, order=SortOrder(order).value,
                          sort_on=BadgeSort(sortOn).value, token=nextToken)
    found = badges.list_badges(caller, badge_store(), filters, request)
    names = group_store().group_names(caller.org_id, [b.definition.badgeGroupId for b in found.items
                                                if b.definition.badgeGroupId])
    at = now()
    return Envelope(data=BadgePage(
        metaBasicDetails=[BadgeListItem.of(b, at, badgeGroupName=names.get(b.definition.badgeGroupId))
                          for b in found.items],
        pagination=Pagination(page=found.page, size=found.size, total=found.total, totalPages=found.total_pages),
        nextToken=found.next_token))


lambda_handler = entrypoint(app)
