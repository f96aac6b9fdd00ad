"""Member Care: one customer's badge with its statistics, and the customer's badges as a list."""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from badges.domain.earning import CustomerBadgeView, IssueRecord, Pagination
from badges.domain.eligibility import refused_now
from badges.domain.enums import (
    BadgeAction,
    BadgeStatus,
    CustomerBadgeType,
    DateOperator,
    ManagementSort,
    SortOrder,
)
from badges.domain.errors import BadgeNotFound
from badges.domain.identity import Caller
from badges.domain.limits import plan
from badges.domain.management import (
    CustomerBadgeDetails,
    CustomerBadgeSummaries,
    CustomerBadgeSummary,
    constraint_statistics,
    counts_of,
    details_of,
    recorded_on,
    state_of,
)
from badges.service.customers import CustomerEntries, customer_entries
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
    # the counters each constraint's count is kept in, and those an earn now would check (nextEligibleOn): the
    # same items but where a rolling window reaches into next month, read in the same calls
    checked = plan(d, at).counters if badge.status(at) == BadgeStatus.LIVE else []
    mine = [c.sk for constraint in d.customerConstraints for c in counts_of("customer", constraint, badge, at)]
    mine += [c.item for c in checked if c.scope == "customer"]
    wide = [c.sk for constraint in d.badgeConstraints for c in counts_of("badge", constraint, badge, at)]
    wide += [c.item for c in checked if c.scope == "badge"]
    values: dict[tuple[str, str], dict] = {}
    if mine:
        stored = earns.customer_counters(caller.org_id, customer, [(badge.id, sk) for sk in mine])
        values |= {("customer", sk): item for (_, sk), item in stored.items()}
    if wide:
        values |= {("badge", sk): sums for sk, sums in earns.badge_counters(caller.org_id, badge.id, wide).items()}
    refused = (False, None)
    if badge.status(at) == BadgeStatus.LIVE:  # otherwise an earn is refused with 815, not by a limit
        refused = refused_now(d, at, {sk: v for (scope, sk), v in values.items() if scope == "customer"},
                              {sk: v for (scope, sk), v in values.items() if scope == "badge"}, badge.earnedCount)
    return details_of(badge, group.name if group else None, at, earned, issue,
                      [constraint_statistics("customer", c, badge, at, values) for c in d.customerConstraints],
                      [constraint_statistics("badge", c, badge, at, values) for c in d.badgeConstraints], refused)


@dataclass(frozen=True)
class ListQuery:
    """GET /management/{customerId}'s filters and order; None means any."""

    badge_type: str = CustomerBadgeType.EARNED
    name: str | None = None
    action: str | None = None
    status: str | None = None
    owner: str | None = None
    claimed_by: str | None = None
    start_on: Decimal | None = None
    start_operator: str = DateOperator.GREATER_THAN
    expires_on: Decimal | None = None
    expires_operator: str = DateOperator.LESS_THAN
    group_id: str | None = None
    earned_since: Decimal | None = None
    event_since: Decimal | None = None
    sort_on: str = ManagementSort.EXPIRES_ON
    order: str = SortOrder.DESC
    page: int = 0
    size: int = 10


