"""Fixed-window cycles by index: the same windows as an earn's, back to back, cut at the badge's end."""
import itertools
import random
from datetime import datetime
from decimal import Decimal

import pytest

from badges.domain.badges import Constraint
from badges.domain.cycles import Windows
from badges.domain.enums import ConstraintKind, DayOfWeek, Period
from badges.domain.windows import fixed_window_start


def at(text: str) -> Decimal:
    return Decimal(int(datetime.fromisoformat(text + "+00:00").timestamp()))


@pytest.mark.parametrize("constraint", [
    Constraint(constraintType=ConstraintKind.FIXED_WINDOW, durationType=Period.DAYS, refreshRate=3, maxEarnLimit=1),
    Constraint(constraintType=ConstraintKind.FIXED_WINDOW, durationType=Period.WEEKS,
               startDayOfTheWeek=DayOfWeek.THURSDAY, maxEarnLimit=1),
    Constraint(constraintType=ConstraintKind.FIXED_WINDOW, durationType=Period.MONTHS, maxEarnLimit=1),
])
def test_every_moment_lies_in_the_cycle_its_earn_would_count_in(constraint):
    start, end = at("2023-09-27T10:30:00"), at("2024-03-05T08:00:00")
    windows = Windows("customer", constraint, start, end)
    cycles = [windows.cycle(i) for i in windows.indexes(start, end)]
    assert cycles[0].start == start and cycles[-1].end == end
    assert all(a.end == b.start for a, b in itertools.pairwise(cycles))  # back to back
    rng = random.Random(7)
    for _ in range(300):
        moment = start + Decimal(rng.randrange(int(end - start)))
        index = windows.index_of(moment)
        expected = fixed_window_start(constraint.durationType, start, moment, constraint.refreshRate,
                                      constraint.startDayOfTheWeek)
        assert windows.start_of(index) == expected and cycles[index].start <= moment < cycles[index].end


def test_the_specs_weekly_example_cycles():
    weeks = Constraint(constraintType=ConstraintKind.FIXED_WINDOW, durationType=Period.WEEKS,
                       startDayOfTheWeek=DayOfWeek.MONDAY, maxEarnLimit=1)
    windows = Windows("badge", weeks, at("2023-09-25T00:00:00"), at("2023-10-30T10:00:00"))
    starts = [windows.cycle(i).start for i in windows.indexes(windows.start, windows.end)]
    assert starts == [at(f"2023-{d}T00:00:00") for d in ("09-25", "10-02", "10-09", "10-16", "10-23", "10-30")]
    assert windows.indexes(at("2023-10-03T00:00:00"), at("2023-10-10T00:00:00")) == range(1, 3)
    assert windows.indexes(at("2024-01-01T00:00:00"), at("2024-02-01T00:00:00")) == range(0)
