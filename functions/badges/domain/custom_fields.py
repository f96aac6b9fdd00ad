"""Badge custom fields: the org's definitions, and how a badge's customFields are checked against them."""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from badges.domain.badges import MAX_CUSTOM_FIELDS, MAX_CUSTOM_TEXT, MAX_FIELD_NAME
from badges.domain.enums import lenient
from badges.domain.errors import Err, ErrorDetail
from badges.domain.fields import not_blank, required
from badges.domain.identity import Caller
from badges.domain.paging import Pagination
from badges.domain.values import new_id, parse_time, to_epoch, to_iso

# Active definitions an org keeps at once: a badge carries at most MAX_CUSTOM_FIELDS custom fields, and every
# mandatory one with its default, so no more may be defined. Disabled ones stay listed (isActive=false); with them
# an org keeps at most MAX_ORG_CUSTOM_FIELDS, all in one item of under 250 KB at worst (DynamoDB allows 400 KB;
# tests/integration/test_custom_fields.py builds and measures it).
MAX_ACTIVE_CUSTOM_FIELDS = MAX_CUSTOM_FIELDS
MAX_ORG_CUSTOM_FIELDS = 100


class DataType(StrEnum):
    INTEGER = "INTEGER"
    BOOLEAN = "BOOLEAN"
    DATE = "DATE"
    STRING = "STRING"


def _as_text(value: Any) -> Any:
    """A default value is text, as Capillary answers it; a number or boolean sent for one is written as text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


FieldName = Annotated[str, Field(min_length=1, max_length=MAX_FIELD_NAME), AfterValidator(not_blank)]
DefaultValue = Annotated[Annotated[str, Field(max_length=MAX_CUSTOM_TEXT)] | None, BeforeValidator(_as_text)]


class CustomFieldRequest(BaseModel):
    """The body of POST /customField and PUT /customField/{id}. Unknown fields (an orgId, say) are ignored."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"example": {
        "name": "CF20 dates", "isMandatory": False, "defaultValue": "0", "dataType": "STRING"}})

    name: Annotated[FieldName | None, required(Err.FIELD_REQUIRED)] = Field(
        None, validate_default=True, description="Unique among the org's active custom fields, case sensitive.")
    dataType: Annotated[DataType | None, lenient(DataType), required(Err.FIELD_REQUIRED)] = Field(
        None, validate_default=True, description="INTEGER, BOOLEAN, DATE or STRING; fixed once created.")
    isMandatory: bool = Field(False, description="A badge that leaves the field out takes its defaultValue.")
    defaultValue: DefaultValue = Field(None, description=f"Text of at most {MAX_CUSTOM_TEXT} characters.")
    isActive: bool | None = Field(None, description="false disables the field for good; true leaves it active.")


def conforms(value: Any, data_type: DataType) -> bool:
    """Whether a value (as a badge or a default sends it) is of the data type; text spelling one is accepted."""
    if data_type is DataType.STRING:
        return True
    if data_type is DataType.BOOLEAN:
        return isinstance(value, bool) or (isinstance(value, str) and value.strip().lower() in ("true", "false"))
    if data_type is DataType.INTEGER:
        if isinstance(value, bool):
            return False
        if isinstance(value, int):
            return -(2**63) <= value < 2**63
        if isinstance(value, str):
            text = value.strip().lstrip("+-")
            return text.isdigit() and -(2**63) <= int(value) < 2**63
        return False
    try:  # DATE: epoch seconds, epoch milliseconds or ISO 8601, as every time the API reads
        parse_time(value)
        return True
    except (ValueError, ArithmeticError):
        return False


@dataclass(frozen=True)
class CustomField:
    """A stored custom field definition."""

    id: str
    org_id: int
    name: str
    data_type: DataType
    is_mandatory: bool
    default_value: str | None
    is_active: bool
    created_by: int
    created_on: Decimal
    last_updated_by: int
    last_updated_on: Decimal

    @classmethod
    def new(cls, request: CustomFieldRequest, caller: Caller, at: Decimal) -> CustomField:
        return cls(id=new_id(), org_id=caller.org_id, name=request.name, data_type=request.dataType,
                   is_mandatory=request.isMandatory, default_value=request.defaultValue,
                   is_active=request.isActive is not False, created_by=caller.user_id, created_on=at,
                   last_updated_by=caller.user_id, last_updated_on=at)

    def updated(self, request: CustomFieldRequest, caller: Caller, at: Decimal) -> CustomField:
        return replace(self, name=request.name, data_type=request.dataType, is_mandatory=request.isMandatory,
                       default_value=request.defaultValue,
                       is_active=self.is_active if request.isActive is None else request.isActive,
                       last_updated_by=caller.user_id, last_updated_on=at)

    def as_record(self) -> dict:
        return {"id": self.id, "name": self.name, "dataType": self.data_type.value,
                "isMandatory": self.is_mandatory, "defaultValue": self.default_value, "isActive": self.is_active,
                "createdBy": self.created_by, "createdOn": str(self.created_on),
                "lastUpdatedBy": self.last_updated_by, "lastUpdatedOn": str(self.last_updated_on)}

    @classmethod
    def of_record(cls, org_id: int, record: dict) -> CustomField:
        return cls(id=record["id"], org_id=org_id, name=record["name"], data_type=DataType(record["dataType"]),
                   is_mandatory=bool(record["isMandatory"]), default_value=record.get("defaultValue"),
                   is_active=bool(record["isActive"]), created_by=int(record["createdBy"]),
                   created_on=Decimal(record["createdOn"]), last_updated_by=int(record["lastUpdatedBy"]),
                   last_updated_on=Decimal(record["lastUpdatedOn"]))


