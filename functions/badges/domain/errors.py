"""The error catalogue: every code the API answers with, its message and HTTP status, in one place."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True)
class ErrorSpec:
    """A code's entry. The API reference's error table is generated from these (`make docs`), `when` included."""

    code: int
    message: str
    status: int
    when: str  # when the code is answered, as the error table says it
    shown: str = ""  # the message as the table shows it, when the answer fills `message` in or words it otherwise


class Err(Enum):
    """Capillary's documented codes first, then the project's own (1000 and up) where Capillary has none."""

    INVALID_ENUM = ErrorSpec(
        400, "Invalid enum value", 400,
        when="an enum field holds an unknown value (Capillary's code)")
    UNAUTHORIZED = ErrorSpec(
        401, "Invalid or missing credentials", 401,
        when="no `Authorization`, an unknown user or a wrong secret")
    FORBIDDEN = ErrorSpec(
        403, "Forbidden", 403,
        when="the credential may not do this")
    NOT_FOUND = ErrorSpec(
        404, "Resource not found", 404,
        when="no route has this path")
    BADGE_NOT_FOUND = ErrorSpec(
        404, "Passed badge is not found", 404,
        when="the badge is unknown in the caller's org")
    GROUP_NOT_FOUND = ErrorSpec(
        404, "Passed group is not found", 404,
        when="the group is unknown in the caller's org")
    METHOD_NOT_ALLOWED = ErrorSpec(
        405, "Method not allowed", 405,
        when="the path exists but not with this method (`Allow` lists those it has)")
    BODY_TOO_LARGE = ErrorSpec(
        413, "Request body too large", 413,
        when="a body above 256 KiB")
    UNSUPPORTED_MEDIA_TYPE = ErrorSpec(
        415, "Content-Type must be application/json", 415,
        when="a body sent as anything but JSON (no `Content-Type` is read as JSON)")
    URI_TOO_LONG = ErrorSpec(
        414, "Request URI too long", 414,
        when="`make run`: a request line over 64 KiB (deployed: see below)")
    REQUEST_HEADERS_TOO_LARGE = ErrorSpec(
        431, "Request header fields too large", 431,
        when=("`make run`: a header line over 64 KiB, over 100 headers, or headers over 10,240 bytes in all"
              " (deployed: see below)"))
    # Answered by API Gateway's stage throttling and the WAF's rate limits, never by a function.
    TOO_MANY_REQUESTS = ErrorSpec(
        429, "Too many requests", 429,
        when=("API Gateway throttling, or a per-IP rate limit of the WAF with `Retry-After: 60` (deployed "
              "only; see [WAF and rate limits](../../infra/README.md#waf-and-rate-limits))"))
    INTERNAL = ErrorSpec(
        500, "Internal error", 500,
        when="an unexpected fault; the id finds the log line with the trace",
        shown="Internal error; correlation id ...")
    UNAVAILABLE = ErrorSpec(
        503, "Service busy, retry later", 503,
        when="DynamoDB throttled or a transaction kept conflicting; `Retry-After` says when")
    OWNER_NOT_ALLOWED = ErrorSpec(
        714, "Owner type is not allowed.", 400,
        when="an owner outside the nine owner types, or a claim by an owner the badge does not list")
    OWNER_TYPE_REQUIRED = ErrorSpec(
        716, "Owner type is mandatory.", 400,
        when="a claim or earn without an owner type",
        shown="Owner type is mandatory. (earn: `triggeredBy.ownerType`)")
    OWNER_ID_REQUIRED = ErrorSpec(
        717, "OwnerId is mandatory.", 400,
        when="a claim or earn without a `referenceId`")
    START_AFTER_END = ErrorSpec(
        720, "Start Date should be before End Date", 400,
        when="`startOn` is not before `expiresOn`")
    START_IN_PAST = ErrorSpec(
        722, "Start Date cannot be past date", 400,
        when="`startOn` has passed and no migration header was sent (or is over 100 years ago)")
    START_FROZEN = ErrorSpec(
        723, "Start Date cannot change once the badge is live", 400,
        when="an update moves a LIVE badge's `startOn`")
    EXPIRY_IN_PAST = ErrorSpec(
        724, "Expiry Date cannot be past date", 400,
        when="an update's `expiresOn` has passed (no migration header)")
    BADGE_NAME_TAKEN = ErrorSpec(
        725, "Badge name cannot be duplicate", 400,
        when="the org already has a badge of that name")
    OWNER_REQUIRED = ErrorSpec(
        728, "Atleast one owner is required", 400,
        when="`ownership.restrictedToOwners` missing or empty")
    GROUP_RANK_MANDATORY = ErrorSpec(
        732, "Group Rank is Mandatory.", 400,
        when="`rank` missing or null (Capillary's code)")
    NOT_CLAIMED = ErrorSpec(
        737, "Claim not found in existing claims", 400,
        when="an unclaim without an active claim")
    EVENT_IN_FUTURE = ErrorSpec(
        750, "Earn event date should not be in future.", 400,
        when="an event more than 24 hours ahead")
    REQUEST_ID_REQUIRED = ErrorSpec(
        804, "RequestId information is missing.", 400,
        when="an earn without `requestId` (at most 256 characters: 1002 beyond)")
    REQUEST_REPEATED = ErrorSpec(
        809, "Request with the same requestId is not allowed.", 400,
        when=("a requestId used before for this operation; `data` is the first answer (issueBulk: the whole"
              " first answer, or null if it never finished; earnBulk: per customer, in "
              "`failedEarnBadgeErrorList`)"))
    NOT_CLAIMED_BY_TRIGGER = ErrorSpec(
        810, "Badge needs to be claimed first.", 409,
        when="`triggeredBy` holds no active claim on the badge")
    ISSUE_REQUIRED = ErrorSpec(
        811, "Badge issue is mandatory before earn.", 409,
        when="an ISSUE_EARN earn without the customer's active issue")
    CUSTOMER_ID_REQUIRED = ErrorSpec(
        812, "CustomerId information is missing.", 400,
        when="an earn without `customerId`")
    NO_ACTIVE_EARN = ErrorSpec(
        814, "Active earn instance is not present.", 409,
        when="a revoke of an earned badge that is not active")
    BADGE_NOT_LIVE = ErrorSpec(
        815, "Badge is not live.", 400,
        when="the badge is inactive, upcoming or expired; the message says which (deactivated first)",
        shown="Badge is not live: it is deactivated. / it has not started yet. / it has ended.")
    EVENT_OUTSIDE_BADGE = ErrorSpec(
        816, "Event date is not in duration of badge meta.", 400,
        when="the event or issue date is outside the badge")
    GROUP_NAME_TAKEN = ErrorSpec(
        733, "Group Name should be Unique.", 400,
        when="the org already has a group of that name (Capillary's code)")
    WINDOW_CHANGE = ErrorSpec(
        826, "Change from rolling window or fixed constraint to fixed window or vice versa is not allowed.", 400,
        when="an update of a LIVE badge adds, removes or reshapes a fixed window")
    ALREADY_CLAIMED = ErrorSpec(
        900, "The badge is already claimed by the user.", 400,
        when="a second claim by the same owner and reference")
    MALFORMED_JSON = ErrorSpec(
        1000, "Malformed JSON body", 400,
        when=("the body is not valid JSON (or not UTF-8), or holds `NaN`, `Infinity`, a number past a float"
              " or an integer of over 4,300 digits"))
    FIELD_REQUIRED = ErrorSpec(
        1001, "Field is required", 400,
        when="a mandatory field (or the body) is missing and Capillary gives no code for it")
    INVALID_VALUE = ErrorSpec(
        1002, "Invalid value", 400,
        when=("a field of the wrong type or out of its bound (see [Bounds](#bounds)); the message says "
              "which rule. `reference: \"body\"` when the body is not a JSON object or is nested deeper than "
              "32 levels"),
        shown="Invalid value: ...")
    INVALID_PAGE_TOKEN = ErrorSpec(
        1003, "Invalid page token", 400,
        when="a `nextToken` this API did not issue to this org for this query, altered, or older than 24 hours")
    OWNER_HAS_CLAIM = ErrorSpec(
        1004, "An owner with an active claim cannot be removed", 400,
        when="an update drops a claimed owner from `restrictedToOwners`")
    NOT_ISSUABLE = ErrorSpec(
        1005, "Only an ISSUE_EARN badge is issued", 400,
        when="issueBulk on an EARN badge")
    CUSTOMER_LIMIT_REACHED = ErrorSpec(
        1020, "The customer has reached a limit of this badge", 400,
        when="a customer constraint refuses the earn; `reference` names it",
        shown="`<constraint type>` allows N: the limit is reached")
    BADGE_LIMIT_REACHED = ErrorSpec(
        1021, "The badge has reached a limit", 400,
        when="a badge constraint refuses the earn; `reference` names it",
        shown="`<constraint type>` allows N: the limit is reached")
    ACTIVE_ISSUE_EXISTS = ErrorSpec(
        1040, "An active issue for the badge already exists.", 400,
        when="issueBulk for a customer who holds an active issue (in that customer's result)")
    MALFORMED_REQUEST = ErrorSpec(
        1050, "Malformed HTTP request", 400,
        when="`make run`: a request line that is not HTTP")
    CUSTOM_FIELD_NOT_FOUND = ErrorSpec(
        404, "Passed custom field is not found", 404,
        when="the custom field is unknown in the caller's org")
    CUSTOM_FIELD_NAME_TAKEN = ErrorSpec(
        1080, "Custom field name should be unique among active custom fields", 400,
        when="another active custom field of the org has the name")
    CUSTOM_FIELD_LIMIT = ErrorSpec(
        1081, "Too many custom fields", 400,
        when="the org has 20 active custom fields, or 100 in all")
    ORG_META_NOT_FOUND = ErrorSpec(
        404, "Badges org meta is not created for the org", 404,
        when="`GET` or `PUT /orgMeta` before `POST /orgMeta`")
    ORG_META_EXISTS = ErrorSpec(
        999999, "ORG_CONFIG_ALREADY_EXIST_PLEASE_USE_UPDATE_ORG_CONFIG_API", 409,
        when="`POST /orgMeta` for an org that has its meta (Capillary's code)")
    REVOKE_ISSUALS_REQUIRED = ErrorSpec(
        1051, "RevokeIssuals or CustomerId is mandatory", 400,
        when="revokeIssue with neither `customers` nor `revokeIssuals` (Capillary's code)")
    NO_ISSUE_INSTANCE = ErrorSpec(
        404, "Customer doesn't have issue instance", 404,
        when="revokeIssue: the customer holds no active issue of the badge (in that customer's entry, in a 200)")
    ISSUE_NOT_OF_CUSTOMER = ErrorSpec(
        404, "issue doesn't belong to customer", 404,
        when="revokeIssue: the `issueId` is not the customer's active issue (in that entry, in a 200)")
    IMPORT_SIZE = ErrorSpec(
        1054, "Import needs a list of 1 to 100 earned badges", 400,
        when="an import body that is an empty array or holds over 100 items")
    CUSTOMER_NOT_FOUND = ErrorSpec(
        404, "Passed customer is not found", 404,
        when=("`X-CAP-CUSTOMER-IDENTIFIER`: no customer of the org has the identifier in the path or body "
              "(the message names its type)"))
    IDENTIFIER_TAKEN = ErrorSpec(
        1060, "The identifier belongs to another customer", 409,
        when=("`PUT /customerIdentifiers`: an identifier another customer of the org holds (in that item's "
              "envelope, one per identifier; nothing of the item is written)"))
    IDENTIFIERS_SIZE = ErrorSpec(
        1061, "Customer identifiers need a list of 1 to 100 customers", 400,
        when="`PUT /customerIdentifiers` with an empty array or over 100 items")
    UNKNOWN_IDENTIFIER_TYPE = ErrorSpec(
        1062, "X-CAP-CUSTOMER-IDENTIFIER must be email, mobile, externalId or cardNumber", 400,
        when="another value of the header (`reference` names the header)")

    @property
    def code(self) -> int:
        return self.value.code

    @property
    def status(self) -> int:
        return self.value.status


@dataclass(frozen=True)
class ErrorDetail:
    """One entry of the envelope's errors list."""

    code: int
    message: str
    reference: str | None = None
    extra: tuple[tuple[str, object], ...] = ()  # fields beside these three (a limit's nextEligibleOn)

    @classmethod
    def of(cls, err: Err, reference: str | None = None, message: str | None = None,
           extra: dict | None = None) -> ErrorDetail:
        return cls(err.code, message or err.value.message, reference, tuple((extra or {}).items()))

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "reference": self.reference, **dict(self.extra)}


