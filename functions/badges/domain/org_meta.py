"""The org's badge settings (org meta): the tags its badges may carry."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from badges.domain.badges import MAX_CUSTOM_TEXT, MAX_FIELD_NAME, MAX_TAGS
from badges.domain.fields import not_blank
from badges.domain.values import to_epoch, to_iso

ORG_META_ID_PREFIX = "orgmeta-"


class TagDefinition(BaseModel):
    """One tag a badge of the org may carry."""

    model_config = ConfigDict(extra="ignore")

    key: Annotated[str, Field(min_length=1, max_length=MAX_FIELD_NAME), AfterValidator(not_blank)] = Field(
        description='The name of the tag, e.g. "Category".')
    dataType: Annotated[str, Field(max_length=MAX_FIELD_NAME)] | None = Field(
        None, description='The data type of the tag, e.g. "string".')
    description: Annotated[str, Field(max_length=MAX_CUSTOM_TEXT)] | None = None
    mandatory: bool = Field(False, description="Whether a badge must carry the tag.")


def _one_or_many(value: Any) -> Any:
    """The reference page types `tags` as one object, its examples answer a list: both are read."""
    return [value] if isinstance(value, dict) else value


def _unique_keys(tags: list[TagDefinition]) -> list[TagDefinition]:
    keys = [tag.key for tag in tags]
    if len(set(keys)) != len(keys):
        raise ValueError("each tag key appears once")
    return tags


class OrgMetaRequest(BaseModel):
    """The body of POST and PUT /orgMeta. `orgID` is read from the credential, never from the body."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"example": {"orgID": "100458", "tags": [
        {"key": "Category", "dataType": "string", "description": "Type of badge(Exclusive,Regular)",
         "mandatory": False}]}})

    tags: Annotated[list[TagDefinition], BeforeValidator(_one_or_many), AfterValidator(_unique_keys),
                    Field(max_length=MAX_TAGS)] = Field(default_factory=list,
                                                       description=f"At most {MAX_TAGS}, keys unique.")


@dataclass(frozen=True)
class OrgMeta:
    """The stored org meta; `version` guards updates."""

    org_id: int
    tags: tuple[TagDefinition, ...]
    created_by: int
    created_on: Decimal
    last_updated_by: int
    last_updated_on: Decimal
    version: int = 1

    @property
    def id(self) -> str:
        return f"{ORG_META_ID_PREFIX}{self.org_id}"


class OrgMetaView(BaseModel):
    """The org meta as the API answers it: the spec's fields plus the ISO twins of its times."""

    id: str
    orgId: int
    tags: list[TagDefinition]
    createdOn: float
    createdOnISO: str
    createdBy: int
    lastUpdatedOn: float
    lastUpdatedOnISO: str
    lastUpdatedBy: int

    @classmethod
    def of(cls, meta: OrgMeta) -> OrgMetaView:
        return cls(id=meta.id, orgId=meta.org_id, tags=list(meta.tags), createdOn=to_epoch(meta.created_on),
                   createdOnISO=to_iso(meta.created_on), createdBy=meta.created_by,
                   lastUpdatedOn=to_epoch(meta.last_updated_on), lastUpdatedOnISO=to_iso(meta.last_updated_on),
                   lastUpdatedBy=meta.last_updated_by)
