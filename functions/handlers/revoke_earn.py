"""POST /api_gateway/v1/badges/customer/revokeEarn: take an earned badge back, and the units it used."""
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Body

from badges.api.envelope import Envelope
from badges.api.resolver import build_resolver, current_caller, customer_identifier, entrypoint
from badges.domain.earning import RevokeRequest, RevokeResult
from badges.domain.identity import Caller
from badges.domain.values import now
from badges.service import earning
from badges.service.customer_ids import resolve_customer
from badges.store.badges import badge_store
from badges.store.customer_ids import customer_directory
from badges.store.earning import earn_store

app = build_resolver()


@app.post("/api_gateway/v1/badges/customer/revokeEarn")
def revoke_earn(
    request: Annotated[RevokeRequest, Body()], caller: Annotated[Caller, Depends(current_caller)],
    identifier: Annotated[str | None, Depends(customer_identifier)],
) -> Envelope[RevokeResult]:
    if request.customerId is not None:
        customer = resolve_customer(request.customerId, identifier, caller, customer_directory())
        request = request.model_copy(update={"customerId": customer})
    return Envelope(data=earning.revoke_earn(request, caller, badge_store(), earn_store(), now()))


lambda_handler = entrypoint(app)
