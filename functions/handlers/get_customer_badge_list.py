"""GET /api_gateway/v1/badges/management/{customerId}: a customer's badges as Member Care lists them."""
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from badges.api.envelope import Envelope
from badges.api.resolver import build_resolver, current_caller, customer_identifier, entrypoint
from badges.domain.earning import MAX_CUSTOMER_REF
from badges.domain.enums import (
    STATUS_SYNONYMS,
    BadgeAction,
    BadgeStatus,
    CustomerBadgeType,
    DateOperator,
    ManagementSort,
    OwnerType,
    SortOrder,
    lenient,
)
from badges.domain.fields import INT32_MAX, MAX_ID, MAX_NAME
from badges.domain.identity import Caller
from badges.domain.management import CustomerBadgeSummaries
from badges.domain.values import now, query_time
from badges.service.customer_ids import resolve_customer
from badges.service.management import ListQuery, customer_badge_list
from badges.store.badges import badge_store
from badges.store.customer_ids import customer_directory
from badges.store.earning import earn_store
from badges.store.groups import group_store

app = build_resolver()
Time = Annotated[str | None, Query(max_length=MAX_ID, description="Epoch seconds or milliseconds, or ISO 8601.")]


@app.get("/api_gateway/v1/badges/management/<customerId>")
def get_customer_badge_list(
    customerId: Annotated[str, Path(max_length=MAX_CUSTOMER_REF,
                                    description="The customer id, or its identifier with X-CAP-CUSTOMER-IDENTIFIER.")],
    caller: Annotated[Caller, Depends(current_caller)],
    identifier: Annotated[str | None, Depends(customer_identifier)],
    badgeType: Annotated[CustomerBadgeType, lenient(CustomerBadgeType), Query()] = CustomerBadgeType.EARNED,
    name: Annotated[str | None, Query(max_length=MAX_NAME)] = None,
    action: Annotated[BadgeAction | None, lenient(BadgeAction, {"DEACTIVATED": "DE_ACTIVATED"}), Query()] = None,
    badgeStatus: Annotated[BadgeStatus | None, lenient(BadgeStatus, STATUS_SYNONYMS), Query()] = None,
    badgeStatu: Annotated[BadgeStatus | None, lenient(BadgeStatus, STATUS_SYNONYMS),
                          Query(description="badgeStatus, as the OpenAPI export spells it.")] = None,
    owner: Annotated[OwnerType | None, lenient(OwnerType), Query()] = None,
    claimedBy: Annotated[OwnerType | None, lenient(OwnerType), Query()] = None,
    startOn: Time = None,
    startOnOperator: Annotated[DateOperator, lenient(DateOperator), Query()] = DateOperator.GREATER_THAN,
    expiresOn: Time = None,
    expiresOnOperator: Annotated[DateOperator | None, lenient(DateOperator), Query()] = None,
    endOnOperator: Annotated[DateOperator | None, lenient(DateOperator),
                             Query(description="expiresOnOperator, as the OpenAPI export names it.")] = None,
    groupId: Annotated[str | None, Query(max_length=MAX_ID)] = None,
    lastEarnedOnDate: Time = None,
    lastEarnEventDate: Time = None,
    sortOn: Annotated[ManagementSort, lenient(ManagementSort), Query()] = ManagementSort.EXPIRES_ON,
    order: Annotated[SortOrder, lenient(SortOrder), Query()] = SortOrder.DESC,
    page: Annotated[int, Query(ge=0, le=INT32_MAX, description="0 for the first page.")] = 0,
    size: Annotated[int, Query(ge=1, le=100)] = 10,
) -> Envelope[CustomerBadgeSummaries]:
    query = ListQuery(
        badge_type=badgeType, name=name, action=action, status=badgeStatus or badgeStatu, owner=owner,
        claimed_by=claimedBy, start_on=query_time("startOn", startOn), start_operator=startOnOperator,
        expires_on=query_time("expiresOn", expiresOn),
        expires_operator=expiresOnOperator or endOnOperator or DateOperator.LESS_THAN, group_id=groupId,
        earned_since=query_time("lastEarnedOnDate", lastEarnedOnDate),
        event_since=query_time("lastEarnEventDate", lastEarnEventDate), sort_on=sortOn, order=order, page=page,
        size=size)
    customer = resolve_customer(customerId, identifier, caller, customer_directory())  # at most one read
    found = customer_badge_list(customer, caller, query, badge_store(), group_store(), earn_store(), now())
    return Envelope(data=found)


lambda_handler = entrypoint(app)
