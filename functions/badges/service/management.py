"""Member Care: one customer's badge with its statistics, and the customer's badges as a list."""
from __future__ import annotations

from decimal import Decimal

from badges.domain.errors import BadgeNotFound
from badges.domain.identity import Caller
from badges.domain.management import CustomerBadgeDetails, constraint_statistics, counts_of, details_of
from badges.store.ports import BadgeStore, EarnStore, GroupStore


def customer_badge_details(customer: int, badge_id: str, caller: Caller, include_statistics: bool,
                           badges: BadgeStore, groups: GroupStore, earns: EarnStore,
                           at: Decimal) -> CustomerBadgeDetails:
    """The badge as the customer stands with it. With statistics: each constraint's count now (the customer's
    counters in one BatchGetItem; the badge's window counters and counts summed over the 64 tally shards, at
    most 11 x 64 keys for the 10 badge constraints a badge may have), the customer's issue and every earn."""
    badge = badges.get_badge(caller.org_id, badge_id, counted=include_statistics)
    if badge is None:
        raise BadgeNotFound("badgeId")
    group = groups.get_group(caller.org_id, badge.definition.badgeGroupId) if badge.definition.badgeGroupId else None
    earned = earns.earned(caller.org_id, customer, badge.id)
    issue = earns.get_issue(caller.org_id, customer, badge.id)
    if not include_statistics:
        return details_of(badge, group.name if group else None, at, earned, issue)
    d = badge.definition
    mine = [c for constraint in d.customerConstraints for c in counts_of("customer", constraint, badge, at)]
    wide = [c for constraint in d.badgeConstraints for c in counts_of("badge", constraint, badge, at)]
    values: dict[tuple[str, str], dict] = {}
    if mine:
        stored = earns.customer_counters(caller.org_id, customer, [(badge.id, c.sk) for c in mine])
        values |= {("customer", sk): item for (_, sk), item in stored.items()}
    if wide:
        values |= {("badge", sk): sums for sk, sums in earns.badge_counters(
            caller.org_id, badge.id, [c.sk for c in wide]).items()}
    return details_of(badge, group.name if group else None, at, earned, issue,
                      [constraint_statistics("customer", c, badge, at, values) for c in d.customerConstraints],
                      [constraint_statistics("badge", c, badge, at, values) for c in d.badgeConstraints])
