"""POST /api_gateway/v1/badges/customField: define a custom field for the org's badges."""
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.metrics import MetricUnit

from badges.api.envelope import Envelope
from badges.api.resolver import build_resolver, current_caller, entrypoint
from badges.domain.custom_fields import CustomFieldRequest, CustomFieldView
from badges.domain.identity import Caller
from badges.observability import metrics
from badges.service import custom_fields
from badges.store.custom_fields import custom_field_store

app = build_resolver()


@app.post("/api_gateway/v1/badges/customField")
def create_custom_field(
    request: Annotated[CustomFieldRequest, Body()], caller: Annotated[Caller, Depends(current_caller)]
) -> Envelope[CustomFieldView]:
    field = custom_fields.create_custom_field(request, caller, custom_field_store())
    metrics.add_metric(name="CustomFieldCreated", unit=MetricUnit.Count, value=1)
    return Envelope(data=CustomFieldView.of(field))


lambda_handler = entrypoint(app)
