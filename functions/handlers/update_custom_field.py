"""PUT /api_gateway/v1/badges/customField/{customFieldId}: rename, re-default or disable a custom field."""
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Body

from badges.api.envelope import Envelope
from badges.api.resolver import build_resolver, current_caller, entrypoint
from badges.domain.custom_fields import CustomFieldRequest, CustomFieldView
from badges.domain.identity import Caller
from badges.service import custom_fields
from badges.store.custom_fields import custom_field_store

app = build_resolver()


@app.put("/api_gateway/v1/badges/customField/<customFieldId>")
def update_custom_field(
    customFieldId: str, request: Annotated[CustomFieldRequest, Body()],
    caller: Annotated[Caller, Depends(current_caller)],
) -> Envelope[CustomFieldView]:
    field = custom_fields.update_custom_field(customFieldId, request, caller, custom_field_store())
    return Envelope(data=CustomFieldView.of(field))


lambda_handler = entrypoint(app)
