"""Times in and out, as CONTRACT section 4 settles them."""
from decimal import Decimal

import pytest

from badges.domain.values import new_id, parse_time, to_iso


@pytest.mark.parametrize(("given", "expected"), [
    (1702963230, Decimal(1702963230)),
    (1702963230.966423, Decimal("1702963230.966423")),
    (1702963230966, Decimal("1702963230.966")),  # above 10^11: milliseconds
    ("1702963230", Decimal(1702963230)),
    ("2023-11-03T21:51:00.192Z", Decimal("1699048260.192")),
    ("2023-11-03T21:51:00", Decimal("1699048260")),  # no offset: UTC
    ("2023-11-04T03:21:00+05:30", Decimal("1699048260")),
])
def test_times_are_read_in_every_documented_form(given, expected):
    assert parse_time(given) == expected


@pytest.mark.parametrize("given", ["yesterday", "", True, float("nan")])
def test_a_time_that_is_none_of_these_is_refused(given):
    with pytest.raises(ValueError):
        parse_time(given)


def test_times_are_written_as_utc_iso_with_milliseconds():
    assert to_iso(Decimal("1699048260.192")) == "2023-11-03T21:51:00.192Z"


def test_ids_look_like_capillarys_and_sort_by_creation():
    first, second = new_id(), new_id()
    assert len(first) == 24 and int(first, 16) >= 0
    assert first[:12] <= second[:12]
    assert first != second
