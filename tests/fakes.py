"""In-memory fakes of the storage ports, with the same guarantees the DynamoDB adapter gives, and of a clock."""
from __future__ import annotations

from dataclasses import asdict, replace
from decimal import Decimal

from badges.domain.badges import Badge, Claim
from badges.domain.earning import EarnRecord, IssueRecord
from badges.domain.errors import BadgeNameTaken, GroupNameTaken, GroupNotFound, RequestRepeated
from badges.domain.groups import Group
from badges.domain.limits import Counted, Scope
from badges.domain.paging import MAX_OFFSET_ITEMS, PageRequest, total_pages
from badges.store.earning import badge_cells, named
from badges.store.pagination import PageTokens
from badges.store.ports import (
    BadgeFilters,
    ClaimRefused,
    EarnPlan,
    EarnRefused,
    IssueExists,
    NotActive,
    Page,
    Refusal,
    RefusalKind,
    StaleWrite,
)


def paged(found: list, key, org_id: int, query: dict, request: PageRequest, tokens: PageTokens, prefix: str) -> Page:
    """The adapter's paging over a list already filtered and in id order: by offset among the first
    MAX_OFFSET_ITEMS, or `size` after a token."""
    if request.order == "DESC":
        found = found[::-1]
    if request.token:
        after = tokens.open(request.token, org_id, query, prefix)[len(prefix):]
        rest = [x for x in found if (key(x) > after if request.order == "ASC" else key(x) < after)]
        page = rest[:request.size]
        more = len(rest) > request.size
        return Page(page, tokens.seal(org_id, query, prefix + key(page[-1])) if more else None, size=request.size)
    found = found[:MAX_OFFSET_ITEMS]
    first = request.page * request.size
    page = found[first:first + request.size]
    more = len(found) > first + request.size
    return Page(page, tokens.seal(org_id, query, prefix + key(page[-1])) if more else None, page=request.page,
                size=request.size, total=len(found), total_pages=total_pages(len(found), request.size))


class InMemoryGroupStore:
    def __init__(self, tokens: PageTokens | None = None) -> None:
        self.groups: dict[tuple[int, str], Group] = {}
        self.names: dict[tuple[int, str], str] = {}
        self.tokens = tokens or PageTokens()

    def add_group(self, group: Group) -> None:
        if (group.org_id, group.name) in self.names:
            raise GroupNameTaken(group.name)
        self.names[(group.org_id, group.name)] = group.id
        self.groups[(group.org_id, group.id)] = group

    def get_group(self, org_id: int, group_id: str) -> Group | None:
        return self.groups.get((org_id, group_id))

    def replace_group(self, old: Group, new: Group) -> None:
        if self.groups.get((old.org_id, old.id)) != old:
            raise StaleWrite(old.id)
        if new.name != old.name:
            if (new.org_id, new.name) in self.names:
                raise GroupNameTaken(new.name)
            del self.names[(old.org_id, old.name)]
            self.names[(new.org_id, new.name)] = new.id
        self.groups[(new.org_id, new.id)] = new

    def list_groups(self, org_id: int, request: PageRequest) -> Page[Group]:
        found = sorted((g for (org, _), g in self.groups.items() if org == org_id), key=lambda g: g.id)
        return paged(found, lambda g: g.id, org_id, {"list": "groups", **request.query()}, request, self.tokens,
                     "GROUP#")

    def group_names(self, org_id: int, group_ids: list[str]) -> dict[str, str]:
        return {gid: self.groups[(org_id, gid)].name for gid in group_ids if (org_id, gid) in self.groups}


