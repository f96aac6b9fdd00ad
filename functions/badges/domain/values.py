"""Times and identifiers as the API reads and writes them (CONTRACT section 4)."""
from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from decimal import Decimal

from badges.domain.errors import Err, ErrorDetail, ValidationFailed

_MILLIS_THRESHOLD = 10**11  # an epoch value above this is milliseconds
# The moments an ISO twin can show: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
_EARLIEST, LATEST = Decimal(-62135596800), Decimal(253402300799)


def now() -> Decimal:
    """The current time as epoch seconds with microseconds, exact enough to store in DynamoDB."""
    return Decimal(time.time_ns() // 1_000) / Decimal(1_000_000)


def parse_time(value: int | float | str | Decimal) -> Decimal:
    """Epoch seconds, epoch milliseconds or an ISO 8601 string -> epoch seconds; ValueError if none of these."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError("a time is epoch seconds, epoch milliseconds or an ISO 8601 string")
    if isinstance(value, str):
        text = value.strip()
        try:
            return parse_time(Decimal(text))
        except ArithmeticError:
            pass
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError as exc:
            raise ValueError(f"not epoch seconds, epoch milliseconds or ISO 8601: {text[:40]!r}") from exc
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return Decimal(str(parsed.timestamp()))
    number = Decimal(str(value))
    if not number.is_finite():
        raise ValueError("not a finite number")
    seconds = number / 1000 if abs(number) > _MILLIS_THRESHOLD else number
    if not _EARLIEST <= seconds <= LATEST:
        raise ValueError("a time outside the years 1 to 9999")
    return seconds


def query_time(name: str, value: str | None) -> Decimal | None:
    """A time sent as a query parameter; 1002 on `name` if it is none (see parse_time)."""
    if value is None:
        return None
    try:
        return parse_time(value)
    except ValueError as exc:
        raise ValidationFailed([ErrorDetail.of(Err.INVALID_VALUE, name, f"Invalid value: {exc}")]) from exc


def iso_or_epoch(iso: Decimal | None, epoch: Decimal | None, default: Decimal | None = None) -> Decimal | None:
    """A time given both ways: the ISO field wins (CONTRACT section 4), then the epoch one, then `default`."""
    return iso if iso is not None else epoch if epoch is not None else default


def to_epoch(value: Decimal) -> float:
    return float(value)


def to_iso(value: Decimal) -> str:
    """UTC ISO 8601 with milliseconds and a Z, the spec's format: 2023-11-03T21:51:00.192Z."""
    moment = datetime.fromtimestamp(float(value), tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def new_id() -> str:
    """A 24-hex-digit id shaped like Capillary's: 6 bytes of epoch milliseconds, then 6 random bytes, so ids
    sort by creation time to the millisecond."""
    return f"{time.time_ns() // 1_000_000:012x}{os.urandom(6).hex()}"
