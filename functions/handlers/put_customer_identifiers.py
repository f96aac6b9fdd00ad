"""PUT /api_gateway/v1/badges/customerIdentifiers: map the org's customers' identifiers (email, mobile, external id,
card number) to their ids, for X-CAP-CUSTOMER-IDENTIFIER (our extension)."""
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Body

from badges.api.resolver import build_resolver, current_caller, entrypoint
from badges.domain.customer_ids import IdentifiersOutcome
from badges.domain.identity import Caller
from badges.service.customer_ids import put_identifiers
from badges.store.customer_ids import customer_directory

app = build_resolver(array_body=True)


@app.put("/api_gateway/v1/badges/customerIdentifiers")
def put_customer_identifiers(
    items: Annotated[list[Any], Body()], caller: Annotated[Caller, Depends(current_caller)]
) -> list[IdentifiersOutcome]:
    return put_identifiers(items, caller, customer_directory())


lambda_handler = entrypoint(app)
