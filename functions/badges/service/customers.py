"""A customer's badges: earned, expired, available to earn or to issue; sorted by rank or by their latest earn."""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from badges.domain.badges import Badge, BadgeView
from badges.domain.earning import (
    CustomerBadges,
    CustomerBadgeView,
    EarnedBadge,
    EarnRecord,
    IssueRecord,
    Pagination,
)
from badges.domain.eligibility import fields, refused_now
from badges.domain.enums import BadgeStatus, CustomerBadgeType, CustomerSort, EarnType
from badges.domain.identity import Caller
from badges.domain.limits import customer_keys
from badges.domain.values import to_epoch, to_iso
from badges.store.ports import BadgeFilters, BadgeStore, EarnStore, GroupStore

_LAST = float("inf")


@dataclass(frozen=True)
class CustomerEntries:
    """Which of the customer's badges: one kind (CustomerBadgeType); `include_expired` adds the expired to the
    EARNED ones; `upcoming` adds to the available kinds the active badges that have not started yet."""

    customer: int
    badge_type: str
    include_expired: bool = False
    upcoming: bool = False


@dataclass(frozen=True)
class CustomerBadgesQuery:
    """GET /customer/{customerId}: one page of the customer's badges of one kind, in one group if given, sorted by
    rank or by their latest earn; `earned_since` / `event_since` keep those last earned (or last earn event) at or
    after."""

    customer: int
    badge_type: str
    include_expired: bool = False
    group_id: str | None = None
    page: int = 0
    limit: int = 10
    sort_on: str = CustomerSort.RANK
    earned_since: Decimal | None = None
    event_since: Decimal | None = None


def customer_badges(query: CustomerBadgesQuery, caller: Caller, badges: BadgeStore, groups: GroupStore,
                    earns: EarnStore, at: Decimal) -> CustomerBadges:
    """One page of the customer's badges of one kind:
    - EARNED: the badges the customer holds active earns of (unexpired ones unless include_expired);
    - EXPIRED: the badges the customer holds active earns of that have expired, with those earns;
    - AVAILABLE_TO_ISSUE: the LIVE, active badges issued directly (EARN) or that the customer is enrolled in;
    - AVAILABLE: of those, the ones a module has claimed: what the customer can earn;
    - AVAILABLE_TO_ENROL: the LIVE, active ISSUE_EARN badges the customer holds no active issue of.
    The available kinds leave out a badge no earn of the customer's will pass again (a fixed value used up, a
    window that frees only after the badge's end), and give a badge a window refuses now its nextEligibleOn."""
    entries = customer_entries(CustomerEntries(query.customer, query.badge_type, query.include_expired), caller,
                               badges, earns, at)
    if query.group_id:
        entries = [e for e in entries if e.badgeGroupId == query.group_id]
    if query.earned_since is not None:
        entries = [e for e in entries
                   if e.lastEarnedOnDate is not None and e.lastEarnedOnDate >= query.earned_since]
    if query.event_since is not None:
        entries = [e for e in entries
                   if e.lastEarnEventDate is not None and e.lastEarnEventDate >= query.event_since]
    ranks = _group_ranks(caller, {e.badgeGroupId for e in entries if e.badgeGroupId}, groups, entries)
    earned_view = query.badge_type in (CustomerBadgeType.EARNED, CustomerBadgeType.EXPIRED)
    entries.sort(key=lambda e: (ranks.get(e.badgeGroupId, _LAST), _LAST if e.badgeRank is None else e.badgeRank,
                                _expiry(e) if earned_view else e.expiresOn, e.badgeMetaId))
    latest = {CustomerSort.LAST_EARNED_ON_DATE: "lastEarnedOnDate",
              CustomerSort.LAST_EARNED_EVENT_DATE: "lastEarnEventDate"}.get(query.sort_on)
    if latest:  # the latest first, the never earned last; the rank order otherwise (a stable sort keeps it)
        entries.sort(key=lambda e: -getattr(e, latest) if getattr(e, latest) is not None else _LAST)
    page, limit = query.page, query.limit
    chosen = entries[page * limit:(page + 1) * limit]
    counts = badges.counts(caller.org_id, [entry.badgeMetaId for entry in chosen])  # the page's only: 64 reads each
    for entry in chosen:
        entry.issuedCount = counts[entry.badgeMetaId][1]  # the badge's; earnedCount is the customer's own
    return CustomerBadges(badges=chosen, pagination=Pagination(
        page=page, size=limit, total=len(entries), totalPages=math.ceil(len(entries) / limit)))


def customer_entries(query: CustomerEntries, caller: Caller, badges: BadgeStore, earns: EarnStore,
                     at: Decimal) -> list[CustomerBadgeView]:
    """Every badge of one kind for the customer, unsorted (see customer_badges); with `upcoming`, what is coming
    too (Member Care shows it)."""
    held = [e for e in earns.earned(caller.org_id, query.customer) if e.active]  # one query: the customer's earns
    if query.badge_type in (CustomerBadgeType.EARNED, CustomerBadgeType.EXPIRED):
        expired = query.badge_type == CustomerBadgeType.EXPIRED
        chosen_earns = [e for e in held
                        if (e.expires_on <= at) == expired or (query.include_expired and not expired)]
        return _earned(caller, _by_badge(chosen_earns), earns, at)
    return _available(query, caller, badges, earns, at, held)


