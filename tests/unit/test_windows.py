"""Window arithmetic: the spec's weekly example, month ends, leap days and back-dated events."""
from datetime import date, datetime
from decimal import Decimal

import pytest

from badges.domain.badge_rules import definition_of
from badges.domain.badges import BadgeRequest
from badges.domain.enums import DayOfWeek, Period
from badges.domain.limits import expiry_of, plan
from badges.domain.windows import add_months, day_of, epoch_of, fixed_window_start, rolling_window_ends


def at(text: str) -> Decimal:
    return Decimal(int(datetime.fromisoformat(text + "+00:00").timestamp()))


def start_day(duration, badge_start: str, event: str, **kw) -> date:
    return day_of(fixed_window_start(duration, at(badge_start), at(event), **kw))


@pytest.mark.parametrize(("event", "window"), [
    ("2023-09-25T00:00:00", date(2023, 9, 25)), ("2023-10-01T23:59:59", date(2023, 9, 25)),
    ("2023-10-02T00:00:00", date(2023, 10, 2)), ("2023-10-08T12:00:00", date(2023, 10, 2)),
    ("2023-10-09T00:00:00", date(2023, 10, 9)), ("2023-10-30T10:00:00", date(2023, 10, 30)),
])
def test_the_specs_weekly_cycles_from_25_sep(event, window):
    """Badge 25 Sep - 30 Oct, weeks from Monday: 25 Sep - 1 Oct, 2 Oct - 8 Oct, 9 Oct - 15 Oct ..."""
    assert start_day(Period.WEEKS, "2023-09-25T00:00:00", event, week_starts_on=DayOfWeek.MONDAY) == window


def test_a_badge_starting_mid_week_has_a_partial_first_week():
    assert start_day(Period.WEEKS, "2023-09-27T09:30:00", "2023-10-01T20:00:00",
                     week_starts_on=DayOfWeek.MONDAY) == date(2023, 9, 27)
    assert start_day(Period.WEEKS, "2023-09-27T09:30:00", "2023-10-02T00:00:01",
                     week_starts_on=DayOfWeek.MONDAY) == date(2023, 10, 2)
    assert start_day(Period.WEEKS, "2023-09-27T09:30:00", "2023-09-30T00:00:00",
                     week_starts_on=DayOfWeek.SATURDAY) == date(2023, 9, 30)


def test_day_windows_are_refresh_rate_long_from_the_badges_start():
    start = at("2024-01-01T10:00:00")
    assert fixed_window_start(Period.DAYS, start, at("2024-01-03T09:59:59"), refresh_days=3) == start
    second = at("2024-01-04T10:00:00")
    assert fixed_window_start(Period.DAYS, start, second, refresh_days=3) == second


def test_month_windows_are_calendar_months_with_a_partial_first():
    assert start_day(Period.MONTHS, "2024-01-15T00:00:00", "2024-01-31T23:00:00") == date(2024, 1, 15)
    assert start_day(Period.MONTHS, "2024-01-15T00:00:00", "2024-02-29T23:00:00") == date(2024, 2, 1)
    assert start_day(Period.MONTHS, "2024-01-15T00:00:00", "2024-03-01T00:00:00") == date(2024, 3, 1)


def test_an_event_before_the_badge_has_no_window():
    with pytest.raises(ValueError):
        fixed_window_start(Period.DAYS, at("2024-01-02T00:00:00"), at("2024-01-01T00:00:00"), refresh_days=1)


def test_months_clamp_to_the_last_day():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)
    assert add_months(date(2024, 12, 15), 1) == date(2025, 1, 15)


@pytest.mark.parametrize(("day", "unit", "length", "first", "last", "count"), [
    (date(2024, 3, 5), Period.DAYS, 1, date(2024, 3, 5), date(2024, 3, 5), 1),
    (date(2024, 3, 5), Period.DAYS, 5, date(2024, 3, 5), date(2024, 3, 9), 5),
    (date(2024, 3, 5), Period.WEEKS, 1, date(2024, 3, 5), date(2024, 3, 11), 7),
    (date(2024, 1, 31), Period.MONTHS, 1, date(2024, 1, 31), date(2024, 2, 29), 30),  # leap February
    (date(2023, 1, 31), Period.MONTHS, 1, date(2023, 1, 31), date(2023, 2, 28), 29),
    (date(2024, 2, 29), Period.MONTHS, 1, date(2024, 2, 29), date(2024, 3, 28), 29),
])
def test_an_earn_counts_in_every_trailing_window_that_holds_its_day(day, unit, length, first, last, count):
    ends = rolling_window_ends(day, unit, length)
    assert (ends[0], ends[-1], len(ends)) == (first, last, count)


