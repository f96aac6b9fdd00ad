"""GET /api_gateway/v1/badges/customField: the org's custom fields, a page at a time."""
from enum import StrEnum
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query

from badges.api.envelope import Envelope
from badges.api.resolver import build_resolver, current_caller, entrypoint
from badges.domain.custom_fields import MAX_ORG_CUSTOM_FIELDS, CustomFieldPage, CustomFieldView, Pagination
from badges.domain.enums import lenient
from badges.domain.identity import Caller
from badges.service import custom_fields
from badges.store.custom_fields import custom_field_store

app = build_resolver()


class Order(StrEnum):
    ASC = "ASC"
    DESC = "DESC"


class SortOn(StrEnum):
    LAST_UPDATED_DATE = "LAST_UPDATED_DATE"


@app.get("/api_gateway/v1/badges/customField")
def list_custom_fields(
    caller: Annotated[Caller, Depends(current_caller)],
    size: Annotated[int, Query(ge=1, le=MAX_ORG_CUSTOM_FIELDS, description="Custom fields per page.")] = 10,
    page: Annotated[int, Query(ge=0, le=MAX_ORG_CUSTOM_FIELDS, description="The page, from 0.")] = 0,
    order: Annotated[Order | None, lenient(Order), Query(description="By lastUpdatedOn; DESC unless told.")] = None,
    sortOn: Annotated[SortOn | None, lenient(SortOn), Query()] = None,
    isActive: Annotated[bool, Query(description="true: the active fields; false: the disabled ones.")] = True,
) -> Envelope[CustomFieldPage]:
    fields, total = custom_fields.list_custom_fields(caller, custom_field_store(), isActive, order != Order.ASC,
                                                     page, size)
    return Envelope(data=CustomFieldPage(
        customFieldROList=[CustomFieldView.of(f) for f in fields],
        pagination=Pagination(page=page, size=size, total=total, totalPages=-(-total // size))))


lambda_handler = entrypoint(app)
