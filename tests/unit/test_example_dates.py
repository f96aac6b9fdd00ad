"""The tests' mover of Capillary's example dates: one whole-day offset for every date, the start shortly ahead of the
clock, every other character of the example as Capillary wrote it."""
import json
import re
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from badges.api.jsonc import strip_comments
from badges.domain.values import parse_time
from tests.example_dates import DAY, LEAD, moved, moved_text

SPEC = Path(__file__).resolve().parents[1] / "fixtures" / "spec"
DATED = re.compile(r'"\w*(?:On|Date)(?:ISO)?"\s*:\s*(-?\d+(?:\.\d+)?|"\d{4}-[^"]*")')
# month ends, a year end and the days around 29 February, as the suite's faketime runs meet them
CLOCKS = ["2026-12-02T09:00:00Z", "2027-03-01T00:02:00Z", "2027-12-31T23:58:00Z", "2028-02-29T12:00:00Z"]


def dates(text: str) -> list[Decimal]:
    return [parse_time(json.loads(value)) for value in DATED.findall(text)]


@pytest.mark.parametrize("clock", CLOCKS)
@pytest.mark.parametrize("name", sorted(p.name for p in SPEC.glob("*.json")))
def test_every_date_moves_by_one_whole_day_count_and_nothing_else_changes(name, clock):
    written = (SPEC / name).read_text()
    now = float(parse_time(clock))
    moved_example = moved_text(written, start_after=now + LEAD)
    before, after = dates(written), dates(moved_example)
    assert DATED.sub("", moved_example) == DATED.sub("", written)  # comments, spacing and every other value
    assert len(after) == len(before)
    offsets = {a - b for a, b in zip(after, before, strict=True)}
    assert len(offsets) <= 1 and all(offset % DAY == 0 for offset in offsets)
    body = json.loads(strip_comments(moved_example))
    if isinstance(body, dict) and "startOn" in body:
        assert now + LEAD <= parse_time(body["startOn"]) < now + LEAD + DAY


def test_an_iso_start_wins_and_keeps_its_time_of_day_and_offset():
    example = {"startOn": 1, "startOnISO": "2023-11-14T21:51:00.192+05:30", "expiresOn": "2023-11-20T00:00:00Z",
               "earnedBadgeExpiry": {"expiresOn": None}, "name": "2023-11-14"}
    # 21:00 UTC on 28 February is past 16:21 UTC, the start's time of day: it lands on the 29th
    after = datetime(2028, 2, 28, 21, 0, tzinfo=UTC).timestamp()
    days = (date(2028, 2, 29) - date(2023, 11, 14)).days
    assert moved(example, after) == {**example, "startOn": 1 + days * DAY,
                                     "startOnISO": "2028-02-29T21:51:00.192+05:30", "expiresOn": "2028-03-06T00:00:00Z"}


def test_by_default_the_start_lands_shortly_ahead_of_the_clock_and_an_event_where_it_is_asked():
    now = time.time()
    assert now + LEAD <= moved({"startOn": 1716803487})["startOn"] < now + LEAD + DAY
    event = moved({"earnEventDate": "2025-12-02T11:30:00.192Z"}, start_after=now - DAY)["earnEventDate"]
    assert now - DAY <= parse_time(event) < now and event.endswith("T11:30:00.192Z")