def definition(**changes):
    body = {"name": "b", "startOn": 1_700_000_000, "expiresOn": 1_900_000_000,
            "earnedBadgeExpiry": {"expiryType": "NEVER"}, "ownership": {"restrictedToOwners": ["Loyalty"]},
            "earnType": "EARN", **changes}
    found, problems = definition_of(BadgeRequest.model_validate(body), Decimal(1_800_000_000), migration=True)
    assert not problems
    return found


def test_a_back_dated_earn_counts_in_its_own_window():
    d = definition(customerConstraints=[{"constraintType": "CUSTOMER_BADGE_FIXED_WINDOW", "maxEarnLimit": 1,
                                         "durationType": "MONTHS"}])
    march, january = plan(d, at("2024-03-10T00:00:00")), plan(d, at("2024-01-10T00:00:00"))
    assert march.counters[0].item != january.counters[0].item
    assert january.counters[0].item.endswith(str(epoch_of(date(2024, 1, 1))))


def test_a_rolling_window_plan_checks_every_window_the_earn_counts_in_across_months():
    d = definition(badgeConstraints=[{"constraintType": "BADGE_ROLLING_WINDOW", "rollType": "WEEKS", "rollValue": 1,
                                      "maxEarnLimit": 3}])
    limits = plan(d, at("2024-01-28T15:00:00"))
    by_item = {c.item: c for c in limits.counters}
    assert set(by_item) == {"RW#W1#202401", "RW#W1#202402"}
    # every window the earn counts in must have room for it: the one ending on its day and the six after
    assert by_item["RW#W1#202401"].adds == ["d28", "d29", "d30", "d31"]
    assert by_item["RW#W1#202402"].adds == ["d01", "d02", "d03"]
    assert {(c.limit, c.reference) for c in limits.counters} == {(3, "badgeConstraints[0]")}


def test_the_badges_fixed_value_is_its_lifetime_limit_and_the_strictest_wins():
    d = definition(badgeConstraints=[{"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": 10},
                                     {"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": 4}])
    limits = plan(d, at("2024-01-28T15:00:00"))
    assert (limits.badge_lifetime_limit, limits.badge_lifetime_reference, limits.counters) == (
        4, "badgeConstraints[1]", [])


@pytest.mark.parametrize(("expiry", "expected"), [
    ({"expiryType": "NEVER"}, "2124-01-31T10:00:00"),
    ({"expiryType": "RELATIVE", "relativeExpiryType": "DAYS", "value": 3}, "2024-02-03T10:00:00"),
    ({"expiryType": "RELATIVE", "relativeExpiryType": "WEEKS", "value": 2}, "2024-02-14T10:00:00"),
    ({"expiryType": "RELATIVE", "relativeExpiryType": "MONTHS", "value": 1}, "2024-02-29T10:00:00"),
    ({"expiryType": "ABSOLUTE", "type": "WITH_BADGE_META"}, None),
    ({"expiryType": "ABSOLUTE", "type": "FIXED_DATE", "expiresOn": "2025-01-01T00:00:00Z"}, "2025-01-01T00:00:00"),
])
def test_earned_expiry(expiry, expected):
    d = definition(earnedBadgeExpiry=expiry)
    found = expiry_of(d.earnedBadgeExpiry, d, at("2024-01-31T10:00:00"))
    assert found == (d.expiresOn if expected is None else at(expected))


def test_a_fixed_window_has_one_counter_however_the_badges_start_is_spelled():
    d = definition(customerConstraints=[{"constraintType": "CUSTOMER_BADGE_FIXED_WINDOW", "durationType": "DAYS",
                                         "refreshRate": 20, "maxEarnLimit": 1}])
    keys = {plan(d.model_copy(update={"startOn": start}), start + 86_400).counters[0].item
            for start in (Decimal("1794530063"), Decimal("1794530063.0"), Decimal("1794530063.000"))}
    assert len(keys) == 1 and keys.pop().endswith("#1794530063")
