"""The API's enumerations, read case-insensitively (with the synonyms the spec's examples use) and written in
the spec's spelling."""
from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError


class OwnerType(StrEnum):
    LOYALTY = "Loyalty"
    LOYALTY_PROMOTION = "Loyalty_Promotion"
    REFERRAL_CAMPAIGNS = "Referral_Campaigns"
    JOURNEYS = "Journeys"
    AUDIENCE_CAMPAIGNS = "Audience_Campaigns"
    REWARDS_CATALOG = "Rewards_Catalog"
    GOODWILL_MODULE = "Goodwill_Module"
    MILESTONES = "Milestones"
    HISTORICAL_IMPORT = "Historical_Import"


class EarnType(StrEnum):
    EARN = "EARN"
    ISSUE_EARN = "ISSUE_EARN"


class ExpiryType(StrEnum):
    RELATIVE = "RELATIVE"
    ABSOLUTE = "ABSOLUTE"
    NEVER = "NEVER"


class ExpiryBase(StrEnum):
    WITH_BADGE_META = "WITH_BADGE_META"
    FIXED_DATE = "FIXED_DATE"


class Period(StrEnum):
    DAYS = "DAYS"
    WEEKS = "WEEKS"
    MONTHS = "MONTHS"


class DayOfWeek(StrEnum):
    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"


class ConstraintKind(StrEnum):
    """What a constraint limits by; the list it sits in (customer or badge) gives the rest of its type."""

    FIXED_WINDOW = "FIXED_WINDOW"
    FIXED_VALUE = "FIXED_VALUE"
    ROLLING_WINDOW = "ROLLING_WINDOW"
    NO_LIMIT = "NO_LIMIT"


class BadgeStatus(StrEnum):
    UPCOMING = "UPCOMING"
    LIVE = "LIVE"
    EXPIRED = "EXPIRED"


class CustomerBadgeType(StrEnum):
    EARNED = "EARNED"
    AVAILABLE = "AVAILABLE"
    AVAILABLE_TO_ISSUE = "AVAILABLE_TO_ISSUE"
    EXPIRED = "EXPIRED"
    AVAILABLE_TO_ENROL = "AVAILABLE_TO_ENROL"  # our extension: Member Care's "Available to Enrol" section


class CustomerSort(StrEnum):
    """GET /customer/{customerId}'s sortOn: by rank (group, then badge), or the latest earn first."""

    RANK = "RANK"
    LAST_EARNED_ON_DATE = "LAST_EARNED_ON_DATE"
    LAST_EARNED_EVENT_DATE = "LAST_EARNED_EVENT_DATE"


class ConstraintLevel(StrEnum):
    """GET /badgeMeta/getFixedWindowDetails: whose fixed windows to list."""

    BADGE = "BADGE"
    CUSTOMER = "CUSTOMER"
    ALL = "ALL"


class ManagementSort(StrEnum):
    """GET /management/{customerId}'s sortOn."""

    EXPIRES_ON = "EXPIRES_ON"
    LAST_MODIFIED_DATE = "LAST_MODIFIED_DATE"
    LAST_ISSUED_DATE = "LAST_ISSUED_DATE"
    LAST_EXPIRED_BADGE = "LAST_EXPIRED_BADGE"
    LAST_EARNED_EVENT_DATE = "LAST_EARNED_EVENT_DATE"
    LAST_EARNED_ON_DATE = "LAST_EARNED_ON_DATE"


class DateOperator(StrEnum):
    LESS_THAN = "LESS_THAN"
    GREATER_THAN = "GREATER_THAN"


class SortOrder(StrEnum):
    ASC = "ASC"
    DESC = "DESC"


class BadgeSort(StrEnum):
    ID = "ID"
    NAME = "NAME"
    START_DATE = "START_DATE"


class BadgeAction(StrEnum):
    """`action` in GET /badgeMeta and Member Care: whether a badge is switched on (DEACTIVATED is read too)."""

    ACTIVATED = "ACTIVATED"
    DE_ACTIVATED = "DE_ACTIVATED"


class BenefitType(StrEnum):
    COUPON = "COUPON"
    LOYALTY_POINTS = "LOYALTY_POINTS"


PERIOD_SYNONYMS = {"DAILY": "DAYS", "DAY": "DAYS", "WEEKLY": "WEEKS", "WEEK": "WEEKS", "MONTHLY": "MONTHS",
                   "MONTH": "MONTHS"}
# startDayOfTheWeek may be a number, 1 = MONDAY (the spec's examples send 1).
DAY_NUMBERS = {str(number): day.value for number, day in enumerate(DayOfWeek, start=1)}
CONSTRAINT_TYPES = {f"{prefix}{kind.value}": kind.value for prefix in ("CUSTOMER_BADGE_", "BADGE_")
                    for kind in ConstraintKind}
STATUS_SYNONYMS = {"ENDED": "EXPIRED"}


def lenient(enum: type[StrEnum], synonyms: dict[str, str] | None = None) -> BeforeValidator:
    """Read a value of `enum` whatever its case, or one of its synonyms; anything else is 'Invalid enum value'."""
    lookup = {member.value.upper(): member.value for member in enum}
    lookup |= {key.upper(): value for key, value in (synonyms or {}).items()}
    expected = ", ".join(member.value for member in enum)

    def parse(value: Any) -> Any:
        if value is None or isinstance(value, enum):
            return value
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip().upper() in lookup:
            return enum(lookup[str(value).strip().upper()])
        raise PydanticCustomError("enum", "Input should be one of: {expected}", {"expected": expected})

    return BeforeValidator(parse)


def parse_owner(value: str) -> OwnerType | None:
    """An owner type whatever its case (the earn page writes LOYALTY); None if it is not one."""
    return next((owner for owner in OwnerType if owner.value.upper() == str(value).strip().upper()), None)
