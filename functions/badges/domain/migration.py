"""Revoking customers' issues of a badge, and importing customers' earned badges from another platform."""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from badges.domain.badges import Time
from badges.domain.earning import CustomerId, RequestId
from badges.domain.fields import MAX_ID, Id

MAX_REVOKES = 20  # customers or revokeIssuals a request (Capillary's limit)
MAX_IMPORTS = 100  # earned badges an import request carries


def _id_text(value: Any) -> Any:
    """Ids sent as numbers ("issueId": 236) read as their digits; booleans stay refused."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _customer_ids(value: Any) -> Any:
    """customers: ids, or objects with a customerId (as issueBulk's)."""
    if isinstance(value, list):
        return [item.get("customerId") if isinstance(item, dict) else item for item in value]
    return value


TextId = Annotated[str, BeforeValidator(_id_text), Field(max_length=MAX_ID)]


class RevokeIssual(BaseModel):
    model_config = ConfigDict(extra="ignore")

    customerId: CustomerId | None = None
    issueId: TextId | None = None


class RevokeIssueRequest(BaseModel):
    """The body of POST /badgeMeta/customer/revokeIssue: `revokeIssuals` wins over `customers` when both come."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"example": {
        "badgeMetaId": "654bb48766a87827bb61e631", "customers": [123, 62090013]}})

    badgeMetaId: Id | None = None
    customers: Annotated[Annotated[list[CustomerId | None], Field(max_length=MAX_REVOKES)] | None,
                         BeforeValidator(_customer_ids)] = None
    revokeIssuals: Annotated[list[RevokeIssual], Field(max_length=MAX_REVOKES)] | None = None


class RevokedIssue(BaseModel):
    """One customer's outcome: the issue made inactive, or the error."""

    customerId: int | None
    issuedId: str | None = None
    error: dict | None = None


class RevokeIssueResult(BaseModel):
    badgeMetaId: str
    revokedIssuedBadges: list[RevokedIssue]
    requestId: str | None = None


class ImportItem(BaseModel):
    """One earned badge of an import: who earned which badge when, and when it expires (or expired)."""

    model_config = ConfigDict(extra="ignore")

    badgeMetaId: Id | None = None
    customerId: CustomerId | None = None
    earnEventDate: Time = None
    earnEventDateISO: Time = None
    earnExpiresOn: Time = None
    earnExpiresOnISO: Time = None
    requestId: RequestId = None  # optional: without it, the item's own content keys its idempotency


ImportBody = list[ImportItem]  # plain: Powertools reads a list body only when the annotation is a bare list


class ImportedBadge(BaseModel):
    badgeMetaId: str | None
    customerId: int | None
    earnedBadgeId: str | None = None
    expiresOn: float | None = None
    expiresOnISO: str | None = None
    requestId: str | int | None = None
    issuedId: str | None = None


class ImportOutcome(BaseModel):
    """One item's answer, an envelope of its own as Capillary's import answers."""

    data: ImportedBadge | None
    errors: list[dict] | None = None
    warnings: list[dict] | None = None
