"""In-memory fakes of the storage ports, with the same guarantees the DynamoDB adapter gives, and of a clock."""
from __future__ import annotations

from dataclasses import asdict

from badges.domain.badges import Badge
from badges.domain.errors import BadgeNameTaken, GroupNameTaken, GroupNotFound
from badges.domain.groups import Group
from badges.domain.paging import MAX_OFFSET_ITEMS, PageRequest, total_pages
from badges.store.pagination import PageTokens
from badges.store.ports import BadgeFilters, Page, StaleWrite


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