def customer_badge_list(customer: int, caller: Caller, query: ListQuery, badges: BadgeStore, groups: GroupStore,
                        earns: EarnStore, at: Decimal) -> CustomerBadgeSummaries:
    """One page of the customer's badges of one kind (as GET /customer/{customerId} finds them, the available
    kinds with the badges not started yet too), filtered and sorted as asked: the badges and the customer's
    earns and issues are read once each (one query apiece), the groups of the page's badges one read each."""
    entries = customer_entries(CustomerEntries(customer, query.badge_type, include_expired=True, upcoming=True),
                               caller, badges, earns, at)
    issues = {i.badge_id: i for i in earns.issues(caller.org_id, customer)}
    expired = {}
    for earned in earns.earned(caller.org_id, customer) if query.sort_on == ManagementSort.LAST_EXPIRED_BADGE else ():
        if earned.active and earned.expires_on <= at:
            expired[earned.badge_id] = max(expired.get(earned.badge_id, 0), float(earned.expires_on))
    entries = [e for e in entries if _kept(e, query)]
    sort_value = {
        ManagementSort.EXPIRES_ON: lambda e: e.expiresOn,
        ManagementSort.LAST_MODIFIED_DATE: lambda e: e.lastUpdatedOn,
        ManagementSort.LAST_ISSUED_DATE: lambda e: _issued_on(issues.get(e.badgeMetaId)),
        ManagementSort.LAST_EXPIRED_BADGE: lambda e: expired.get(e.badgeMetaId),
        ManagementSort.LAST_EARNED_EVENT_DATE: lambda e: e.lastEarnEventDate,
        ManagementSort.LAST_EARNED_ON_DATE: lambda e: e.lastEarnedOnDate,
    }[query.sort_on]
    sign = -1 if query.order == SortOrder.DESC else 1
    entries.sort(key=lambda e: (sort_value(e) is None, sign * (sort_value(e) or 0), e.badgeMetaId))
    chosen = entries[query.page * query.size:(query.page + 1) * query.size]
    names = {}
    for group_id in {e.badgeGroupId for e in chosen if e.badgeGroupId}:
        group = groups.get_group(caller.org_id, group_id)
        names[group_id] = group.name if group else None
    return CustomerBadgeSummaries(
        customerBadges=[_summary(e, names.get(e.badgeGroupId), issues.get(e.badgeMetaId), at) for e in chosen],
        pagination=Pagination(page=query.page, size=query.size, total=len(entries),
                              totalPages=math.ceil(len(entries) / query.size)))


def _issued_on(issue: IssueRecord | None) -> float | None:
    return None if issue is None else float(recorded_on(issue))


def _kept(entry: CustomerBadgeView, query: ListQuery) -> bool:
    checks = [
        query.name is None or query.name.casefold() in entry.name.casefold(),
        query.action is None or (query.action == BadgeAction.ACTIVATED) == entry.active,
        query.status is None or entry.status == query.status,
        query.owner is None or query.owner in entry.ownership.restrictedToOwners,
        query.claimed_by is None or any(c.ownerType == query.claimed_by and c.isActive
                                        for c in entry.ownership.claims),
        query.group_id is None or entry.badgeGroupId == query.group_id,
        query.start_on is None or _compare(entry.startOn, query.start_operator, query.start_on),
        query.expires_on is None or _compare(entry.expiresOn, query.expires_operator, query.expires_on),
        query.earned_since is None or (entry.lastEarnedOnDate or -1) >= query.earned_since,
        query.event_since is None or (entry.lastEarnEventDate or -1) >= query.event_since,
    ]
    return all(checks)


def _compare(value: float, operator: str, bound: Decimal) -> bool:
    return value < bound if operator == DateOperator.LESS_THAN else value > bound


def _summary(entry: CustomerBadgeView, group_name: str | None, issue: IssueRecord | None,
             at: Decimal) -> CustomerBadgeSummary:
    return CustomerBadgeSummary(
        name=entry.name, description=entry.description, badgeMetaId=entry.badgeMetaId, badgeType=entry.earnType,
        badgeGroupId=entry.badgeGroupId, badgeGroupName=group_name, badgeRank=entry.badgeRank,
        createdOn=entry.createdOn, createdOnISO=entry.createdOnISO, lastUpdatedOn=entry.lastUpdatedOn,
        lastUpdatedOnISO=entry.lastUpdatedOnISO, images=entry.images, badgeStatus=entry.status,
        lastEarnedOn=entry.lastEarnedOnDate, lastEarnedOnISO=entry.lastEarnedOnDateISO,
        startsOn=entry.startOn, startsOnISO=entry.startOnISO, expiresOn=entry.expiresOn,
        expiresOnISO=entry.expiresOnISO, earnCount=entry.earnedCount, ownership=entry.ownership,
        issueStatus=state_of(issue, at) if issue else None, lastEarnedOnDate=entry.lastEarnedOnDate,
        lastEarnedOnDateISO=entry.lastEarnedOnDateISO, lastEarnEventDate=entry.lastEarnEventDate,
        lastEarnEventDateISO=entry.lastEarnEventDateISO, active=entry.active)