class InMemoryBadgeStore:
    """Badges with the DynamoDB adapter's guarantees: unique names per org, versioned writes, groups checked."""

    def __init__(self, groups: InMemoryGroupStore | None = None, tokens: PageTokens | None = None) -> None:
        self.badges: dict[tuple[int, str], Badge] = {}
        self.names: dict[tuple[int, str], str] = {}
        self.groups = groups or InMemoryGroupStore()
        self.tokens = tokens or PageTokens()
        self.numbers: dict[int, int] = {}

    def _check_group(self, badge: Badge) -> None:
        group_id = badge.definition.badgeGroupId
        if group_id and self.groups.get_group(badge.orgId, group_id) is None:
            raise GroupNotFound(group_id, reference="badgeGroupId")

    def next_badge_number(self, org_id: int) -> int:
        self.numbers[org_id] = self.numbers.get(org_id, 0) + 1
        return self.numbers[org_id]

    def add_badge(self, badge: Badge) -> None:
        if (badge.orgId, badge.definition.name) in self.names:
            raise BadgeNameTaken(badge.definition.name)
        self._check_group(badge)
        self.names[(badge.orgId, badge.definition.name)] = badge.id
        self.badges[(badge.orgId, badge.id)] = badge

    def get_badge(self, org_id: int, badge_id: str, counted: bool = True) -> Badge | None:
        return self.badges.get((org_id, badge_id))

    def name_taken(self, org_id: int, name: str, by_other_than: str | None = None) -> bool:
        return self.names.get((org_id, name), by_other_than) != by_other_than

    def replace_badge(self, old: Badge, new: Badge, uncounted: bool = False) -> None:
        stored = self.badges.get((old.orgId, old.id))
        if stored is None or stored.version != old.version or (uncounted and stored.earnedCount):
            raise StaleWrite(old.id)
        if new.definition.name != old.definition.name:
            if (new.orgId, new.definition.name) in self.names:
                raise BadgeNameTaken(new.definition.name)
            self._check_group(new)
            del self.names[(old.orgId, old.definition.name)]
            self.names[(new.orgId, new.definition.name)] = new.id
        self._check_group(new)
        self.badges[(new.orgId, new.id)] = new.model_copy(update={  # no shards here: told and spread at once
            "issuedCount": stored.issuedCount, "earnedCount": stored.earnedCount, "told": new.version,
            "rebalancing": False})

    def set_claim(self, org_id: int, badge_id: str, claim: Claim) -> None:
        badge = self.badges.get((org_id, badge_id))
        if badge is None:
            raise ClaimRefused(None)
        key = (claim.ownerType, claim.referenceId)
        held = any((c.ownerType, c.referenceId) == key and c.isActive for c in badge.claims)
        if held == claim.isActive or (claim.isActive and claim.ownerType not in badge.definition.restrictedToOwners):
            raise ClaimRefused(badge)
        claims = sorted([c for c in badge.claims if (c.ownerType, c.referenceId) != key] + [claim],
                        key=lambda c: f"{c.ownerType}#{c.referenceId}")
        self.badges[(org_id, badge_id)] = badge.model_copy(update={
            "claims": claims, "version": badge.version + 1, "told": badge.version + 1})

    def finish_stalled(self, badge: Badge, now) -> None:
        """Never stalled here: a change is told and spread at once."""

    def counts(self, org_id: int, badge_ids: list[str]) -> dict[str, tuple[int, int]]:
        return {bid: (b.earnedCount, b.issuedCount) for bid in badge_ids if (b := self.badges.get((org_id, bid)))}

    def list_badges(self, org_id: int, filters: BadgeFilters, now, request: PageRequest,
                    counted: bool = True) -> Page[Badge]:
        query = {"list": "badges", **request.query(), **asdict(filters)}
        return paged(self.all_badges(org_id, filters, now), lambda b: b.id, org_id, query, request, self.tokens,
                     "BADGE#")

    def all_badges(self, org_id: int, filters: BadgeFilters, now) -> list[Badge]:
        def matches(badge: Badge) -> bool:
            d = badge.definition
            statuses = filters.statuses or ((filters.status,) if filters.status else ())
            claimed = badge.active_claim_owners()
            return ((not statuses or badge.status(now) in statuses)
                    and (filters.active is None or d.active == filters.active)
                    and (not filters.claimed_by or filters.claimed_by in claimed)
                    and (not filters.unclaimed or not claimed)
                    and (filters.starts_from is None or d.startOn >= filters.starts_from)
                    and (filters.expires_by is None or d.expiresOn <= filters.expires_by)
                    and (not filters.earn_type or d.earnType == filters.earn_type)
                    and (not filters.owner or filters.owner in d.restrictedToOwners)
                    and (not filters.name or filters.name.lower() in d.name.lower())
                    and (not filters.group_id or d.badgeGroupId == filters.group_id))

        return sorted((b for (org, _), b in self.badges.items() if org == org_id and matches(b)), key=lambda b: b.id)


