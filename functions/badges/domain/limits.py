"""What an earn must count and under which limits: the counters it adds to, each with its DynamoDB key parts.

Each constraint maps to counter items that a conditional write can check in one comparison:
- a fixed value: one lifetime counter;
- a fixed window: one counter per window, keyed by the window's start;
- a rolling window: per UTC day `e`, the number of earns in the trailing window that ends on `e`, kept as one
  attribute per day in one item per month. An earn on day `d` adds one to every day whose window holds `d`,
  each of which must be below the limit first: the window ending on `d`, and, for a back-dated earn, the later
  windows that hold it too. Revoking it subtracts from the same ones.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from badges.domain.badges import BadgeDefinition, Constraint, Expiry, constraint_reference_id
from badges.domain.enums import ConstraintKind, ExpiryBase, ExpiryType, Period
from badges.domain.values import LATEST
from badges.domain.windows import add_months, day_of, fixed_window_start, rolling_window_ends

_CUSTOMER_PAIRS = ((Period.DAYS, "maxEarnForDays", "rollForDays"), (Period.WEEKS, "maxEarnForWeeks", "rollForWeeks"),
                   (Period.MONTHS, "maxEarnForMonths", "rollForMonths"))


class Scope(StrEnum):
    """Whose counter an item is: this customer's of the badge, or the badge's, over all its customers."""

    CUSTOMER = "customer"
    BADGE = "badge"


@dataclass
class Counter:
    """One counter item's part in an earn: the attributes it adds one to, each of which must be below `limit`
    first, so that no window the earn counts in ever holds more than its limit."""

    scope: Scope
    item: str  # the item's sort key within its scope
    adds: list[str] = field(default_factory=list)
    limit: int | None = None
    reference: str | None = None  # customerConstraints[0]
    describes: str | None = None  # the constraint, for the refusal's message
    also: list[tuple[str, str]] = field(default_factory=list)  # other constraints on it at the same limit

    @property
    def key(self) -> tuple[str, str]:
        return self.scope, self.item


@dataclass(frozen=True)
class Counted:
    """A counter item a recorded earn added one to, in each of `adds` (its partition and sort key as stored):
    what revoking the earn gives back."""

    pk: str
    sk: str
    adds: list[str]


@dataclass(frozen=True)
class Limits:
    counters: list[Counter]
    badge_lifetime_limit: int | None  # the badge's fixed value, checked on the badge's own earned count
    badge_lifetime_reference: str | None = None
    badge_lifetime_also: tuple[str, ...] = ()  # other badge fixed values at the same limit


def plan(definition: BadgeDefinition, event: Decimal) -> Limits:
    """The counters an earn at `event` adds to, with the limits each must stay under."""
    counters: dict[tuple[str, str], Counter] = {}
    lifetime, lifetime_refs = None, []
    for scope, name, constraints in ((Scope.CUSTOMER, "customerConstraints", definition.customerConstraints),
                                     (Scope.BADGE, "badgeConstraints", definition.badgeConstraints)):
        prefix = "CUSTOMER_BADGE_" if scope == Scope.CUSTOMER else "BADGE_"
        for index, constraint in enumerate(constraints):
            reference, describes = f"{name}[{index}]", prefix + constraint.constraintType
            if constraint.constraintType == ConstraintKind.FIXED_VALUE and scope == Scope.BADGE:
                if lifetime is None or constraint.maxEarnLimit < lifetime:
                    lifetime, lifetime_refs = constraint.maxEarnLimit, []
                if constraint.maxEarnLimit == lifetime:
                    lifetime_refs.append(reference)
                continue
            for counter in _counters_of(constraint, scope, prefix, definition, event):
                _merge(counters, counter, reference, describes)
    return Limits(list(counters.values()), lifetime, *(lifetime_refs[:1] or [None]), tuple(lifetime_refs[1:]))


def _counters_of(constraint: Constraint, scope: Scope, prefix: str, definition: BadgeDefinition,
                 event: Decimal) -> list[Counter]:
    kind = constraint.constraintType
    if kind == ConstraintKind.FIXED_VALUE:
        return [Counter(scope, "FV", ["n"], constraint.maxEarnLimit)]
    if kind == ConstraintKind.FIXED_WINDOW:
        start = fixed_window_start(constraint.durationType, definition.startOn, event, constraint.refreshRate,
                                   constraint.startDayOfTheWeek)
        # The start in one spelling: 1794530063 and 1794530063.0 are one window, not two counters.
        window = f"FW#{constraint_reference_id(prefix, constraint)}#{Decimal(start).normalize():f}"
        return [Counter(scope, window, ["n"], constraint.maxEarnLimit)]
    if kind == ConstraintKind.ROLLING_WINDOW and scope == Scope.BADGE:
        return _rolling(scope, constraint.rollType, constraint.rollValue, constraint.maxEarnLimit, event)
    if kind == ConstraintKind.ROLLING_WINDOW:
        return [counter for unit, limit_field, length_field in _CUSTOMER_PAIRS
                if getattr(constraint, limit_field) is not None
                for counter in _rolling(scope, unit, getattr(constraint, length_field),
                                        getattr(constraint, limit_field), event)]
    return []  # NO_LIMIT


def _rolling(scope: Scope, unit: Period, length: int, limit: int, event: Decimal) -> list[Counter]:
    day = day_of(event)
    by_month: dict[str, list[str]] = defaultdict(list)
    for end in rolling_window_ends(day, unit, length):
        by_month[f"{end:%Y%m}"].append(f"d{end:%d}")
    stem = f"RW#{unit.value[0]}{length}#"
    return [Counter(scope, stem + month, adds, limit) for month, adds in by_month.items()]


def _merge(counters: dict, counter: Counter, reference: str, describes: str) -> None:
    """Two constraints on one counter (the same window twice) share the item; the stricter limit holds."""
    counter.reference, counter.describes = reference, describes
    existing = counters.get(counter.key)
    if existing is None:
        counters[counter.key] = counter
        return
    existing.adds = sorted(set(existing.adds) | set(counter.adds))
    if counter.limit == existing.limit:
        existing.also.append((reference, describes))  # both refuse at once: each is named
    elif counter.limit < existing.limit:
        existing.limit, existing.reference, existing.describes, existing.also = counter.limit, reference, describes, []


@dataclass(frozen=True)
class Family:
    """Every counter item of one badge-wide limit, over the badge's whole life: the badge's own earned count
    (`prefix` None: the fixed value), or the items whose sort key starts with `prefix` (a fixed window's windows, a
    rolling window's months)."""

    prefix: str | None
    limit: int


def badge_families(definition: BadgeDefinition) -> list[Family]:
    """The badge-wide limits as counter families; two constraints on one family keep the stricter limit."""
    limits: dict[str | None, int] = {}
    for constraint in definition.badgeConstraints:
        kind, limit = constraint.constraintType, constraint.maxEarnLimit
        if kind == ConstraintKind.FIXED_VALUE:
            prefix = None
        elif kind == ConstraintKind.FIXED_WINDOW:
            prefix = f"FW#{constraint_reference_id('BADGE_', constraint)}#"
        elif kind == ConstraintKind.ROLLING_WINDOW:
            prefix = f"RW#{constraint.rollType.value[0]}{constraint.rollValue}#"
        else:
            continue  # NO_LIMIT
        limits[prefix] = min(limit, limits.get(prefix, limit))
    return [Family(prefix, limit) for prefix, limit in limits.items()]


def lowers_badge_limit(old: BadgeDefinition, new: BadgeDefinition) -> bool:
    """Whether the new definition holds a badge-wide family to less than the old one did (or newly limits one):
    the shards' counts must then be spread again before any earn counts under it (store.changes)."""
    before = {family.prefix: family.limit for family in badge_families(old)}
    return any(family.limit < before.get(family.prefix, family.limit + 1) for family in badge_families(new))


def most_items(definition: BadgeDefinition) -> int:
    """The most items an earn of this badge can write in its transaction: the requestId, the badge, the earned
    badge, an issue check, and each limit's counter items (a rolling window's reach over months)."""
    items = 4
    for scope, constraints in ((Scope.CUSTOMER, definition.customerConstraints),
                               (Scope.BADGE, definition.badgeConstraints)):
        for constraint in constraints:
            kind = constraint.constraintType
            if kind in (ConstraintKind.FIXED_VALUE, ConstraintKind.FIXED_WINDOW):
                items += 0 if (kind == ConstraintKind.FIXED_VALUE and scope == Scope.BADGE) else 1
            elif kind == ConstraintKind.ROLLING_WINDOW:
                spans = ([(constraint.rollType, constraint.rollValue)] if scope == Scope.BADGE else
                         [(unit, getattr(constraint, length)) for unit, limit, length in _CUSTOMER_PAIRS
                          if getattr(constraint, limit) is not None])
                items += sum(_months_reached(unit, length) for unit, length in spans)
    return items


def _months_reached(unit: Period, length: int) -> int:
    days = length * {Period.DAYS: 1, Period.WEEKS: 7, Period.MONTHS: 31}[unit]
    return -(-days // 28) + 1


def expiry_of(expiry: Expiry | None, badge: BadgeDefinition, moment: Decimal) -> Decimal:
    """When something earned (or issued) at `moment` under `expiry` expires; without an expiry, with the badge."""
    if expiry is None or (expiry.expiryType == ExpiryType.ABSOLUTE and expiry.type != ExpiryBase.FIXED_DATE):
        return badge.expiresOn
    if expiry.expiryType == ExpiryType.ABSOLUTE:
        return expiry.expiresOn
    if expiry.expiryType == ExpiryType.NEVER:
        return _plus_months(moment, 1200)  # "never" is 100 calendar years
    if expiry.relativeExpiryType == Period.MONTHS:
        return _plus_months(moment, expiry.value)
    return min(LATEST, moment + expiry.value * (7 if expiry.relativeExpiryType == Period.WEEKS else 1) * 86_400)


def _plus_months(moment: Decimal, months: int) -> Decimal:
    day = day_of(moment)
    try:
        return moment + Decimal((add_months(day, months) - day).days * 86_400)
    except ValueError:  # past the year 9999: as late as a time can be
        return LATEST


def customer_keys(definition: BadgeDefinition, at: Decimal) -> list[str]:
    """The sort keys of the customer's counters that an earn at `at` would check."""
    return [c.item for c in plan(definition, at).counters if c.scope == Scope.CUSTOMER]

