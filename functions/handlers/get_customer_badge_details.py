"""GET /api_gateway/v1/badges/management/{customerId}/badge/{badgeId}: a customer's badge with its statistics."""
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from badges.api.envelope import Envelope
from badges.api.resolver import build_resolver, current_caller, customer_identifier, entrypoint
from badges.domain.earning import MAX_CUSTOMER_REF
from badges.domain.identity import Caller
from badges.domain.management import CustomerBadgeDetails
from badges.domain.values import now
from badges.service.customer_ids import resolve_customer
from badges.service.management import customer_badge_details
from badges.store.badges import badge_store
from badges.store.customer_ids import customer_directory
from badges.store.earning import earn_store
from badges.store.groups import group_store

app = build_resolver()


@app.get("/api_gateway/v1/badges/management/<customerId>/badge/<badgeId>")
def get_customer_badge_details(
    customerId: Annotated[str, Path(max_length=MAX_CUSTOMER_REF,
                                    description="The customer id, or its identifier with X-CAP-CUSTOMER-IDENTIFIER.")],
    badgeId: str,
    caller: Annotated[Caller, Depends(current_caller)],
    identifier: Annotated[str | None, Depends(customer_identifier)],
    includeStatistics: Annotated[bool, Query(description="Constraints with their counts, issue and earns.")] = False,
) -> Envelope[CustomerBadgeDetails]:
    customer = resolve_customer(customerId, identifier, caller, customer_directory())  # at most one read
    found = customer_badge_details(customer, badgeId, caller, includeStatistics, badge_store(), group_store(),
                                   earn_store(), now())
    return Envelope(data=found)


lambda_handler = entrypoint(app)