class InMemoryEarnStore:
    """Issues, earns and revokes with the DynamoDB adapter's contract (store.ports.EarnStore): a requestId used once
    per org and operation, every limit checked at once and each full one named, an earn planned on an older badge
    version refused as stale, and the badge's counts kept on the badges of `badges`. No shards: a badge-wide limit
    is one count."""

    def __init__(self, badges: InMemoryBadgeStore | None = None) -> None:
        self.badge_store = badges or InMemoryBadgeStore()
        self.requests: dict[tuple[int, str, str], dict | None] = {}  # None: reserved, no answer yet
        self.earns: dict[tuple[int, int], dict[str, EarnRecord]] = {}  # (org, customer) -> sort key -> earn
        self.issued: dict[tuple[int, int, str], IssueRecord] = {}  # (org, customer, badge) -> issue
        self.counters: dict[tuple[str, str], dict[str, int]] = {}  # (pk, sk) -> attribute -> count

    @staticmethod
    def _customer_pk(org_id: int, customer_id: int, badge_id: str) -> str:
        return f"ORG#{org_id}#CUST#{customer_id}#BADGE#{badge_id}"

    @staticmethod
    def _badge_pk(org_id: int, badge_id: str) -> str:
        return f"ORG#{org_id}#BADGE#{badge_id}"

    def _stale(self, badge: Badge) -> bool:
        stored = self.badge_store.badges.get((badge.orgId, badge.id))
        return stored is not None and stored.version > badge.version

    def _count(self, badge: Badge, earned: int = 0, issued: int = 0) -> None:
        stored = self.badge_store.badges[(badge.orgId, badge.id)]
        self.badge_store.badges[(badge.orgId, badge.id)] = stored.model_copy(update={
            "earnedCount": stored.earnedCount + earned, "issuedCount": stored.issuedCount + issued})

    def _item(self, pk: str, sk: str) -> dict:
        return {"pk": pk, "sk": sk, **self.counters.get((pk, sk), {})}

    def record_earn(self, plan: EarnPlan) -> list[Counted]:
        badge, org = plan.badge, plan.org_id
        if (org, plan.operation, plan.request_key) in self.requests:
            raise RequestRepeated(self.requests[(org, plan.operation, plan.request_key)])
        if self._stale(badge):
            raise StaleWrite(badge.id)
        customer_pk, badge_pk = self._customer_pk(org, plan.customer_id, badge.id), self._badge_pk(org, badge.id)
        refusals: list[Refusal] = []
        issue = self.issued.get((org, plan.customer_id, badge.id))
        if plan.issued_id is not None and not (issue and issue.active and issue.issued_id == plan.issued_id
                                               and issue.expires_on > plan.event):
            refusals.append(Refusal(RefusalKind.ISSUE))
        customer = [c for c in plan.limits.counters if c.scope == Scope.CUSTOMER]
        full = [c for c in customer if c.limit is not None
                and any(self.counters.get((customer_pk, c.item), {}).get(a, 0) >= c.limit for a in c.adds)]
        seen = {c.item: self._item(customer_pk, c.item) for c in full}
        refusals += [r for c in full for r in named(RefusalKind.CUSTOMER_LIMIT, c, seen)]
        cells = badge_cells(plan.limits)
        wide = {cell.sk: {**self.counters.get((badge_pk, cell.sk), {})} for cell in cells}
        refusals += [r for cell in cells if cell.limit is not None
                     and any(wide[cell.sk].get(a, 0) >= cell.limit for a in cell.adds)
                     for r in named(RefusalKind.BADGE_LIMIT, cell, wide)]
        if refusals:
            raise EarnRefused(refusals)
        counted = [Counted(customer_pk, c.item, c.adds) for c in customer]
        counted += [Counted(badge_pk, cell.sk, cell.adds) for cell in cells]
        for c in counted:
            counts = self.counters.setdefault((c.pk, c.sk), {})
            for attribute in c.adds:
                counts[attribute] = counts.get(attribute, 0) + 1
        self._count(badge, earned=1)
        self.requests[(org, plan.operation, plan.request_key)] = plan.result
        self.earns.setdefault((org, plan.customer_id), {})[f"EARN#{badge.id}#{plan.earned_id}"] = EarnRecord(
            earned_id=plan.earned_id, badge_id=badge.id, customer_id=plan.customer_id, event=plan.event,
            earned_on=plan.at, expires_on=plan.expires, active=True, request_id=str(plan.result["requestId"]),
            issued_id=plan.issued_id, counters=tuple(counted))
        return counted

    def request_result(self, org_id: int, operation: str, key: str) -> dict | None:
        return self.requests.get((org_id, operation, key))

    def reserve_request(self, org_id: int, operation: str, key: str, at: Decimal) -> None:
        if (org_id, operation, key) in self.requests:
            raise RequestRepeated(self.requests[(org_id, operation, key)])  # no copy at work here: no wait
        self.requests[(org_id, operation, key)] = None

    def complete_request(self, org_id: int, operation: str, key: str, result: dict) -> None:
        self.requests[(org_id, operation, key)] = result

    def get_issue(self, org_id: int, customer_id: int, badge_id: str) -> IssueRecord | None:
        return self.issued.get((org_id, customer_id, badge_id))

    def record_issue(self, badge: Badge, customer_id: int, issued_id: str, issued_on: Decimal, expires: Decimal,
                     at: Decimal) -> None:
        if self._stale(badge):
            raise StaleWrite(badge.id)
        standing = self.issued.get((badge.orgId, customer_id, badge.id))
        if standing and standing.active and standing.expires_on > at:
            raise IssueExists(customer_id)
        self.issued[(badge.orgId, customer_id, badge.id)] = IssueRecord(
            issued_id=issued_id, badge_id=badge.id, customer_id=customer_id, issued_on=issued_on, expires_on=expires,
            active=True, at=at)
        self._count(badge, issued=1)

    def revoke_issue(self, org_id: int, customer_id: int, badge_id: str, issued_id: str, at: Decimal) -> None:
        issue = self.issued.get((org_id, customer_id, badge_id))
        if not issue or not issue.active or issue.issued_id != issued_id:
            raise NotActive(issued_id)
        self.issued[(org_id, customer_id, badge_id)] = replace(issue, active=False, revoked_on=at)
        self._count(self.badge_store.badges[(org_id, badge_id)], issued=-1)

    def earned(self, org_id: int, customer_id: int, badge_id: str | None = None) -> list[EarnRecord]:
        prefix = f"EARN#{badge_id}#" if badge_id else "EARN#"
        found = self.earns.get((org_id, customer_id), {})
        return [found[sk] for sk in sorted(found) if sk.startswith(prefix)]

    def issues(self, org_id: int, customer_id: int) -> list[IssueRecord]:
        return [issue for (org, customer, _), issue in sorted(self.issued.items())
                if (org, customer) == (org_id, customer_id)]

    def revoke(self, org_id: int, earned: EarnRecord, at: Decimal, badge: Badge) -> None:
        held = self.earns.get((org_id, earned.customer_id), {})
        sk = f"EARN#{badge.id}#{earned.earned_id}"
        if sk not in held or not held[sk].active:
            raise NotActive(earned.earned_id)
        if self._stale(badge):
            raise StaleWrite(badge.id)
        held[sk] = replace(held[sk], active=False, revoked_on=at)
        for counted in held[sk].counters:
            for attribute in counted.adds:
                self.counters[(counted.pk, counted.sk)][attribute] -= 1
        self._count(badge, earned=-1)

    def customer_counters(self, org_id: int, customer_id: int,
                          keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict]:
        return {(badge_id, sk): self._item(pk, sk) for badge_id, sk in keys
                if (pk := self._customer_pk(org_id, customer_id, badge_id), sk) in self.counters}

    def badge_counters(self, org_id: int, badge_id: str, sks: list[str]) -> dict[str, dict[str, int]]:
        pk = self._badge_pk(org_id, badge_id)
        return {sk: dict(self.counters[(pk, sk)]) for sk in sks if (pk, sk) in self.counters}

    def badges(self, org_id: int, badge_ids: list[str]) -> dict[str, Badge]:
        return {bid: badge for bid in badge_ids if (badge := self.badge_store.badges.get((org_id, bid)))}


class FakeClock:
    """The retry layer's clock, with sleeps that pass at once: time moves only by what was slept."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        """Time passes without anyone sleeping (the local DynamoDB's holds and token windows run out)."""
        self.now += seconds
