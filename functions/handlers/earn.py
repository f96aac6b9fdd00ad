"""POST /api_gateway/v1/badges/customer/earn: a customer earns a badge."""
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.metrics import MetricUnit

from badges.api.envelope import Envelope
from badges.api.resolver import build_resolver, current_caller, entrypoint
from badges.domain.earning import EarnRequest, EarnResult
from badges.domain.identity import Caller
from badges.domain.values import now
from badges.observability import metrics
from badges.service import earning
from badges.store.badges import badge_store
from badges.store.earning import earn_store

app = build_resolver()


@app.post("/api_gateway/v1/badges/customer/earn")
def earn(
    request: Annotated[EarnRequest, Body()], caller: Annotated[Caller, Depends(current_caller)]
) -> Envelope[EarnResult]:
    result = earning.earn_badge(request, caller, badge_store(), earn_store(), now())
    metrics.add_metric(name="BadgeEarned", unit=MetricUnit.Count, value=1)
    return Envelope(data=result)


lambda_handler = entrypoint(app)
