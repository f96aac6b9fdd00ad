"""Window arithmetic for earn limits: fixed windows from the badge's start, trailing rolling windows by UTC day.

Everything follows the earn event date, not the arrival time, so a back-dated earn counts in its own window.
"""
from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from badges.domain.enums import DayOfWeek, Period

DAY = 86_400
WEEK = 7 * DAY
_WEEKDAYS = list(DayOfWeek)  # MONDAY first, as date.weekday() counts


def day_of(moment: Decimal) -> date:
    return datetime.fromtimestamp(float(moment), tz=UTC).date()


def epoch_of(day: date) -> Decimal:
    return Decimal(calendar.timegm(day.timetuple()))


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clamped to the month's last day: 31 Jan + 1 month = 28/29 Feb."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def fixed_window_start(duration: Period, badge_start: Decimal, event: Decimal, refresh_days: int | None = None,
                       week_starts_on: DayOfWeek | None = None) -> Decimal:
    """The start of the fixed window holding `event`; windows begin at the badge's start.

    DAYS: back-to-back windows of `refresh_days` days from the badge's start. WEEKS: weeks that begin at
    00:00 UTC on `week_starts_on`, the first one partial (from the badge's start to the first such day).
    MONTHS: calendar months, the first one partial.
    """
    if event < badge_start:
        raise ValueError("an event before the badge's start has no window")
    if duration == Period.DAYS:
        length = DAY * (refresh_days or 1)
        return badge_start + ((event - badge_start) // length) * length
    if duration == Period.WEEKS:
        first_day = day_of(badge_start)
        offset = (_WEEKDAYS.index(week_starts_on or DayOfWeek.MONDAY) - first_day.weekday()) % 7 or 7
        boundary = epoch_of(first_day + timedelta(days=offset))
        if event < boundary:
            return badge_start
        return boundary + ((event - boundary) // WEEK) * WEEK
    month_start = epoch_of(day_of(event).replace(day=1))
    return max(month_start, badge_start)


def rolling_window_covers(window_end: date, day: date, unit: Period, length: int) -> bool:
    """Whether the trailing window that ends on `window_end` (inclusive) holds `day`.

    DAYS n: the end day and the n-1 days before it. WEEKS n: 7n days. MONTHS n: the days after the same
    calendar day n months earlier, up to the end day (31 Mar, 1 month: 29 Feb or 1 Mar to 31 Mar).
    """
    if day > window_end:
        return False
    if unit == Period.MONTHS:
        return day > add_months(window_end, -length)
    span = length * (7 if unit == Period.WEEKS else 1)
    return (window_end - day).days < span


def rolling_window_ends(day: date, unit: Period, length: int) -> list[date]:
    """Every day whose trailing window holds `day`: the windows an earn on `day` counts in."""
    ends, end = [], day
    while rolling_window_covers(end, day, unit, length):
        ends.append(end)
        end += timedelta(days=1)
    return ends


def fixed_window_end(duration: Period, badge_start: Decimal, event: Decimal, refresh_days: int | None = None,
                     week_starts_on: DayOfWeek | None = None) -> Decimal:
    """The end (exclusive) of the fixed window holding `event`: where the next window starts."""
    start = fixed_window_start(duration, badge_start, event, refresh_days, week_starts_on)
    if duration == Period.DAYS:
        return start + DAY * (refresh_days or 1)
    if duration == Period.WEEKS:
        # the first, partial week ends at the first week boundary, at most a week on
        return fixed_window_start(duration, badge_start, start + WEEK, refresh_days, week_starts_on)
    return epoch_of(add_months(day_of(start).replace(day=1), 1))
