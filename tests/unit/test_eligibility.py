"""nextEligibleOn of a rolling window, from the counter items as stored (domain.eligibility)."""
from datetime import UTC, datetime
from decimal import Decimal

from badges.domain.eligibility import freed_at, refused_now
from tests.unit.test_earn_events import badge

ONE_A_MONTH = badge(customerConstraints=[{"constraintType": "CUSTOMER_BADGE_ROLLING_WINDOW", "maxEarnForMonths": 1,
                                          "rollForMonths": 1}]).definition


def epoch(*day: int, hour: int = 0, minute: int = 0) -> Decimal:
    return Decimal(int(datetime(*day, hour, minute, tzinfo=UTC).timestamp()))


def month_of_ends(month: str, counts: dict[int, int]) -> tuple[str, dict]:
    return f"RW#M1#{month}", {f"d{day:02d}": Decimal(n) for day, n in counts.items()}


def test_a_rolling_window_frees_after_an_earn_dated_ahead_of_the_clock_leaves_it():
    """31 Dec 2026, 11:25. Earned on 30 Dec (its windows end 30 Dec to 29 Jan) and on 1 Jan, 13 hours ahead of the
    clock (1 Jan to 31 Jan): an earn today counts in windows ending 31 Dec to 30 Jan, every one full, and so is
    the window ending 31 Jan. The first day whose windows are all under the limit is 1 Feb."""
    counts = dict([month_of_ends("202612", {30: 1, 31: 1}),
                   month_of_ends("202701", {**{day: 2 for day in range(1, 30)}, 30: 1, 31: 1})])
    at = epoch(2026, 12, 31, hour=11, minute=25)
    assert freed_at(ONE_A_MONTH, "customerConstraints[0]", "RW#M1#202701", 1, at, counts) == epoch(2027, 2, 1)
    assert refused_now(ONE_A_MONTH, at, counts) == (True, epoch(2027, 2, 1))


def test_a_rolling_window_frees_the_day_its_earliest_earn_leaves_it():
    """Limit 1: earned on 10 Jan (windows ending 10 Jan to 9 Feb); refused on 20 Jan, free on 10 Feb."""
    counts = dict([month_of_ends("202701", {day: 1 for day in range(10, 32)}),
                   month_of_ends("202702", {day: 1 for day in range(1, 10)})])
    assert refused_now(ONE_A_MONTH, epoch(2027, 1, 20), counts) == (True, epoch(2027, 2, 10))
