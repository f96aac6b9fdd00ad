"""A customer's badges: those earned, or those available to earn, sorted by group rank, badge rank, expiry."""
from __future__ import annotations

import math
from decimal import Decimal

from badges.domain.badges import Badge, BadgeView
from badges.domain.earning import CustomerBadges, CustomerBadgeView, EarnedBadge, Pagination
from badges.domain.enums import BadgeStatus, CustomerBadgeType, EarnType
from badges.domain.identity import Caller
from badges.domain.values import to_epoch, to_iso
from badges.store.ports import BadgeFilters, BadgeStore, EarnStore, GroupStore

_LAST = float("inf")


def customer_badges(customer: int, caller: Caller, badge_type: str, include_expired: bool, group_id: str | None,
                    page: int, limit: int, badges: BadgeStore, groups: GroupStore, earns: EarnStore,
                    at: Decimal) -> CustomerBadges:
    """One page of the customer's earned badges (active earns, unexpired unless include_expired), or of the
    LIVE, active badges the customer can earn (an ISSUE_EARN one only with an active issue)."""
    entries = (_earned(customer, caller, include_expired, earns, at) if badge_type == CustomerBadgeType.EARNED
               else _available(customer, caller, badges, earns, at))
    if group_id:
        entries = [e for e in entries if e.badgeGroupId == group_id]
    ranks = _group_ranks(caller, {e.badgeGroupId for e in entries if e.badgeGroupId}, groups, entries)
    earned_view = badge_type == CustomerBadgeType.EARNED
    entries.sort(key=lambda e: (ranks.get(e.badgeGroupId, _LAST), _LAST if e.badgeRank is None else e.badgeRank,
                                _expiry(e) if earned_view else e.expiresOn, e.badgeMetaId))
    chosen = entries[page * limit:(page + 1) * limit]
    counts = badges.counts(caller.org_id, [entry.badgeMetaId for entry in chosen])  # the page's only: 64 reads each
    for entry in chosen:
        entry.issuedCount = counts[entry.badgeMetaId][1]  # the badge's; earnedCount is the customer's own
    return CustomerBadges(badges=chosen, pagination=Pagination(
        page=page, size=limit, total=len(entries), totalPages=math.ceil(len(entries) / limit)))


def _earns_by_badge(customer: int, caller: Caller, include_expired: bool, earns: EarnStore,
                    at: Decimal) -> dict[str, list[dict]]:
    """The customer's active earns (unexpired ones unless include_expired), by badge: one query."""
    by_badge: dict[str, list[dict]] = {}
    for earned in earns.earned(caller.org_id, customer):
        if earned["active"] and (include_expired or earned["expiresOn"] > at):
            by_badge.setdefault(earned["badgeMetaId"], []).append(earned)
    return by_badge


def _earned(customer: int, caller: Caller, include_expired: bool, earns: EarnStore,
            at: Decimal) -> list[CustomerBadgeView]:
    by_badge = _earns_by_badge(customer, caller, include_expired, earns, at)
    found = earns.badges(caller.org_id, list(by_badge))
    return [_entry(found[badge_id], at, items) for badge_id, items in by_badge.items() if badge_id in found]


def _available(customer: int, caller: Caller, badges: BadgeStore, earns: EarnStore,
               at: Decimal) -> list[CustomerBadgeView]:
    issues = {i["badgeMetaId"]: i for i in earns.issues(caller.org_id, customer) if i["active"] and i["expiresOn"] > at}
    mine = _earns_by_badge(customer, caller, False, earns, at)  # so earnedCount is the customer's here too
    entries = []
    for badge in badges.all_badges(caller.org_id, BadgeFilters(status=BadgeStatus.LIVE), at):
        if not badge.definition.active:
            continue
        issue = issues.get(badge.id)
        if badge.definition.earnType == EarnType.ISSUE_EARN and issue is None:
            continue
        entry = _entry(badge, at, mine.get(badge.id, []))
        if issue is not None:
            entry.issuedId, entry.issueExpiresOn = issue["issuedId"], to_epoch(issue["expiresOn"])
        entries.append(entry)
    return entries


def _entry(badge: Badge, at: Decimal, earned: list[dict]) -> CustomerBadgeView:
    view = BadgeView.of(badge, at).model_dump()
    entry = CustomerBadgeView(**{**view, "earnedCount": len(earned)}, badgeMetaId=badge.id, earnedBadges=[
        EarnedBadge(earnedBadgeId=e["earnedBadgeId"], earnEventDate=to_epoch(e["earnEventDate"]),
                    earnEventDateISO=to_iso(e["earnEventDate"]), earnedOn=to_epoch(e["earnedOn"]),
                    expiresOn=to_epoch(e["expiresOn"]), expiresOnISO=to_iso(e["expiresOn"]),
                    requestId=e.get("requestId"), issuedId=e.get("issuedId")) for e in earned])
    if earned:
        last_on, last_event = max(e["earnedOn"] for e in earned), max(e["earnEventDate"] for e in earned)
        entry.lastEarnedOnDate, entry.lastEarnedOnDateISO = to_epoch(last_on), to_iso(last_on)
        entry.lastEarnEventDate, entry.lastEarnEventDateISO = to_epoch(last_event), to_iso(last_event)
    return entry


def _expiry(entry: CustomerBadgeView) -> float:
    """An earned badge sorts by its soonest expiring earn; an available one by the badge's end."""
    return min((e.expiresOn for e in entry.earnedBadges), default=entry.expiresOn)


def _group_ranks(caller: Caller, group_ids: set[str], groups: GroupStore,
                 entries: list[CustomerBadgeView]) -> dict[str, int]:
    ranks, names = {}, {}
    for group_id in group_ids:
        group = groups.get_group(caller.org_id, group_id)
        if group is not None:
            ranks[group_id], names[group_id] = group.rank, group.name
    for entry in entries:
        entry.badgeGroupName = names.get(entry.badgeGroupId)
    return ranks
