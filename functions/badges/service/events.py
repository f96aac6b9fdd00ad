"""badgeEarned events as Capillary's webhook payload: each committed earn with its constraints' counts now."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Protocol

from badges.domain.badges import Badge
from badges.domain.earn_events import CountedConstraint, badge_earned_payload, counted_constraints


class EventReads(Protocol):
    def badges(self, org_id: int, badge_ids: set[str]) -> dict[str, Badge | None]: ...

    def customer_counts(self, wanted: set[tuple[int, int, str, str]]) -> dict[tuple[int, int, str, str], dict]: ...

    def badge_sums(self, org_id: int, badge_id: str, sks: set[str]) -> dict[str, dict[str, int]]: ...


def badge_earned_events(earns: list[tuple[str, dict]], reads: EventReads) -> list[dict]:
    """One payload per (stream event id, earned-badge item), in order: the customer's counts read once for the
    whole batch, a badge's counts as the last few seconds' read of its shards saw them."""
    wanted_badges: dict[int, set[str]] = defaultdict(set)
    for _, earned in earns:
        wanted_badges[int(earned["orgId"])].add(earned["badgeMetaId"])
    badges = {(org, bid): badge for org, ids in wanted_badges.items()
              for bid, badge in reads.badges(org, ids).items()}

    planned: list[tuple[str, dict, list[CountedConstraint]]] = []
    customer_wanted: set[tuple[int, int, str, str]] = set()
    badge_wanted: dict[tuple[int, str], set[str]] = defaultdict(set)
    for event_id, earned in earns:
        org, badge_id, customer = int(earned["orgId"]), earned["badgeMetaId"], int(earned["customerId"])
        badge = badges.get((org, badge_id))
        constraints = [] if badge is None else counted_constraints(badge.definition,
                                                                   Decimal(earned["earnEventDate"]))
        for constraint in constraints:
            if constraint.item is None:
                continue
            if constraint.level == "CUSTOMER":
                customer_wanted.add((org, customer, badge_id, constraint.item))
            else:
                badge_wanted[(org, badge_id)].add(constraint.item)
        planned.append((event_id, earned, constraints))

    customer_items = reads.customer_counts(customer_wanted) if customer_wanted else {}
    badge_items = {key: reads.badge_sums(*key, sks) for key, sks in badge_wanted.items()}

    def count(earned: dict, constraint: CountedConstraint) -> int | None:
        if constraint.item is None:
            return None
        org, badge_id = int(earned["orgId"]), earned["badgeMetaId"]
        if constraint.level == "CUSTOMER":
            item = customer_items.get((org, int(earned["customerId"]), badge_id, constraint.item), {})
        else:
            item = badge_items.get((org, badge_id), {}).get(constraint.item, {})
        return int(item.get(constraint.attribute, 0))

    return [badge_earned_payload(earned, event_id, constraints, [count(earned, c) for c in constraints])
            for event_id, earned, constraints in planned]
