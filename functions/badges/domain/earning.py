"""Earning: what callers send to issue, earn and revoke badges for customers, and what they get back."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from badges.domain.badges import OMIT, BadgeView, OmitsNulls, Time
from badges.domain.claims import OwnerReference
from badges.domain.enums import OwnerType, lenient
from badges.domain.errors import Err, ErrorDetail, ValidationFailed
from badges.domain.fields import INT64_MAX, Id, Long
from badges.domain.limits import Counted
from badges.domain.paging import Pagination
from badges.domain.values import iso_or_epoch, to_epoch, to_iso

MAX_REQUEST_ID = 256
MAX_CUSTOMER_REF = 300  # a customer named in a path or a body: an id, or an identifier (an email: 254)
# A request may be repeated this far ahead of the clock (750 beyond).
FUTURE_TOLERANCE = Decimal(24 * 3600)


@dataclass(frozen=True)
class EarnRecord:
    """An earned badge as stored: active until revoked (`revoked_on`), held until `expires_on`; `counters` are
    the counter items it added to, which its revoke gives back."""

    earned_id: str
    badge_id: str
    customer_id: int
    event: Decimal  # the earn event's date
    earned_on: Decimal
    expires_on: Decimal
    active: bool
    request_id: str | None = None
    issued_id: str | None = None  # the issue an ISSUE_EARN badge was earned on
    revoked_on: Decimal | None = None
    counters: tuple[Counted, ...] = ()


@dataclass(frozen=True)
class IssueRecord:
    """A customer's issue (enrolment) of an ISSUE_EARN badge as stored: one a customer and badge, the latest."""

    issued_id: str
    badge_id: str
    customer_id: int
    issued_on: Decimal  # the issue event's date
    expires_on: Decimal
    active: bool
    at: Decimal | None = None  # when it was recorded
    revoked_on: Decimal | None = None


def _customer_id(value: Any) -> Any:
    """Customer ids arrive as numbers or numeric strings ("23423" in the earn page's example)."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


def _request_id(value: Any) -> Any:
    """A requestId is a string or an integer (the spec's examples send both), never a boolean or a fraction."""
    if value is None or isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)
                                                   and abs(value) <= INT64_MAX):
        return value
    raise PydanticCustomError("request_id_type", "Input should be a string or an integer within 64 bits")


CustomerId = Annotated[Long, BeforeValidator(_customer_id)]


def _customer_ref(value: Any) -> Any:
    """A customer as revokeEarn's body names it: an id (a number, or its digits) or, with X-CAP-CUSTOMER-IDENTIFIER,
    an identifier; kept as sent (a mobile's leading zero matters), never a boolean or a fraction."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, str) and len(value) <= MAX_CUSTOMER_REF:
        return value
    raise PydanticCustomError("customer_ref", f"Input should be an integer or a string of at most {MAX_CUSTOMER_REF} "
                                              "characters")
RequestId = Annotated[str | int | None, Field(union_mode="left_to_right"), BeforeValidator(_request_id)]


class TriggeredBy(BaseModel):
    model_config = ConfigDict(extra="ignore")

    ownerType: Annotated[OwnerType | None, lenient(OwnerType)] = None
    referenceId: OwnerReference = None


class EarnRequest(BaseModel):
    """The body of POST /customer/earn."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"example": {
        "badgeMetaId": "66276dc68fe258516a88ff8e", "earnEventDate": "2023-11-03T21:51:00.192Z",
        "customerId": 62090013, "requestId": 2132, "triggeredBy": {"ownerType": "Loyalty", "referenceId": "123694"}}})

    badgeMetaId: str | None = None
    customerId: CustomerId | None = None
    requestId: RequestId = None
    earnEventDate: Time = None
    earnEventDateISO: Time = None
    triggeredBy: TriggeredBy | None = None

    def event(self, now: Decimal) -> Decimal:
        """When the customer earned: the ISO field wins, then the epoch one, then now."""
        return iso_or_epoch(self.earnEventDateISO, self.earnEventDate, default=now)


class EarnBulkRequest(BaseModel):
    """The body of POST /customer/earnBulk: one badge, many customers, one requestId."""

    model_config = ConfigDict(extra="ignore")

    badgeMetaId: str | None = None
    customerIds: list[CustomerId | None] | None = None
    requestId: RequestId = None
    earnEventDate: Time = None
    earnEventDateISO: Time = None
    issueEventDate: Time = None
    issueEventDateISO: Time = None
    triggeredBy: TriggeredBy | None = None

    def event(self, now: Decimal) -> Decimal:
        """When the customers earned: earnEventDateISO, earnEventDate, then the issueEventDate(ISO) that the page's
        own example sends, then now."""
        fallback = iso_or_epoch(self.issueEventDateISO, self.issueEventDate, default=now)
        return iso_or_epoch(self.earnEventDateISO, self.earnEventDate, default=fallback)


def _customers(value: Any) -> Any:
    """issueBulk's customers: ids, or objects with a customerId."""
    if isinstance(value, list):
        return [item.get("customerId") if isinstance(item, dict) else item for item in value]
    return value


class IssueBulkRequest(BaseModel):
    """The body of POST /badgeMeta/customer/issueBulk: enrol customers in an ISSUE_EARN badge."""

    model_config = ConfigDict(extra="ignore")

    badgeMetaId: str | None = None
    customers: Annotated[list[CustomerId | None] | None, BeforeValidator(_customers)] = None
    customerIds: list[CustomerId | None] | None = None
    requestId: RequestId = None
    issueEventDate: Time = None
    issueEventDateISO: Time = None
    triggeredBy: TriggeredBy | None = None


