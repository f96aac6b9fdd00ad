"""The error catalogue: every code the API answers with, its message and HTTP status, in one place."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True)
class ErrorSpec:
    code: int
    message: str
    status: int


class Err(Enum):
    """Capillary's documented codes first, then the project's own (1000 and up) where Capillary has none."""

    INVALID_ENUM = ErrorSpec(400, "Invalid enum value", 400)
    UNAUTHORIZED = ErrorSpec(401, "Invalid or missing credentials", 401)
    FORBIDDEN = ErrorSpec(403, "Forbidden", 403)
    NOT_FOUND = ErrorSpec(404, "Resource not found", 404)
    BADGE_NOT_FOUND = ErrorSpec(404, "Passed badge is not found", 404)
    GROUP_NOT_FOUND = ErrorSpec(404, "Passed group is not found", 404)
    METHOD_NOT_ALLOWED = ErrorSpec(405, "Method not allowed", 405)
    BODY_TOO_LARGE = ErrorSpec(413, "Request body too large", 413)
    UNSUPPORTED_MEDIA_TYPE = ErrorSpec(415, "Content-Type must be application/json", 415)
    URI_TOO_LONG = ErrorSpec(414, "Request URI too long", 414)
    REQUEST_HEADERS_TOO_LARGE = ErrorSpec(431, "Request header fields too large", 431)
    # Answered by API Gateway's stage throttling and the WAF's rate limits, never by a function.
    TOO_MANY_REQUESTS = ErrorSpec(429, "Too many requests", 429)
    INTERNAL = ErrorSpec(500, "Internal error", 500)
    UNAVAILABLE = ErrorSpec(503, "Service busy, retry later", 503)
    OWNER_NOT_ALLOWED = ErrorSpec(714, "Owner type is not allowed.", 400)
    OWNER_TYPE_REQUIRED = ErrorSpec(716, "Owner type is mandatory.", 400)
    OWNER_ID_REQUIRED = ErrorSpec(717, "OwnerId is mandatory.", 400)
    START_AFTER_END = ErrorSpec(720, "Start Date should be before End Date", 400)
    START_IN_PAST = ErrorSpec(722, "Start Date cannot be past date", 400)
    START_FROZEN = ErrorSpec(723, "Start Date cannot change once the badge is live", 400)
    EXPIRY_IN_PAST = ErrorSpec(724, "Expiry Date cannot be past date", 400)
    BADGE_NAME_TAKEN = ErrorSpec(725, "Badge name cannot be duplicate", 400)
    OWNER_REQUIRED = ErrorSpec(728, "Atleast one owner is required", 400)
    GROUP_RANK_MANDATORY = ErrorSpec(732, "Group Rank is Mandatory.", 400)
    NOT_CLAIMED = ErrorSpec(737, "Claim not found in existing claims", 400)
    EVENT_IN_FUTURE = ErrorSpec(750, "Earn event date should not be in future.", 400)
    REQUEST_ID_REQUIRED = ErrorSpec(804, "RequestId information is missing.", 400)
    REQUEST_REPEATED = ErrorSpec(809, "Request with the same requestId is not allowed.", 400)
    NOT_CLAIMED_BY_TRIGGER = ErrorSpec(810, "Badge needs to be claimed first.", 409)
    ISSUE_REQUIRED = ErrorSpec(811, "Badge issue is mandatory before earn.", 409)
    CUSTOMER_ID_REQUIRED = ErrorSpec(812, "CustomerId information is missing.", 400)
    NO_ACTIVE_EARN = ErrorSpec(814, "Active earn instance is not present.", 409)
    BADGE_NOT_LIVE = ErrorSpec(815, "Badge is not live.", 400)
    EVENT_OUTSIDE_BADGE = ErrorSpec(816, "Event date is not in duration of badge meta.", 400)
    GROUP_NAME_TAKEN = ErrorSpec(733, "Group Name should be Unique.", 400)
    WINDOW_CHANGE = ErrorSpec(
        826, "Change from rolling window or fixed constraint to fixed window or vice versa is not allowed.", 400)
    ALREADY_CLAIMED = ErrorSpec(900, "The badge is already claimed by the user.", 400)
    MALFORMED_JSON = ErrorSpec(1000, "Malformed JSON body", 400)
    FIELD_REQUIRED = ErrorSpec(1001, "Field is required", 400)
    INVALID_VALUE = ErrorSpec(1002, "Invalid value", 400)
    INVALID_PAGE_TOKEN = ErrorSpec(1003, "Invalid page token", 400)
    OWNER_HAS_CLAIM = ErrorSpec(1004, "An owner with an active claim cannot be removed", 400)
    NOT_ISSUABLE = ErrorSpec(1005, "Only an ISSUE_EARN badge is issued", 400)
    CUSTOMER_LIMIT_REACHED = ErrorSpec(1020, "The customer has reached a limit of this badge", 400)
    BADGE_LIMIT_REACHED = ErrorSpec(1021, "The badge has reached a limit", 400)
    ACTIVE_ISSUE_EXISTS = ErrorSpec(1040, "An active issue for the badge already exists.", 400)
    MALFORMED_REQUEST = ErrorSpec(1050, "Malformed HTTP request", 400)
    CUSTOM_FIELD_NOT_FOUND = ErrorSpec(404, "Passed custom field is not found", 404)
    CUSTOM_FIELD_NAME_TAKEN = ErrorSpec(1080, "Custom field name should be unique among active custom fields", 400)
    CUSTOM_FIELD_LIMIT = ErrorSpec(1081, "Too many custom fields", 400)
    ORG_META_NOT_FOUND = ErrorSpec(404, "Badges org meta is not created for the org", 404)
    ORG_META_EXISTS = ErrorSpec(999999, "ORG_CONFIG_ALREADY_EXIST_PLEASE_USE_UPDATE_ORG_CONFIG_API", 409)
    REVOKE_ISSUALS_REQUIRED = ErrorSpec(1051, "RevokeIssuals or CustomerId is mandatory", 400)
    NO_ISSUE_INSTANCE = ErrorSpec(404, "Customer doesn't have issue instance", 404)
    ISSUE_NOT_OF_CUSTOMER = ErrorSpec(404, "issue doesn't belong to customer", 404)
    IMPORT_SIZE = ErrorSpec(1054, "Import needs a list of 1 to 100 earned badges", 400)
    CUSTOMER_NOT_FOUND = ErrorSpec(404, "Passed customer is not found", 404)
    IDENTIFIER_TAKEN = ErrorSpec(1060, "The identifier belongs to another customer", 409)
    IDENTIFIERS_SIZE = ErrorSpec(1061, "Customer identifiers need a list of 1 to 100 customers", 400)
    UNKNOWN_IDENTIFIER_TYPE = ErrorSpec(
        1062, "X-CAP-CUSTOMER-IDENTIFIER must be email, mobile, externalId or cardNumber", 400)

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