class BadgesError(Exception):
    """A refusal the caller caused or must hear about; carries its catalogue entry and HTTP status."""

    def __init__(self, err: Err, reference: str | None = None, message: str | None = None,
                 details: list[ErrorDetail] | None = None, headers: dict[str, str] | None = None):
        self.status = err.status
        self.details = details or [ErrorDetail.of(err, reference, message)]
        self.headers = headers or {}
        self.data: object = None  # what the envelope's data carries beside the errors, if anything
        super().__init__(f"{err.name}: {self.details[0].message}")


class ValidationFailed(BadgesError):
    """Several input errors found at once; all are reported together with HTTP 400."""

    def __init__(self, details: list[ErrorDetail]):
        super().__init__(Err.INVALID_VALUE, details=details)


class GroupNotFound(BadgesError):
    def __init__(self, group_id: str, reference: str = "groupId"):
        super().__init__(Err.GROUP_NOT_FOUND, reference=reference)
        self.group_id = group_id


class GroupNameTaken(BadgesError):
    def __init__(self, name: str):
        super().__init__(Err.GROUP_NAME_TAKEN, reference="name")
        self.name = name


class BadgeNotFound(BadgesError):
    def __init__(self, reference: str = "badgeId"):
        super().__init__(Err.BADGE_NOT_FOUND, reference=reference)


class BadgeNameTaken(BadgesError):
    def __init__(self, name: str):
        super().__init__(Err.BADGE_NAME_TAKEN, reference="name")
        self.name = name


class CustomFieldNotFound(BadgesError):
    def __init__(self, reference: str = "customFieldId"):
        super().__init__(Err.CUSTOM_FIELD_NOT_FOUND, reference=reference)


class InvalidPageToken(BadgesError):
    """A nextToken we did not seal for this org and query, altered, or expired: 1003."""

    def __init__(self) -> None:
        super().__init__(Err.INVALID_PAGE_TOKEN, reference="nextToken")


class RequestRepeated(BadgesError):
    """A requestId already used for this operation: 809, answered with the first request's result."""

    def __init__(self, original: dict | None):
        super().__init__(Err.REQUEST_REPEATED, reference="requestId")
        self.data = original


class ServiceUnavailable(BadgesError):
    """DynamoDB throttled us or a transaction kept conflicting; the caller should retry shortly."""

    def __init__(self, retry_after_seconds: int = 1):
        super().__init__(Err.UNAVAILABLE, headers={"Retry-After": str(retry_after_seconds)})