class RevokeRequest(BaseModel):
    """The body of POST /customer/revokeEarn; `customerId` an id (a number or its digits) or, with
    X-CAP-CUSTOMER-IDENTIFIER, the identifier the handler resolves to the id."""

    model_config = ConfigDict(extra="ignore")

    badgeMetaId: str | None = None
    customerId: Annotated[int | str | None, BeforeValidator(_customer_ref)] = None
    earnedBadgeId: Id | None = None


class EarnResult(OmitsNulls):
    """What an earn answers, and what a repeat of its requestId replays."""

    badgeMetaId: str
    customerId: int
    earnedBadgeId: str
    earnEventDate: float
    expiresOn: float
    expiresOnISO: str
    requestId: str  # a string, as the page's example answers its numeric requestId
    issuedId: str | None = None  # null for an EARN badge, as the page's example shows


class EarnedEntry(BaseModel):
    """One customer's earned badge in an earnBulk answer."""

    customerId: int
    earnedBadgeId: str


class FailedEntry(OmitsNulls):
    """One customer's refusal in an earnBulk answer; a repeated requestId (809) names the badge it earned first."""

    customerId: int
    error: dict
    earnedBadgeId: str | None = OMIT


class EarnBulkResult(BaseModel):
    """What POST /customer/earnBulk answers: the customers who earned, the ones refused and why, and counts."""

    badgeMetaId: str
    requestId: str
    triggeredBy: TriggeredBy | None = None
    expiresOn: float | None  # the earned badges' expiry; null when no customer earned
    expiresOnISO: str | None
    earnedBadgesList: list[EarnedEntry]
    totalCount: int
    earnedCount: int
    failedCount: int
    failedEarnBadgeErrorList: list[FailedEntry]


class IssuedEntry(BaseModel):
    """One customer's issue in an issueBulk answer: ACTIVE when issued now; with 1040 the issue the customer
    already holds (its id, ACTIVE); with another error no issue (both null)."""

    customerId: int
    issuedId: str | None = None
    status: str | None = None
    error: dict | None = None


class IssueBulkResult(BaseModel):
    """What POST /badgeMeta/customer/issueBulk answers, and what a repeat of its requestId replays whole."""

    badgeMetaId: str
    triggeredBy: TriggeredBy | None = None
    expiresOn: float
    expiresOnISO: str
    issuedBadges: list[IssuedEntry]
    requestId: str


class RevokeResult(BaseModel):
    badgeMetaId: str
    customerId: int
    earnedBadgeId: str
    isActive: bool


def required_of(badge_id: str | None, customer_id: Any, request_id: Any, triggered_by: TriggeredBy | None,
                owner_required: bool = True, customer_ref: str = "customerId") -> None:
    """812 / 804 / 716 / 717 for what an earn must name, all at once; `customer_id` is the customer, or the
    bulk request's list of them."""
    problems = []
    if not badge_id:
        problems.append(ErrorDetail.of(Err.FIELD_REQUIRED, "badgeMetaId", "badgeMetaId is required"))
    if customer_id is None:
        problems.append(ErrorDetail.of(Err.CUSTOMER_ID_REQUIRED, customer_ref))
    if request_id is None or str(request_id).strip() == "":
        problems.append(ErrorDetail.of(Err.REQUEST_ID_REQUIRED, "requestId"))
    elif len(str(request_id)) > MAX_REQUEST_ID:
        problems.append(ErrorDetail.of(Err.INVALID_VALUE, "requestId", f"Invalid value: at most {MAX_REQUEST_ID} "
                                                                       "characters"))
    if owner_required or triggered_by is not None:
        if triggered_by is None or triggered_by.ownerType is None:
            problems.append(ErrorDetail.of(Err.OWNER_TYPE_REQUIRED, "triggeredBy.ownerType"))
        if triggered_by is None or not (triggered_by.referenceId or "").strip():
            problems.append(ErrorDetail.of(Err.OWNER_ID_REQUIRED, "triggeredBy.referenceId"))
    if problems:
        raise ValidationFailed(problems)


def times(moment: Decimal) -> dict[str, Any]:
    return {"expiresOn": to_epoch(moment), "expiresOnISO": to_iso(moment)}


class EarnedBadge(OmitsNulls):
    earnedBadgeId: str
    earnEventDate: float
    earnEventDateISO: str
    earnedOn: float
    expiresOn: float
    expiresOnISO: str
    requestId: str | None = None
    issuedId: str | None = OMIT


class CustomerBadgeView(BadgeView):
    """A badge as one customer sees it: its definition (as GET /badgeMeta/{badgeId} answers it, `id` repeated as
    `badgeMetaId`), and this customer's part in it: `earnedCount` and the earned badges are the customer's own."""

    badgeMetaId: str
    badgeGroupName: str | None = None
    lastEarnedOnDate: float | None = None
    lastEarnedOnDateISO: str | None = None
    lastEarnEventDate: float | None = None
    lastEarnEventDateISO: str | None = None
    earnedBadges: list[EarnedBadge] = []
    issuedId: str | None = OMIT
    issueExpiresOn: float | None = OMIT
    # our extension: when a window that refuses the customer's earn now lets one through (available views)
    nextEligibleOn: float | None = OMIT
    nextEligibleOnISO: str | None = OMIT


class CustomerBadges(BaseModel):
    badges: list[CustomerBadgeView]
    pagination: Pagination
