"""Claims: an owner module (Loyalty, Journeys, ...) takes a badge for its own use, or gives it up."""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from badges.domain.enums import OwnerType, lenient
from badges.domain.errors import Err, ErrorDetail, ValidationFailed
from badges.domain.fields import MAX_REFERENCE


def _text(value: Any) -> Any:
    """Reference ids arrive as strings or numbers ("123" or 123); both mean the same owner."""
    return str(value).strip() if isinstance(value, int | float) and not isinstance(value, bool) else value


# Every owner reference that ever claimed a badge stays on its item, its claim active or not: this bounds the item.
MAX_CLAIMS = 100
OwnerReference = Annotated[Annotated[str, Field(max_length=MAX_REFERENCE)] | None, BeforeValidator(_text)]


class ClaimRequest(BaseModel):
    """The body of POST /badgeMeta/{badgeId}/claim and /unclaim."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"example": {"ownerType": "Loyalty",
                                                                            "referenceId": "123"}})

    ownerType: Annotated[OwnerType | None, lenient(OwnerType)] = None
    referenceId: OwnerReference = None

    def checked(self) -> tuple[OwnerType, str]:
        """The owner and its reference, or 716 / 717 for what is missing."""
        problems = []
        if self.ownerType is None:
            problems.append(ErrorDetail.of(Err.OWNER_TYPE_REQUIRED, "ownerType"))
        if not (self.referenceId or "").strip():
            problems.append(ErrorDetail.of(Err.OWNER_ID_REQUIRED, "referenceId"))
        if problems:
            raise ValidationFailed(problems)
        return self.ownerType, self.referenceId.strip()


class ClaimView(BaseModel):
    badgeMetaId: str
    ownerType: str
    referenceId: str
    isActive: bool
