"""Member Care's view of one customer's badge: the badge, the customer's issue and earns, each constraint's counts."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pydantic import BaseModel, PrivateAttr

from badges.domain.badges import (
    CYCLE_STATUS,
    OMIT,
    Badge,
    Constraint,
    CustomValue,
    Expiry,
    Image,
    OmitsNulls,
    OwnershipView,
    Tag,
    _expiry_view,
    constraint_reference_id,
)
from badges.domain.earning import EarnRecord, IssueRecord, Pagination
from badges.domain.eligibility import fields
from badges.domain.enums import ConstraintKind, ExpiryBase, ExpiryType, Period
from badges.domain.values import to_epoch, to_iso
from badges.domain.windows import day_of, fixed_window_end, fixed_window_start

_TYPES = {ConstraintKind.FIXED_VALUE: "OVERALL"}
_PAIRS = ((Period.DAYS, "maxEarnForDays", "rollForDays"), (Period.WEEKS, "maxEarnForWeeks", "rollForWeeks"),
          (Period.MONTHS, "maxEarnForMonths", "rollForMonths"))


@dataclass(frozen=True)
class Count:
    """Where one constraint's current count is kept: a counter item's sort key and attribute, in the customer's
    counters or on the badge's tally shards; `unit` says which currentEarnCount* it fills (None: currentEarnCount)."""

    scope: str
    sk: str
    attribute: str
    unit: Period | None = None


def _rolling(scope: str, unit: Period, length: int, at: Decimal) -> Count:
    """The trailing window that ends today: its count is the day's attribute of the month's item (limits.py)."""
    today = day_of(at)
    return Count(scope, f"RW#{unit.value[0]}{length}#{today:%Y%m}", f"d{today:%d}", unit)


def counts_of(scope: str, constraint: Constraint, badge: Badge, at: Decimal) -> list[Count]:
    """The counters that hold a constraint's counts now; none outside the badge's life for a window, and none
    for a badge's fixed value (the badge's earnedCount is its count)."""
    kind, d = constraint.constraintType, badge.definition
    live = d.startOn <= at < d.expiresOn
    if kind == ConstraintKind.FIXED_VALUE:
        return [Count(scope, "FV", "n")] if scope == "customer" else []
    if kind == ConstraintKind.FIXED_WINDOW and live:
        prefix = "CUSTOMER_BADGE_" if scope == "customer" else "BADGE_"
        start = fixed_window_start(constraint.durationType, d.startOn, at, constraint.refreshRate,
                                   constraint.startDayOfTheWeek)
        return [Count(scope, f"FW#{constraint_reference_id(prefix, constraint)}#{Decimal(start).normalize():f}", "n")]
    if kind == ConstraintKind.ROLLING_WINDOW and live and scope == "badge":
        return [_rolling(scope, constraint.rollType, constraint.rollValue, at)]
    if kind == ConstraintKind.ROLLING_WINDOW and live:
        return [_rolling(scope, unit, getattr(constraint, length), at) for unit, limit, length in _PAIRS
                if getattr(constraint, limit) is not None]
    return []


def current_window(constraint: Constraint, badge: Badge, at: Decimal) -> tuple[Decimal, Decimal] | None:
    """The fixed window holding `at`, from its start to the next one's (or the badge's end)."""
    d = badge.definition
    if not d.startOn <= at < d.expiresOn:
        return None
    window = (constraint.durationType, d.startOn, at, constraint.refreshRate, constraint.startDayOfTheWeek)
    return fixed_window_start(*window), min(fixed_window_end(*window), d.expiresOn)


class BlockStatistics(BaseModel):
    currentEarnCount: int | None = None
    currentEarnCountDays: int | None = None
    currentEarnCountWeeks: int | None = None
    currentEarnCountMonths: int | None = None


class WindowCycle(BaseModel):
    startDate: float
    endDate: float


class ConstraintStatistics(BaseModel):
    constraintLevel: str
    constraintType: str
    rollType: str | None = None
    refreshRate: int | None = None
    durationType: str | None = None
    cycleStatus: str | None = None
    startDayOfTheWeek: str | None = None
    rollValue: int | None = None
    maxEarnLimit: int | None = None
    earnConstraintBlockStatistics: BlockStatistics
    fixedWindowCycle: WindowCycle | None = None
    fixedWindowReferenceId: str | None = None
    rollingWindowLimits: dict[str, int] | None = None