def _by_badge(earned: list[EarnRecord]) -> dict[str, list[EarnRecord]]:
    by_badge: dict[str, list[EarnRecord]] = {}
    for item in earned:
        by_badge.setdefault(item.badge_id, []).append(item)
    return by_badge


def _earned(caller: Caller, by_badge: dict[str, list[EarnRecord]], earns: EarnStore,
            at: Decimal) -> list[CustomerBadgeView]:
    found = earns.badges(caller.org_id, list(by_badge))
    return [_entry(found[badge_id], at, items) for badge_id, items in by_badge.items() if badge_id in found]


def _available(query: CustomerEntries, caller: Caller, badges: BadgeStore, earns: EarnStore, at: Decimal,
               held: list[EarnRecord]) -> list[CustomerBadgeView]:
    issues = {i.badge_id: i for i in earns.issues(caller.org_id, query.customer) if i.active and i.expires_on > at}
    mine = _by_badge([e for e in held if e.expires_on > at])  # so earnedCount is the customer's here too
    candidates = []
    statuses = [BadgeStatus.LIVE, BadgeStatus.UPCOMING] if query.upcoming else [BadgeStatus.LIVE]
    for badge in (b for status in statuses for b in badges.all_badges(caller.org_id, BadgeFilters(status=status), at)):
        issue = issues.get(badge.id)
        if badge.definition.active and _offered(badge, query.badge_type, issue):
            candidates.append((badge, issue))
    blocked = _blocked(query.customer, caller, [b for b, _ in candidates], {e.badge_id for e in held}, earns,
                       at)
    entries = []
    for badge, issue in candidates:
        if badge.id in blocked and blocked[badge.id] is None:
            continue  # no earn will pass again: a fixed value used up, or a window freeing after the badge's end
        entry = _entry(badge, at, mine.get(badge.id, []))
        if issue is not None:
            entry.issuedId, entry.issueExpiresOn = issue.issued_id, to_epoch(issue.expires_on)
        if badge.id in blocked:
            entry.nextEligibleOn, entry.nextEligibleOnISO = fields(blocked[badge.id]).values()
        entries.append(entry)
    return entries


def _offered(badge: Badge, badge_type: str, issue: IssueRecord | None) -> bool:
    """Which view lists an active badge (Member Care's sections, guide-Badges_in_Membercare.md):
    AVAILABLE_TO_ENROL: an ISSUE_EARN badge the customer holds no active issue of; AVAILABLE_TO_ISSUE: a badge
    issued directly (EARN) or an ISSUE_EARN one the customer is enrolled in; AVAILABLE: of those, the ones a
    module has claimed (an earn needs a claim, 810)."""
    enrolment_needed = badge.definition.earnType == EarnType.ISSUE_EARN and issue is None
    if badge_type == CustomerBadgeType.AVAILABLE_TO_ENROL:
        return enrolment_needed
    if badge_type == CustomerBadgeType.AVAILABLE_TO_ISSUE:
        return not enrolment_needed
    return not enrolment_needed and any(claim.isActive for claim in badge.claims)


def _blocked(customer: int, caller: Caller, candidates: list[Badge], earned_ids: set[str], earns: EarnStore,
             at: Decimal) -> dict[str, Decimal | None]:
    """The badges a customer constraint would refuse an earn of now, each with when it lets one through again
    (None: never). Only a badge the customer holds an active earn of can have a counter above zero (a revoke
    gives its units back), so only those are read: one key per customer constraint (per rolling pair and month),
    100 keys a BatchGetItem."""
    checked = [badge for badge in candidates if badge.id in earned_ids and badge.definition.customerConstraints
               and badge.definition.startOn <= at]
    keys = [(badge.id, sk) for badge in checked for sk in customer_keys(badge.definition, at)]
    if not keys:
        return {}
    stored = earns.customer_counters(caller.org_id, customer, keys)
    found = {}
    for badge in checked:
        refused, moment = refused_now(badge.definition, at, {sk: item for (bid, sk), item in stored.items()
                                                                 if bid == badge.id})
        if refused:
            found[badge.id] = moment
    return found


def _entry(badge: Badge, at: Decimal, earned: list[EarnRecord]) -> CustomerBadgeView:
    view = BadgeView.of(badge, at).model_dump()
    entry = CustomerBadgeView(**{**view, "earnedCount": len(earned)}, badgeMetaId=badge.id, earnedBadges=[
        EarnedBadge(earnedBadgeId=e.earned_id, earnEventDate=to_epoch(e.event), earnEventDateISO=to_iso(e.event),
                    earnedOn=to_epoch(e.earned_on), expiresOn=to_epoch(e.expires_on),
                    expiresOnISO=to_iso(e.expires_on), requestId=e.request_id, issuedId=e.issued_id)
        for e in earned])
    if earned:
        last_on, last_event = max(e.earned_on for e in earned), max(e.event for e in earned)
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
