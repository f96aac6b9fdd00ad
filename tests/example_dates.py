"""Capillary's example dates moved to the clock as a caller would move them; the rest sent as Capillary wrote it."""
from __future__ import annotations

import json
import math
import re
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from badges.api.jsonc import strip_comments
from badges.domain.values import parse_time

DAY = 86_400
LEAD = 3_600  # "shortly in the future": the start lands between one hour and a day and an hour ahead
_MILLIS = 10**11  # an epoch above this is milliseconds, as the API reads it
# A date field (startOn, expiresOnISO, earnEventDate, createdOn, startDate ...) and its value as written: epoch
# seconds or milliseconds, or an ISO 8601 string. Nulls and placeholders are left alone.
_DATE = re.compile(r'("\w*(?:On|Date)(?:ISO)?"\s*:\s*)(-?\d+(?:\.\d+)?|"\d{4}-\d\d-\d\d[^"]*")')


def moved_text(example: str, start_after: float | None = None) -> str:
    """The example (JSON text, comments allowed) with every date moved by the same whole number of days, so that
    its start (its startOnISO, else its startOn, else its earliest date: an event's date) lands within the day from
    `start_after` (by default an hour ahead of the clock: shortly in the future) and the distances between its
    dates hold; the times of day and every other character are kept."""
    dates = [parse_time(json.loads(value)) for _, value in _DATE.findall(example)]
    if not dates:
        return example
    body = json.loads(strip_comments(example))
    written = next((body[key] for key in ("startOnISO", "startOn") if isinstance(body, dict) and body.get(key)), None)
    start = parse_time(written) if written is not None else min(dates)
    after = time.time() + LEAD if start_after is None else start_after
    days = math.ceil((Decimal(after) - start) / DAY)

    def move(found: re.Match) -> str:
        key, value = found.groups()
        if value.startswith('"'):  # an ISO string: only its calendar date changes
            return f'{key}"{date.fromisoformat(value[1:11]) + timedelta(days=days)}{value[11:]}'
        epoch = Decimal(value)  # Decimal keeps the digits after the point as written
        return f"{key}{epoch + days * DAY * (1000 if abs(epoch) > _MILLIS else 1)}"

    return _DATE.sub(move, example)


def moved(example: Any, start_after: float | None = None) -> Any:
    """A parsed example (a request body read from Capillary's OpenAPI exports), its dates moved as moved_text's."""
    return json.loads(moved_text(json.dumps(example), start_after))
