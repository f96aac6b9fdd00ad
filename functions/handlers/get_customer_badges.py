"""GET /api_gateway/v1/badges/customer/{customerId}: a customer's earned, expired or available badges."""
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from badges.api.envelope import Envelope
from badges.api.resolver import build_resolver, current_caller, customer_identifier, entrypoint
from badges.domain.earning import MAX_CUSTOMER_REF, CustomerBadges
from badges.domain.enums import CustomerBadgeType, CustomerSort, lenient
from badges.domain.fields import INT32_MAX, MAX_ID
from badges.domain.identity import Caller
from badges.domain.values import now, query_time
from badges.service.customer_ids import resolve_customer
from badges.service.customers import CustomerBadgesQuery, customer_badges
from badges.store.badges import badge_store
from badges.store.customer_ids import customer_directory
from badges.store.earning import earn_store
from badges.store.groups import group_store

app = build_resolver()


@app.get("/api_gateway/v1/badges/customer/<customerId>")
def get_customer_badges(
    customerId: Annotated[str, Path(max_length=MAX_CUSTOMER_REF,
                                    description="The customer id, or its identifier with X-CAP-CUSTOMER-IDENTIFIER.")],
    caller: Annotated[Caller, Depends(current_caller)],
    identifier: Annotated[str | None, Depends(customer_identifier)],
    badgeType: Annotated[CustomerBadgeType, lenient(CustomerBadgeType),
                         Query(description="EARNED, EXPIRED, AVAILABLE or AVAILABLE_TO_ISSUE.")] = (
        CustomerBadgeType.EARNED),
    includeExpired: Annotated[bool, Query(description="Include earned badges that have expired.")] = False,
    groupId: Annotated[str | None, Query(max_length=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    page: Annotated[int, Query(ge=0, le=INT32_MAX, description="0 for the first page.")] = 0,
    sortOn: Annotated[CustomerSort, lenient(CustomerSort),
                      Query(description="RANK, LAST_EARNED_ON_DATE or LAST_EARNED_EVENT_DATE.")] = CustomerSort.RANK,
    lastEarnedOnDate: Annotated[str | None, Query(max_length=MAX_ID, description="Epoch or ISO 8601.")] = None,
    lastEarnEventDate: Annotated[str | None, Query(max_length=MAX_ID, description="Epoch or ISO 8601.")] = None,
) -> Envelope[CustomerBadges]:
    customer = resolve_customer(customerId, identifier, caller, customer_directory())  # at most one read
    query = CustomerBadgesQuery(customer, badgeType, includeExpired, groupId, page, limit, sortOn,
                                earned_since=query_time("lastEarnedOnDate", lastEarnedOnDate),
                                event_since=query_time("lastEarnEventDate", lastEarnEventDate))
    found = customer_badges(query, caller, badge_store(), group_store(), earn_store(), now())
    return Envelope(data=found)


lambda_handler = entrypoint(app)
