"""A badge's fixed-window cycles, a page at a time, with what was earned in each if asked."""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from badges.domain.cycles import CycleView, FixedWindowDetails, fixed_windows, page_of
from badges.domain.earning import Pagination
from badges.domain.enums import ConstraintLevel
from badges.domain.errors import BadgeNotFound, Err, ErrorDetail, ValidationFailed
from badges.domain.identity import Caller
from badges.domain.values import to_epoch, to_iso
from badges.store.ports import BadgeStore, EarnStore

# A page holds at most this many cycles: a badge-wide cycle's count is a sum over 64 tally shards, so a page of
# badge cycles with counts is at most 30 x 64 = 1,920 keys (20 BatchGetItem calls side by side).
MAX_CYCLES = 30


@dataclass(frozen=True)
class CycleQuery:
    badge_id: str
    level: ConstraintLevel = ConstraintLevel.ALL
    customer_id: int | None = None
    reference_id: str | None = None
    include_earn_count: bool = False
    start: Decimal | None = None
    end: Decimal | None = None
    page: int = 0
    size: int = 10


def fixed_window_details(query: CycleQuery, caller: Caller, badges: BadgeStore, earns: EarnStore) -> FixedWindowDetails:
    """The cycles of the badge's fixed windows (customer ones first, each in time order) that overlap
    [start, end] (the badge's own by default), one page of them; with includeEarnCount, each cycle's earns:
    the customer's for a customer window, everyone's for a badge window."""
    if query.include_earn_count and query.level != ConstraintLevel.BADGE and query.customer_id is None:
        raise ValidationFailed([ErrorDetail.of(Err.FIELD_REQUIRED, "customerId", "customerId is required with "
                                               "includeEarnCount for CUSTOMER or ALL constraints")])
    badge = badges.get_badge(caller.org_id, query.badge_id, counted=False)
    if badge is None:
        raise BadgeNotFound("badgeMetaId")
    low = badge.definition.startOn if query.start is None else query.start
    high = badge.definition.expiresOn if query.end is None else query.end
    scope = {ConstraintLevel.BADGE: "badge", ConstraintLevel.CUSTOMER: "customer"}.get(query.level)
    cycles, total = page_of(fixed_windows(badge, scope, query.reference_id), low, high, query.page, query.size)
    counts: dict[tuple[str, str], int] = {}
    if query.include_earn_count:
        mine = [c.counter for c in cycles if c.scope == "customer"]
        if mine and query.customer_id is not None:
            found = earns.customer_counters(caller.org_id, query.customer_id, [(badge.id, sk) for sk in mine])
            counts |= {("customer", sk): int(item.get("n", 0)) for (_, sk), item in found.items()}
        wide = [c.counter for c in cycles if c.scope == "badge"]
        if wide:
            counts |= {("badge", sk): sums.get("n", 0)
                       for sk, sums in earns.badge_counters(caller.org_id, badge.id, wide).items()}
    views = [CycleView(fixedWindowCycleReferenceId=c.reference_id, startDate=to_epoch(c.start),
                       startDateISO=to_iso(c.start), endDate=to_epoch(c.end), endDateISO=to_iso(c.end),
                       constraintType=c.constraint_type,
                       earnCount=counts.get((c.scope, c.counter), 0) if query.include_earn_count else None)
             for c in cycles]
    return FixedWindowDetails(badgeMetaId=badge.id, orgId=caller.org_id, startDate=to_epoch(low),
                              startDateISO=to_iso(low), endDate=to_epoch(high), endDateISO=to_iso(high),
                              customerId=query.customer_id, fixedWindowCycles=views,
                              pagination=Pagination(page=query.page, size=query.size, total=total,
                                                    totalPages=math.ceil(total / query.size)))