@dataclass(frozen=True)
class CustomFieldRegistry:
    """All of an org's custom field definitions, stored as one item; `version` guards every write to it."""

    org_id: int
    fields: tuple[CustomField, ...] = ()
    version: int = 0  # 0: nothing stored yet

    def find(self, field_id: str) -> CustomField | None:
        return next((f for f in self.fields if f.id == field_id), None)

    def active(self) -> list[CustomField]:
        return [f for f in self.fields if f.is_active]

    def with_field(self, field: CustomField) -> CustomFieldRegistry:
        """The registry with `field` added or put in place of the one with its id."""
        others = [f for f in self.fields if f.id != field.id]
        at = next((i for i, f in enumerate(self.fields) if f.id == field.id), len(others))
        return replace(self, fields=(*others[:at], field, *others[at:]))


def definition_problems(registry: CustomFieldRegistry, field: CustomField,
                        previous: CustomField | None = None) -> list[ErrorDetail]:
    """What keeps `field` (new, or replacing `previous`) out of the registry: a name another active field holds,
    a default not of its type, a disabled field enabled again, a changed data type, or too many fields."""
    problems = []
    if previous is not None and not previous.is_active and field.is_active:
        problems.append(ErrorDetail.of(Err.INVALID_VALUE, "isActive",
                                       "Invalid value: a disabled custom field cannot be enabled again"))
    if previous is not None and previous.data_type is not field.data_type:
        problems.append(ErrorDetail.of(Err.INVALID_VALUE, "dataType",
                                       "Invalid value: the data type of a custom field cannot change"))
    if field.default_value is not None and not conforms(field.default_value, field.data_type):
        problems.append(ErrorDetail.of(Err.INVALID_VALUE, "defaultValue",
                                       f"Invalid value: the default is not of type {field.data_type.value}"))
    if field.is_active and any(f.name == field.name and f.id != field.id for f in registry.active()):
        problems.append(ErrorDetail.of(Err.CUSTOM_FIELD_NAME_TAKEN, "name"))
    if previous is None and len(registry.fields) >= MAX_ORG_CUSTOM_FIELDS:
        problems.append(ErrorDetail.of(Err.CUSTOM_FIELD_LIMIT, None, (
            f"An org keeps at most {MAX_ORG_CUSTOM_FIELDS} custom fields, disabled ones included")))
    elif field.is_active and (previous is None or not previous.is_active) \
            and len(registry.active()) >= MAX_ACTIVE_CUSTOM_FIELDS:
        problems.append(ErrorDetail.of(Err.CUSTOM_FIELD_LIMIT, None, (
            f"An org keeps at most {MAX_ACTIVE_CUSTOM_FIELDS} active custom fields")))
    return problems


def apply_custom_fields(values: dict[str, Any], definitions: list[CustomField]) -> tuple[dict, list[ErrorDetail]]:
    """A badge's customFields under the org's active definitions: a mandatory field left out (or null) takes its
    default, or is refused without one; a value not of its field's type is refused; other names stand as sent,
    as they do for an org that defines no custom fields."""
    if not definitions:
        return values, []
    by_name = {f.name: f for f in definitions}
    result, problems, refused = {}, [], set()
    for name, value in values.items():
        field = by_name.get(name)
        if field is None:  # a name the org does not define is kept as sent, as for an org that defines none
            result[name] = value
        elif value is not None and not conforms(value, field.data_type):
            refused.add(name)
            problems.append(ErrorDetail.of(Err.INVALID_VALUE, f"customFields.{name}",
                                           f"Invalid value: the custom field is of type {field.data_type.value}"))
        elif value is not None:
            result[name] = value
        # a null for a defined field is as if it were left out
    for field in definitions:
        if not field.is_mandatory or field.name in result or field.name in refused:
            continue
        if field.default_value is None:
            problems.append(ErrorDetail.of(Err.INVALID_VALUE, f"customFields.{field.name}",
                                           "Invalid value: this mandatory custom field has no default, so a badge "
                                           "must give it"))
        else:
            result[field.name] = field.default_value
    if len(result) > MAX_CUSTOM_FIELDS:
        problems.append(ErrorDetail.of(Err.INVALID_VALUE, "customFields", (
            f"Invalid value: with the defaults of the org's mandatory custom fields a badge would carry more than "
            f"{MAX_CUSTOM_FIELDS} custom fields")))
    return result, problems


class CustomFieldView(BaseModel):
    """A custom field as the API answers it: the spec's fields plus the ISO twins of its times."""

    id: str
    orgId: int
    name: str
    isMandatory: bool
    defaultValue: str | None
    isActive: bool
    dataType: str
    createdOn: float
    createdOnISO: str
    createdBy: int
    lastUpdatedOn: float
    lastUpdatedOnISO: str
    lastUpdatedBy: int

    @classmethod
    def of(cls, field: CustomField) -> CustomFieldView:
        return cls(id=field.id, orgId=field.org_id, name=field.name, isMandatory=field.is_mandatory,
                   defaultValue=field.default_value, isActive=field.is_active, dataType=field.data_type.value,
                   createdOn=to_epoch(field.created_on), createdOnISO=to_iso(field.created_on),
                   createdBy=field.created_by, lastUpdatedOn=to_epoch(field.last_updated_on),
                   lastUpdatedOnISO=to_iso(field.last_updated_on), lastUpdatedBy=field.last_updated_by)


class CustomFieldPage(BaseModel):
    """GET /customField's answer: one page of the org's custom fields."""

    customFieldROList: list[CustomFieldView]
    pagination: Pagination