def constraint_statistics(scope: str, constraint: Constraint, badge: Badge, at: Decimal,
                          values: dict[tuple[str, str], dict]) -> ConstraintStatistics:
    """One constraint as Member Care shows it, with its counts now from `values` ((scope, sk) -> attributes)."""
    kind, status = constraint.constraintType, badge.status(at)
    stats = BlockStatistics()
    if kind == ConstraintKind.FIXED_VALUE and scope == "badge":
        stats.currentEarnCount = badge.earnedCount
    for count in counts_of(scope, constraint, badge, at):
        value = int(values.get((count.scope, count.sk), {}).get(count.attribute, 0))
        if count.unit is None or scope == "badge":
            stats.currentEarnCount = value
        setattr(stats, {None: "currentEarnCount", Period.DAYS: "currentEarnCountDays",
                        Period.WEEKS: "currentEarnCountWeeks", Period.MONTHS: "currentEarnCountMonths"}[count.unit],
                value)
    view = ConstraintStatistics(
        constraintLevel=scope.upper(), constraintType=_TYPES.get(kind, kind.value),
        rollType=constraint.rollType, rollValue=constraint.rollValue, maxEarnLimit=constraint.maxEarnLimit,
        earnConstraintBlockStatistics=stats)
    if kind == ConstraintKind.FIXED_WINDOW:
        prefix = "CUSTOMER_BADGE_" if scope == "customer" else "BADGE_"
        window = current_window(constraint, badge, at)
        view.durationType, view.refreshRate = constraint.durationType, constraint.refreshRate
        view.startDayOfTheWeek, view.cycleStatus = constraint.startDayOfTheWeek, CYCLE_STATUS[status]
        view.fixedWindowReferenceId = constraint_reference_id(prefix, constraint)
        view.fixedWindowCycle = WindowCycle(startDate=to_epoch(window[0]), endDate=to_epoch(window[1])) \
            if window else None
    if kind == ConstraintKind.ROLLING_WINDOW and scope == "customer":
        view.rollingWindowLimits = {name: getattr(constraint, name) for _, limit, length in _PAIRS
                                    for name in (limit, length) if getattr(constraint, name) is not None}
    return view


class Issual(BaseModel):
    issuedOn: float
    issuedStatus: str  # ACTIVE, EXPIRED or REVOKED
    issueExpiresOn: float
    issueId: str
    ownerType: str | None = None
    ownerReferenceId: str | None = None
    revokedOn: float | None = None
    issueEventDate: float


class IssualDetails(BaseModel):
    issuedCount: int
    issuals: list[Issual]


class Earn(BaseModel):
    earnedBadgeId: str
    earnStatus: str  # ACTIVE, EXPIRED or REVOKED
    earnedOn: float
    earnedOnISO: str
    earnEventDate: float
    earnEventDateISO: str
    expiresOn: float
    expiresOnISO: str
    revokedOn: float | None = None
    requestId: str | None = None
    issuedId: str | None = None


class EarnDetails(BaseModel):
    earnCount: int
    earns: list[Earn]


class CustomerBadgeDetails(OmitsNulls):
    """GET /management/{customerId}/badge/{badgeId}: the badge, and with includeStatistics its constraints'
    counts now, the customer's issue and earns."""

    id: str
    name: str
    description: str | None
    createdOn: float
    createdOnISO: str
    lastUpdatedOn: float
    lastUpdatedOnISO: str
    startsOn: float
    startsOnISO: str
    expiresOn: float
    expiresOnISO: str
    action: str
    badgeType: str
    badgeStatus: str
    owner: list[str]
    claimedBy: list[dict]
    images: list[Image]
    earnExpiry: dict[str, str | int | float | bool | None]
    issueExpiry: dict[str, str | int | float | bool | None] | None
    tags: list[Tag]
    badgeGroupId: str | None
    badgeGroupName: str | None
    badgeRank: int | None
    customerConstraints: list[ConstraintStatistics] | None = OMIT
    badgeConstraints: list[ConstraintStatistics] | None = OMIT
    issualDetails: IssualDetails | None = OMIT
    issuedStatus: str | None = None
    earnDetails: EarnDetails | None = OMIT
    activeEarnedCount: int
    lastEarnedOn: float | None
    lastEarnedOnISO: str | None
    lastEarnedOnDate: float | None
    lastEarnedOnDateISO: str | None
    lastEarnEventDate: float | None
    lastEarnEventDateISO: str | None
    customFields: dict[str, CustomValue]
    # our extension, with statistics: present when a limit refuses an earn now; when one passes again (null: never)
    nextEligibleOn: float | None = OMIT
    nextEligibleOnISO: str | None = OMIT
    _refused: bool = PrivateAttr(False)

    def _answers_null(self, name: str) -> bool:
        return self._refused and name.startswith("nextEligibleOn")


def state_of(record: EarnRecord | IssueRecord, at: Decimal) -> str:
    if not record.active:
        return "REVOKED"
    return "ACTIVE" if record.expires_on > at else "EXPIRED"


def recorded_on(issue: IssueRecord) -> Decimal:
    """When the issue was recorded; its event's date for one stored before that was kept."""
    return issue.issued_on if issue.at is None else issue.at


