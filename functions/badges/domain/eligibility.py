"""nextEligibleOn: when a limit that refuses an earn lets one through again, from the counters already read.

A fixed window frees its units at its end; a rolling window frees one when the earliest earn it counts leaves it:
the first day whose trailing windows (every one an earn on that day would count in) are all under the limit.
A fixed value never frees one (None), nor does a window that frees only after the badge has ended.
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from badges.domain.badges import BadgeDefinition, Constraint
from badges.domain.enums import Period
from badges.domain.limits import plan
from badges.domain.values import to_epoch, to_iso
from badges.domain.windows import day_of, epoch_of, fixed_window_end, rolling_window_ends

_UNITS = {unit.value[0]: unit for unit in Period}
_REFERENCE = re.compile(r"(customerConstraints|badgeConstraints)\[(\d+)\]")
_DAY = re.compile(r"d(\d\d)")


def freed_at(definition: BadgeDefinition, reference: str | None, sk: str, limit: int, event: Decimal,
             counts: dict[str, dict]) -> Decimal | None:
    """When the counter item `sk` (a constraint's, named by `reference`) that refused an earn at `event` has room
    again; `counts` holds the counter items read (sort key -> attribute -> count), a missing one counting 0 (an
    item whose condition held is under the limit)."""
    kind = sk.split("#", 1)[0]
    if kind == "FW":
        constraint = _constraint(definition, reference)
        if constraint is None or constraint.durationType is None or event < definition.startOn:
            return None
        end = fixed_window_end(constraint.durationType, definition.startOn, event, constraint.refreshRate,
                               constraint.startDayOfTheWeek)
        return end if end < definition.expiresOn else None
    if kind != "RW":
        return None  # a fixed value (the customer's FV, the badge's earned count)
    stem = sk.rsplit("#", 1)[0]  # RW#D3
    unit, length = _UNITS[stem[3]], int(stem[4:])
    by_day = _days(stem, counts)
    # From the day after the event up to the day after the last window end counted in: an earn dated ahead of
    # the clock counts in windows that end after every one an earn now would count in.
    candidate, last = day_of(event) + timedelta(days=1), max([day_of(event), *by_day]) + timedelta(days=1)
    while candidate <= last:
        if all(by_day.get(end, 0) < limit for end in rolling_window_ends(candidate, unit, length)):
            moment = epoch_of(candidate)
            return moment if moment < definition.expiresOn else None
        candidate += timedelta(days=1)
    return None


def refused_now(definition: BadgeDefinition, at: Decimal, customer: dict[str, dict],
                badge: dict[str, dict] | None = None, earned: int | None = None) -> tuple[bool, Decimal | None]:
    """Whether a limit would refuse an earn at `at`, exactly as the earn checks them, as the counters stand (sort
    key -> item): the customer's, and if given the badge-wide ones (summed over the shards) and the badge's
    earned count; and if so when every refusing one has room again (None: never)."""
    limits = plan(definition, at)
    stored = {"customer": customer, "badge": badge or {}}
    moments = [freed_at(definition, c.reference, c.item, c.limit, at, stored[c.scope]) for c in limits.counters
               if c.limit is not None and (c.scope == "customer" or badge is not None)
               and any(int(stored[c.scope].get(c.item, {}).get(attribute, 0)) >= c.limit for attribute in c.adds)]
    if earned is not None and limits.badge_lifetime_limit is not None and earned >= limits.badge_lifetime_limit:
        moments.append(None)
    return bool(moments), latest(moments)


def latest(moments: list[Decimal | None]) -> Decimal | None:
    """When every one of several refusing limits has room: the latest, or None if one never has."""
    return None if not moments or any(m is None for m in moments) else max(moments)


def fields(moment: Decimal | None) -> dict:
    """nextEligibleOn (epoch seconds) and its ISO twin."""
    return {"nextEligibleOn": None if moment is None else to_epoch(moment),
            "nextEligibleOnISO": None if moment is None else to_iso(moment)}


def _constraint(definition: BadgeDefinition, reference: str | None) -> Constraint | None:
    found = _REFERENCE.fullmatch(reference or "")
    if found is None:
        return None
    constraints = getattr(definition, found.group(1))
    index = int(found.group(2))
    return constraints[index] if index < len(constraints) else None


def _days(stem: str, counts: dict[str, dict]) -> dict[date, int]:
    """Each window end's count, from the month items of one rolling window (`RW#D3#202602`: `d29` is 29 Feb)."""
    by_day = {}
    for sk, attributes in counts.items():
        if not sk.startswith(stem + "#"):
            continue
        month = sk.rsplit("#", 1)[1]
        for name, value in attributes.items():
            found = _DAY.fullmatch(name)
            if found:
                by_day[date(int(month[:4]), int(month[4:]), int(found.group(1)))] = int(value)
    return by_day
