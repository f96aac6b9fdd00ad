"""GET /api_gateway/v1/badges/customField/{customFieldId}: read one of the org's custom fields."""
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends

from badges.api.envelope import Envelope
from badges.api.resolver import build_resolver, current_caller, entrypoint
from badges.domain.custom_fields import CustomFieldView
from badges.domain.identity import Caller
from badges.service import custom_fields
from badges.store.custom_fields import custom_field_store

app = build_resolver()


@app.get("/api_gateway/v1/badges/customField/<customFieldId>")
def get_custom_field(customFieldId: str,
                     caller: Annotated[Caller, Depends(current_caller)]) -> Envelope[CustomFieldView]:
    return Envelope(data=CustomFieldView.of(custom_fields.get_custom_field(customFieldId, caller,
                                                                           custom_field_store())))


lambda_handler = entrypoint(app)