def details_of(badge: Badge, group_name: str | None, at: Decimal, earned: list[EarnRecord], issue: IssueRecord | None,
               statistics: list[ConstraintStatistics] | None = None,
               badge_statistics: list[ConstraintStatistics] | None = None,
               refused: tuple[bool, Decimal | None] = (False, None)) -> CustomerBadgeDetails:
    """The management view of a badge for one customer; the statistics parts only when given; `refused`: whether
    a limit refuses an earn now, and when one passes again (eligibility.refused_now)."""
    d = badge.definition
    active = [e for e in earned if e.active and e.expires_on > at]
    last_on = max((e.earned_on for e in active), default=None)
    last_event = max((e.event for e in active), default=None)
    view = CustomerBadgeDetails(
        id=badge.id, name=d.name, description=d.description,
        createdOn=to_epoch(badge.createdOn), createdOnISO=to_iso(badge.createdOn),
        lastUpdatedOn=to_epoch(badge.lastUpdatedOn), lastUpdatedOnISO=to_iso(badge.lastUpdatedOn),
        startsOn=to_epoch(d.startOn), startsOnISO=to_iso(d.startOn),
        expiresOn=to_epoch(d.expiresOn), expiresOnISO=to_iso(d.expiresOn),
        action="ACTIVATED" if d.active else "DE_ACTIVATED", badgeType=d.earnType, badgeStatus=badge.status(at),
        owner=list(d.restrictedToOwners),
        claimedBy=[c.model_dump() for c in badge.claims if c.isActive],
        images=d.images, earnExpiry=_expiry(d.earnedBadgeExpiry),
        issueExpiry=_expiry(d.issuedBadgeExpiry) if d.issuedBadgeExpiry else None,
        tags=d.tags, badgeGroupId=d.badgeGroupId, badgeGroupName=group_name, badgeRank=d.badgeRank,
        issuedStatus=state_of(issue, at) if issue else None, activeEarnedCount=len(active),
        lastEarnedOn=_epoch(last_on), lastEarnedOnISO=_iso(last_on),
        lastEarnedOnDate=_epoch(last_on), lastEarnedOnDateISO=_iso(last_on),
        lastEarnEventDate=_epoch(last_event), lastEarnEventDateISO=_iso(last_event),
        customFields=d.customFields)
    if refused[0]:
        view._refused = True
        view.nextEligibleOn, view.nextEligibleOnISO = fields(refused[1]).values()
    if statistics is not None:
        view.customerConstraints, view.badgeConstraints = statistics, badge_statistics or []
        issuals = [Issual(issuedOn=to_epoch(recorded_on(issue)), issuedStatus=state_of(issue, at),
                          issueExpiresOn=to_epoch(issue.expires_on), issueId=issue.issued_id,
                          revokedOn=_epoch(issue.revoked_on), issueEventDate=to_epoch(issue.issued_on))
                   ] if issue else []
        view.issualDetails = IssualDetails(issuedCount=len(issuals), issuals=issuals)
        view.earnDetails = EarnDetails(earnCount=len(earned), earns=[Earn(
            earnedBadgeId=e.earned_id, earnStatus=state_of(e, at), earnedOn=to_epoch(e.earned_on),
            earnedOnISO=to_iso(e.earned_on), earnEventDate=to_epoch(e.event),
            earnEventDateISO=to_iso(e.event), expiresOn=to_epoch(e.expires_on),
            expiresOnISO=to_iso(e.expires_on), revokedOn=_epoch(e.revoked_on),
            requestId=e.request_id, issuedId=e.issued_id) for e in earned])
    return view


def _expiry(expiry: Expiry) -> dict:
    """An expiry as Member Care answers it: an ABSOLUTE one says whether it goes with the badge's end, and
    answers `expiresOn` null when it does."""
    view = _expiry_view(expiry).model_dump(mode="json")
    if expiry.expiryType == ExpiryType.ABSOLUTE:
        view = {"expiresOn": None, **view, "expireWithBadgeMeta": expiry.type != ExpiryBase.FIXED_DATE}
    return view


def _epoch(value: Decimal | None) -> float | None:
    return None if value is None else to_epoch(value)


def _iso(value: Decimal | None) -> str | None:
    return None if value is None else to_iso(value)


class CustomerBadgeSummary(BaseModel):
    """One entry of GET /management/{customerId}."""

    name: str
    description: str | None
    badgeMetaId: str
    badgeType: str
    badgeGroupId: str | None
    badgeGroupName: str | None
    badgeRank: int | None
    createdOn: float
    createdOnISO: str
    lastUpdatedOn: float
    lastUpdatedOnISO: str
    images: list[Image]
    badgeStatus: str
    lastEarnedOn: float | None
    lastEarnedOnISO: str | None
    startsOn: float
    startsOnISO: str
    expiresOn: float
    expiresOnISO: str
    earnCount: int | None
    ownership: OwnershipView
    issueStatus: str | None
    lastEarnedOnDate: float | None
    lastEarnedOnDateISO: str | None
    lastEarnEventDate: float | None
    lastEarnEventDateISO: str | None
    active: bool


class CustomerBadgeSummaries(BaseModel):
    customerBadges: list[CustomerBadgeSummary]
    pagination: Pagination
