"""POST /api_gateway/v1/badges/customer/earnBulk: many customers earn one badge, one result each."""
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Body

from badges.api.envelope import Envelope
from badges.api.resolver import build_resolver, current_caller, entrypoint
from badges.domain.earning import EarnBulkRequest, EarnBulkResult
from badges.domain.identity import Caller
from badges.domain.values import now
from badges.service import earning
from badges.store.badges import badge_store
from badges.store.earning import earn_store

app = build_resolver()


@app.post("/api_gateway/v1/badges/customer/earnBulk")
def earn_bulk(
    request: Annotated[EarnBulkRequest, Body()], caller: Annotated[Caller, Depends(current_caller)]
) -> Envelope[EarnBulkResult]:
    return Envelope(data=earning.earn_bulk(request, caller, badge_store(), earn_store(), now()))


lambda_handler = entrypoint(app)
