"""A badge's fixed-window cycles: each fixed-window constraint's windows, addressed by index, never all listed."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from badges.domain.badges import OMIT, Badge, Constraint, OmitsNulls, constraint_reference_id
from badges.domain.earning import Pagination
from badges.domain.enums import ConstraintKind, DayOfWeek, Period
from badges.domain.windows import DAY, WEEK, day_of, epoch_of

_WEEKDAYS = list(DayOfWeek)


@dataclass(frozen=True)
class Cycle:
    """One window of one fixed-window constraint: from `start` up to (not including) `end`."""

    scope: str  # "customer" or "badge": whose counter counts it
    constraint_type: str  # CUSTOMER_BADGE_FIXED_WINDOW or BADGE_FIXED_WINDOW
    reference_id: str  # the constraint's referenceId: Capillary's fixedWindowCycleReferenceId
    start: Decimal
    end: Decimal

    @property
    def counter(self) -> str:
        """The counter item's sort key, as limits.plan names it for an earn in this window."""
        return f"FW#{self.reference_id}#{Decimal(self.start).normalize():f}"


class Windows:
    """The windows of one fixed-window constraint between the badge's start and end, as windows.fixed_window_start
    cuts them: DAYS every `refreshRate` days from the start, WEEKS from the first `startDayOfTheWeek` (the first
    one partial), MONTHS calendar months (the first one partial)."""

    def __init__(self, scope: str, constraint: Constraint, start: Decimal, end: Decimal):
        prefix = "CUSTOMER_BADGE_" if scope == "customer" else "BADGE_"
        self.scope, self.type = scope, prefix + constraint.constraintType
        self.reference_id = constraint_reference_id(prefix, constraint)
        self.duration = constraint.durationType or Period.DAYS
        self.length = DAY * (constraint.refreshRate or 1)
        self.start, self.end = start, end
        first_day = day_of(start)
        offset = (_WEEKDAYS.index(constraint.startDayOfTheWeek or DayOfWeek.MONDAY) - first_day.weekday()) % 7 or 7
        self.boundary = epoch_of(first_day + timedelta(days=offset))  # the first whole week's start
        self.month = first_day.year * 12 + first_day.month - 1

    def index_of(self, moment: Decimal) -> int:
        """The index of the window holding `moment` (at or after the badge's start)."""
        if self.duration == Period.DAYS:
            return int((moment - self.start) // self.length)
        if self.duration == Period.WEEKS:
            return 0 if moment < self.boundary else 1 + int((moment - self.boundary) // WEEK)
        day = day_of(moment)
        return day.year * 12 + day.month - 1 - self.month

    def start_of(self, index: int) -> Decimal:
        if index == 0:
            return self.start
        if self.duration == Period.DAYS:
            return self.start + index * self.length
        if self.duration == Period.WEEKS:
            return self.boundary + (index - 1) * WEEK
        year, month = divmod(self.month + index, 12)
        return epoch_of(day_of(self.start).replace(year=year, month=month + 1, day=1))

    def cycle(self, index: int) -> Cycle:
        return Cycle(self.scope, self.type, self.reference_id, self.start_of(index),
                     min(self.start_of(index + 1), self.end))

    def indexes(self, low: Decimal, high: Decimal) -> range:
        """The indexes of the windows that overlap [low, high] within the badge: empty if none."""
        low, high = max(low, self.start), min(high, self.end)
        if low > high or low >= self.end:
            return range(0)
        last = self.index_of(high)
        if last > 0 and self.start_of(last) >= self.end:
            last -= 1
        return range(self.index_of(low), last + 1)


def fixed_windows(badge: Badge, scope: str | None = None, reference_id: str | None = None) -> list[Windows]:
    """The badge's fixed-window constraints (customer ones first), of one scope and one referenceId if given."""
    definition = badge.definition
    found = []
    for name, constraints in (("customer", definition.customerConstraints), ("badge", definition.badgeConstraints)):
        if scope not in (None, name):
            continue
        for constraint in constraints:
            if constraint.constraintType != ConstraintKind.FIXED_WINDOW:
                continue
            windows = Windows(name, constraint, definition.startOn, definition.expiresOn)
            wanted = reference_id is None or windows.reference_id == reference_id
            if wanted and all(w.reference_id != windows.reference_id or w.scope != name for w in found):  # one counter
                found.append(windows)
    return found


def page_of(windows: list[Windows], low: Decimal, high: Decimal, page: int, size: int) -> tuple[list[Cycle], int]:
    """One page of the cycles overlapping [low, high], constraint after constraint, and how many there are."""
    spans = [(w, w.indexes(low, high)) for w in windows]
    total = sum(len(span) for _, span in spans)
    skip, chosen = page * size, []
    for w, span in spans:
        if skip >= len(span):
            skip -= len(span)
            continue
        for index in span[skip:skip + size - len(chosen)]:
            chosen.append(w.cycle(index))
        skip = 0
        if len(chosen) == size:
            break
    return chosen, total


class CycleView(OmitsNulls):
    fixedWindowCycleReferenceId: str
    startDate: float
    startDateISO: str
    endDate: float
    endDateISO: str
    earnCount: int | None = OMIT  # with includeEarnCount only
    constraintType: str


class FixedWindowDetails(OmitsNulls):
    badgeMetaId: str
    orgId: int
    startDate: float
    startDateISO: str
    endDate: float
    endDateISO: str
    customerId: int | None = OMIT
    fixedWindowCycles: list[CycleView]
    pagination: Pagination
