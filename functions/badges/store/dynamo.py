"""The DynamoDB adapter: translates between stored items and the domain, and enforces uniqueness by conditions."""
from __future__ import annotations

import json
from dataclasses import asdict
from decimal import Decimal
from functools import cache
from typing import Any

from badges.config import settings
from badges.domain.badges import Badge, BadgeDefinition, Claim
from badges.domain.claims import MAX_CLAIMS
from badges.domain.custom_fields import CustomField, CustomFieldRegistry
from badges.domain.errors import BadgeNameTaken, BadgesError, Err, GroupNameTaken, GroupNotFound, ServiceUnavailable
from badges.domain.groups import Group
from badges.domain.org_meta import OrgMeta, TagDefinition
from badges.domain.paging import PageRequest
from badges.store.changes import ShardWalk
from badges.store.items import (
    BADGE_PREFIX,
    Refused,
    badge_key,
    dynamodb_client,
    from_item,
    get_many,
    org_key,
    to_item,
    write_all,
)
from badges.store.listing import page_of, read_listing
from badges.store.pagination import PageTokens
from badges.store.ports import BadgeFilters, ClaimRefused, OrgMetaExists, Page, StaleWrite
from badges.store.retry import RetryingClient
from badges.store.tallies import SHARDS, TALLY_SK, tally_of, tally_pk

GROUP_PREFIX = "GROUP#"
BADGE_NUMBER_SK = "SEQ#BADGE"  # the org's badge counter, beside its badges
_MAX_PAGE_QUERIES = 8
_CLAIM_ATTEMPTS = 4  # a claim that meets another change of the badge reads it again
MAX_ID_LENGTH = 64  # longer is no id of ours, and could exceed DynamoDB's key size


def name_lock_key(org_id: int, kind: str, name: str) -> dict:
    """Where a name is reserved: one item per org, kind and exact (case-sensitive) name."""
    return to_item({"pk": org_key(org_id), "sk": f"NAME#{kind}#{name}"})


def take_name(table: str, org_id: int, kind: str, name: str, holder_id: str) -> dict:
    """A transaction item that reserves the name for `holder_id`, failing if anyone holds it."""
    item = {**name_lock_key(org_id, kind, name), **to_item({"holderId": holder_id})}
    return {"Put": {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}


def release_name(table: str, org_id: int, kind: str, name: str, holder_id: str) -> dict:
    """A transaction item that frees the name, only if `holder_id` holds it."""
    return {"Delete": {"TableName": table, "Key": name_lock_key(org_id, kind, name),
                       "ConditionExpression": "holderId = :holder",
                       "ExpressionAttributeValues": to_item({":holder": holder_id})}}


def query_page(client: RetryingClient, table: str, org_id: int, prefix: str, limit: int, after: str | None,
               **filters: Any) -> tuple[list[dict], str | None]:
    """Up to `limit` matching items of the org whose sort key starts with `prefix`, from the sort key `after` on,
    and the sort key to resume after (None at the end).

    With a filter, DynamoDB counts items it read, not those that matched, so it asks again for the rest,
    at most a few times; a short page that leads on is possible, an empty page is never the last but for `None`.
    """
    query: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
        **filters,
    }
    query["ExpressionAttributeValues"] = {**to_item({":pk": org_key(org_id), ":prefix": prefix}),
                                          **filters.get("ExpressionAttributeValues", {})}
    start = {"pk": org_key(org_id), "sk": after} if after else None
    items: list[dict] = []
    for _ in range(_MAX_PAGE_QUERIES):
        if start:
            query["ExclusiveStartKey"] = to_item(start)
        query["Limit"] = limit - len(items)
        response = client.query(**query)
        items += response["Items"]
        last = response.get("LastEvaluatedKey")
        start = {"pk": last["pk"]["S"], "sk": last["sk"]["S"]} if last else None
        if start is None or len(items) >= limit:
            break
    return items, start["sk"] if start else None


class DynamoGroupStore:
    """Groups in the badges table: pk ORG#<org>, sk GROUP#<id>; the name lock at sk NAME#GROUP#<name>."""

    def __init__(self, client: RetryingClient, table_name: str, tokens: PageTokens | None = None):
        self._client = client
        self._table = table_name
        self._tokens = tokens or PageTokens()

    def _group_key(self, org_id: int, group_id: str) -> dict:
        return to_item({"pk": org_key(org_id), "sk": GROUP_PREFIX + group_id})

    def _name_lock(self, group: Group) -> dict:
        return take_name(self._table, group.org_id, "GROUP", group.name, group.id)

    def _group_item(self, group: Group) -> dict:
        return to_item({
            "pk": org_key(group.org_id), "sk": GROUP_PREFIX + group.id, "kind": "group",
            "id": group.id, "orgId": group.org_id, "name": group.name, "rank": group.rank,
            "isActive": group.is_active, "createdBy": group.created_by, "createdOn": group.created_on,
            "lastUpdatedBy": group.last_updated_by, "lastUpdatedOn": group.last_updated_on,
            "version": group.version,
        })

    @staticmethod
    def _group_of(item: dict) -> Group:
        data = from_item(item)
        return Group(
            id=data["id"], org_id=int(data["orgId"]), name=data["name"], rank=int(data["rank"]),
            is_active=bool(data["isActive"]), created_by=int(data["createdBy"]),
            created_on=Decimal(data["createdOn"]), last_updated_by=int(data["lastUpdatedBy"]),
            last_updated_on=Decimal(data["lastUpdatedOn"]), version=int(data["version"]),
        )

    def add_group(self, group: Group) -> None:
        """Insert the group and reserve its name in one transaction; never overwrites either."""
        put_group = {"Put": {"TableName": self._table, "Item": self._group_item(group),
                             "ConditionExpression": "attribute_not_exists(pk)"}}
        try:
            write_all(self._client, [self._name_lock(group), put_group])
        except Refused as refused:
            if refused.failed(0):
                raise GroupNameTaken(group.name) from refused
            raise StaleWrite(group.id) from refused  # an id collision: practically never

    def get_group(self, org_id: int, group_id: str) -> Group | None:
        if len(group_id) > MAX_ID_LENGTH:
            return None
        response = self._client.get_item(TableName=self._table, Key=self._group_key(org_id, group_id))
        return self._group_of(response["Item"]) if "Item" in response else None

    def replace_group(self, old: Group, new: Group) -> None:
        """Overwrite the group only at the version read; a rename releases the old name and takes the new one
        in the same transaction, so a name is never held twice nor lost."""
        put_group = {"Put": {
            "TableName": self._table, "Item": self._group_item(new),
            "ConditionExpression": "#version = :read",
            "ExpressionAttributeNames": {"#version": "version"},
            "ExpressionAttributeValues": to_item({":read": old.version}),
        }}
        items = [put_group]
        if new.name != old.name:
            items += [release_name(self._table, old.org_id, "GROUP", old.name, old.id), self._name_lock(new)]
        try:
            write_all(self._client, items)
        except Refused as refused:
            if len(items) == 3 and refused.failed(2) and not refused.failed(0):
                raise GroupNameTaken(new.name) from refused
            raise StaleWrite(new.id) from refused

    def list_groups(self, org_id: int, request: PageRequest) -> Page[Group]:
        """The page of the org's groups the request asks for; its token opens only for this org, this size and
        this order, for a day. Reads at most MAX_OFFSET_ITEMS groups (see store.listing)."""
        query = {"list": "groups", **request.query()}
        after = self._tokens.open(request.token, org_id, query, GROUP_PREFIX) if request.token else None
        read = read_listing(self._client, _listing_query(self._table, org_id, GROUP_PREFIX), org_key(org_id),
                            request.order == "ASC", after, want=request.size if request.token else None)
        page = page_of(read, request)
        return Page(items=[self._group_of(item) for item in page.items],
                    next_token=self._tokens.seal(org_id, query, page.next_after) if page.next_after else None,
                    page=page.page, size=request.size, total=page.total, total_pages=page.total_pages)

    def group_names(self, org_id: int, group_ids: list[str]) -> dict[str, str]:
        """Each of these groups' name, for those of the org that exist."""
        keys = [self._group_key(org_id, gid) for gid in dict.fromkeys(group_ids) if len(gid) <= MAX_ID_LENGTH]
        return {item["id"]["S"]: item["name"]["S"]
                for item in get_many(self._client, self._table, keys, consistent=False)}


@cache
def group_store() -> DynamoGroupStore:
    return DynamoGroupStore(dynamodb_client(), settings().table("badges"))


class DynamoBadgeStore:
    """Badges in the badges table: pk ORG#<org>, sk BADGE#<id>, the name lock at sk NAME#BADGE#<name>.

    The definition is one JSON attribute; the attributes GET /badgeMeta filters on stand beside it, and the
    counters earns will add to are top-level numbers that a definition update never writes.
    """

    def __init__(self, client: RetryingClient, table_name: str, tokens: PageTokens | None = None):
        self._client = client
        self._table = table_name
        self._tokens = tokens or PageTokens()
        self._walk = ShardWalk(client, table_name)

    def _group_exists(self, badge: Badge) -> list[dict]:
        group_id = badge.definition.badgeGroupId
        if group_id is None:
            return []
        key = to_item({"pk": org_key(badge.orgId), "sk": GROUP_PREFIX + group_id})
        return [{"ConditionCheck": {"TableName": self._table, "Key": key,
                                    "ConditionExpression": "attribute_exists(pk)"}}]

    @staticmethod
    def _definition_attributes(badge: Badge) -> dict[str, Any]:
        d = badge.definition
        return {
            "name": d.name, "nameLower": d.name.lower(), "earnType": d.earnType.value,
            "owners": d.restrictedToOwners, "groupId": d.badgeGroupId, "startOn": d.startOn,
            "expiresOn": d.expiresOn, "active": d.active, "lastUpdatedBy": badge.lastUpdatedBy,
            "lastUpdatedOn": badge.lastUpdatedOn, "version": badge.version, "told": badge.told,
            "rebalance": badge.rebalancing or None, "excess": None,
            "doc": json.dumps({"definition": d.model_dump(mode="json")}, separators=(",", ":"),
                              ensure_ascii=False),
        }

    @staticmethod
    def _badge_of(item: dict, counts: tuple[int, int] = (0, 0)) -> Badge:
        """The badge an item holds, with its (earned, issued) counts as summed from its tallies."""
        data = from_item(item)
        doc = json.loads(data["doc"])
        return Badge(
            id=data["id"], orgId=int(data["orgId"]), definition=BadgeDefinition.model_validate(doc["definition"]),
            claims=[Claim.model_validate(c) for _, c in sorted(data.get("claims", {}).items())],
            earnedCount=counts[0], issuedCount=counts[1], createdBy=int(data["createdBy"]),
            createdOn=Decimal(data["createdOn"]), lastUpdatedBy=int(data["lastUpdatedBy"]),
            lastUpdatedOn=Decimal(data["lastUpdatedOn"]), version=int(data["version"]),
            numericId=int(data["numericId"]) if "numericId" in data else None,
            told=int(data["told"]) if "told" in data else None, rebalancing=bool(data.get("rebalance")),
            excess=sorted(data.get("excess", [])), finishing=data.get("finishing"),
        )

    def next_badge_number(self, org_id: int) -> int:
        """The org's badge counter, one up: an atomic ADD, so no two badges get one number. Only creates write it,
        so it is no hot item."""
        response = self._client.update_item(
            TableName=self._table, Key=to_item({"pk": org_key(org_id), "sk": BADGE_NUMBER_SK}),
            UpdateExpression="ADD #n :one", ExpressionAttributeNames={"#n": "n"},
            ExpressionAttributeValues=to_item({":one": 1}), ReturnValues="UPDATED_NEW")
        return int(response["Attributes"]["n"]["N"])

    def add_badge(self, badge: Badge) -> None:
        """Insert the badge, reserve its name and check its group, all in one transaction."""
        item = {**badge_key(badge.orgId, badge.id), **to_item({
            "kind": "badge", "id": badge.id, "orgId": badge.orgId, "numericId": badge.numericId,
            "createdBy": badge.createdBy,
            "createdOn": badge.createdOn, "claims": {},
            **self._definition_attributes(badge),
        })}
        items = [take_name(self._table, badge.orgId, "BADGE", badge.definition.name, badge.id),
                 {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}},
                 *self._group_exists(badge)]
        try:
            write_all(self._client, items)
        except Refused as refused:
            if refused.failed(0):
                raise BadgeNameTaken(badge.definition.name) from refused
            if len(items) == 3 and refused.failed(2):
                raise GroupNotFound(badge.definition.badgeGroupId, reference="badgeGroupId") from refused
            raise StaleWrite(badge.id) from refused

    def get_badge(self, org_id: int, badge_id: str, counted: bool = True) -> Badge | None:
        """The badge as last written (a strongly consistent read: an earn right after a claim sees the claim),
        with its counts unless `counted` is False (an earn needs the definition only)."""
        if len(badge_id) > MAX_ID_LENGTH:
            return None
        response = self._client.get_item(TableName=self._table, Key=badge_key(org_id, badge_id), ConsistentRead=True)
        if "Item" not in response:
            return None
        counts = self.counts(org_id, [badge_id]) if counted else {}
        return self._badge_of(response["Item"], counts.get(badge_id, (0, 0)))

    def many(self, org_id: int, badge_ids: list[str]) -> list[Badge]:
        """The org's badges with these ids that exist, without their counts."""
        items = get_many(self._client, self._table, [badge_key(org_id, bid) for bid in badge_ids], consistent=False)
        return [self._badge_of(item) for item in items]

    def _counted(self, org_id: int, items: list[dict]) -> list[Badge]:
        counts = self.counts(org_id, [item["id"]["S"] for item in items])
        return [self._badge_of(item, counts[item["id"]["S"]]) for item in items]

    def counts(self, org_id: int, badge_ids: list[str]) -> dict[str, tuple[int, int]]:
        """Each badge's (earned, issued): the sums over its tally shards, read strongly consistent."""
        keys = [to_item({"pk": tally_pk(org_key(org_id), bid, shard), "sk": TALLY_SK})
                for bid in badge_ids for shard in range(SHARDS)]
        counts = {bid: [0, 0] for bid in badge_ids}
        for item in get_many(self._client, self._table, keys):
            badge_id, _ = tally_of(item["pk"]["S"])
            counts[badge_id][0] += int(item.get("earned", {}).get("N", 0))
            counts[badge_id][1] += int(item.get("issued", {}).get("N", 0))
        return {bid: (earned, issued) for bid, (earned, issued) in counts.items()}

    def _tell_tallies(self, org_id: int, badge_id: str, version: int) -> list[dict]:
        """Transaction items that give every tally shard the badge's new version, only while the badge has no
        earns (a change to what its counters mean may not meet counted earns)."""
        names, values = {"#version": "version", "#earned": "earned"}, {":version": version, ":zero": 0}
        return [{"Update": {"TableName": self._table,
                            "Key": to_item({"pk": tally_pk(org_key(org_id), badge_id, shard), "sk": TALLY_SK}),
                            "UpdateExpression": "SET #version = :version", "ExpressionAttributeNames": names,
                            "ExpressionAttributeValues": to_item(values),
                            "ConditionExpression": "attribute_not_exists(#earned) OR #earned = :zero"}}
                for shard in range(SHARDS)]

    def name_taken(self, org_id: int, name: str, by_other_than: str | None = None) -> bool:
        response = self._client.get_item(TableName=self._table, Key=name_lock_key(org_id, "BADGE", name))
        return "Item" in response and response["Item"]["holderId"]["S"] != by_other_than

    def replace_badge(self, old: Badge, new: Badge, uncounted: bool = False) -> None:
        """Update the definition at the version read (StaleWrite otherwise), never the counters; a rename moves
        the name reservation and a group is checked in the same transaction; then every tally shard is told the
        new version, one by one (store.changes). `uncounted`: only while the badge has no earns (StaleWrite
        otherwise), and then the shards are told in the same transaction, which checks that."""
        attributes = self._definition_attributes(new)
        present = {k: v for k, v in attributes.items() if v is not None}
        names = {f"#a{i}": key for i, key in enumerate(attributes)}
        values = {f":v{i}": value for i, value in enumerate(present.values())}
        by_name = {key: alias for alias, key in names.items()}
        sets = [f"{by_name[key]} = :v{i}" for i, key in enumerate(present)]
        removes = [by_name[key] for key in attributes if key not in present]
        update = {"Update": {
            "TableName": self._table, "Key": badge_key(old.orgId, old.id),
            "UpdateExpression": "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else ""),
            "ConditionExpression": f"{by_name['version']} = :read",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_item({**values, ":read": old.version}),
        }}
        renamed = new.definition.name != old.definition.name
        items = [update]
        if renamed:
            items += [release_name(self._table, old.orgId, "BADGE", old.definition.name, old.id),
                      take_name(self._table, new.orgId, "BADGE", new.definition.name, new.id)]
        items += self._group_exists(new)
        group_at = len(items) - 1
        if uncounted:
            items += self._tell_tallies(new.orgId, new.id, new.version)
        try:
            write_all(self._client, items)
        except Refused as refused:
            if refused.failed(0):
                raise StaleWrite(new.id) from refused
            if renamed and refused.failed(2):
                raise BadgeNameTaken(new.definition.name) from refused
            if new.definition.badgeGroupId and refused.failed(group_at):
                raise GroupNotFound(new.definition.badgeGroupId, reference="badgeGroupId") from refused
            raise StaleWrite(new.id) from refused
        if not uncounted:
            self._walk.finish(new)

    def finish_stalled(self, badge: Badge, now: Decimal) -> None:
        self._walk.finish_stalled(badge, now)

    def set_claim(self, org_id: int, badge_id: str, claim: Claim) -> None:
        """Record the owner's claim as active (claiming) or not (giving it up) and bump the badge's version, so
        that an update that read the claims before is stale; then tell the tallies (store.changes), so that every
        earn after sees the claim. Refused with the badge as it was when a condition fails: a claim needs its
        owner among restrictedToOwners and no active claim of its own; an unclaim needs one."""
        key = f"{claim.ownerType}#{claim.referenceId}"
        names = {"#claims": "claims", "#key": key, "#version": "version", "#told": "told"}
        values: dict[str, Any] = {":claim": claim.model_dump(), ":true": True}
        if claim.isActive:
            condition = ("contains(owners, :owner) AND "
                         "(attribute_not_exists(#claims.#key) OR #claims.#key.isActive <> :true)")
            values[":owner"] = claim.ownerType
        else:
            condition = "#claims.#key.isActive = :true"
        for _ in range(_CLAIM_ATTEMPTS):
            current = self.get_badge(org_id, badge_id, counted=False)
            if current is None:
                raise ClaimRefused(None)
            known = {(c.ownerType, c.referenceId) for c in current.claims}
            if claim.isActive and (claim.ownerType, claim.referenceId) not in known and len(known) >= MAX_CLAIMS:
                # the version condition below makes this exact: a claim added since fails it and is read again
                raise BadgesError(Err.INVALID_VALUE, "referenceId", f"Invalid value: a badge keeps at most "
                                                                    f"{MAX_CLAIMS} owner references")
            update = {"Update": {
                "TableName": self._table, "Key": badge_key(org_id, badge_id),
                "UpdateExpression": "SET #claims.#key = :claim, #version = :next, #told = :told",
                "ConditionExpression": f"#version = :read AND {condition}", "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": to_item({**values, ":read": current.version,
                                                      ":next": current.version + 1, ":told": current.told_version})}}
            try:
                write_all(self._client, [update])
            except Refused as refused:
                after = self.get_badge(org_id, badge_id, counted=False)
                if after is not None and not after.walked:
                    self._walk.finish(after)  # a change that stopped half-way, maybe this very claim tried before
                if after is None or after.version == current.version:
                    raise ClaimRefused(after) from refused
                continue
            self._walk.finish(current.model_copy(update={"version": current.version + 1}))
            return
        raise ServiceUnavailable()

    def list_badges(self, org_id: int, filters: BadgeFilters, now: Decimal, request: PageRequest,
                    counted: bool = True) -> Page[Badge]:
        """The page of the org's matching badges the request asks for; its token opens only for this org, these
        filters and this size, order and sort, for a day. Reads at most MAX_OFFSET_ITEMS badges' keys and the
        attributes they sort and filter on (see store.listing), then the page's badges by key."""
        query = {"list": "badges", **request.query(), **asdict(filters)}
        after = self._tokens.open(request.token, org_id, query, BADGE_PREFIX) if request.token else None
        listing = {**_listing_query(self._table, org_id, BADGE_PREFIX, _badge_filter(filters, now)),
                   "ProjectionExpression": "pk, sk, id, #n, startOn, claims"}
        listing["ExpressionAttributeNames"] = {**listing.get("ExpressionAttributeNames", {}), "#n": "name"}
        read = read_listing(self._client, listing, org_key(org_id), request.order == "ASC" or request.sort_on != "ID",
                            after, want=request.size if request.token else None, keep=_claims_filter(filters))
        sort_key = {"NAME": lambda item: item["name"]["S"],
                    "START_DATE": lambda item: Decimal(item["startOn"]["N"])}.get(request.sort_on)
        page = page_of(read, request, sort_key)
        ids = [item["id"]["S"] for item in page.items]
        found = {item["id"]["S"]: item for item in
                 get_many(self._client, self._table, [badge_key(org_id, bid) for bid in ids], consistent=False)}
        items = [found[bid] for bid in ids if bid in found]  # one deleted since its key was read is left out
        badges = self._counted(org_id, items) if counted else [self._badge_of(item) for item in items]
        return Page(items=badges,
                    next_token=self._tokens.seal(org_id, query, page.next_after) if page.next_after else None,
                    page=page.page, size=request.size, total=page.total, total_pages=page.total_pages)

    def all_badges(self, org_id: int, filters: BadgeFilters, now: Decimal) -> list[Badge]:
        """Every matching badge of the org, without counts: the pages are walked here, so no token is made."""
        found, after = [], None
        while True:
            items, after = query_page(self._client, self._table, org_id, BADGE_PREFIX, _WALK_PAGE, after,
                                      **_badge_filter(filters, now))
            found += [self._badge_of(item) for item in items]
            if after is None:
                return found


def _listing_query(table: str, org_id: int, prefix: str, expression: dict | None = None) -> dict:
    """A Query of the org's items whose sort key starts with `prefix`, with a filter expression if given."""
    expression = expression or {}
    return {"TableName": table, "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)", **expression,
            "ExpressionAttributeValues": {**to_item({":pk": org_key(org_id), ":prefix": prefix}),
                                          **expression.get("ExpressionAttributeValues", {})}}


def _claims_filter(filters: BadgeFilters):
    """`claimedBy` and `unclaimed`, read from the claims map (whose keys are owner#reference) of each item."""
    def keep(item: dict) -> bool:
        claimed = {c["M"]["ownerType"]["S"] for c in item.get("claims", {}).get("M", {}).values()
                   if c["M"].get("isActive", {}).get("BOOL")}
        return ((not filters.claimed_by or filters.claimed_by in claimed)
                and (not filters.unclaimed or not claimed))
    return keep


def _badge_filter(filters: BadgeFilters, now: Decimal) -> dict:
    """The FilterExpression and its values for GET /badgeMeta's filters; nothing for none."""
    conditions, values = [], {}
    statuses = filters.statuses or ((filters.status,) if filters.status else ())
    if statuses:
        alternatives = [_STATUS_CONDITIONS[s] for s in dict.fromkeys(statuses)]
        # DynamoDB refuses redundant parentheses: only several statuses are grouped
        conditions.append(alternatives[0] if len(alternatives) == 1 else
                          "(" + " OR ".join(f"({a})" for a in alternatives) + ")")
        values[":now"] = now
    if filters.active is not None:
        conditions.append("#active = :active")
        values[":active"] = filters.active
    if filters.starts_from is not None:
        conditions.append("startOn >= :startsFrom")
        values[":startsFrom"] = filters.starts_from
    if filters.expires_by is not None:
        conditions.append("expiresOn <= :expiresBy")
        values[":expiresBy"] = filters.expires_by
    if filters.earn_type:
        conditions.append("earnType = :earnType")
        values[":earnType"] = filters.earn_type
    if filters.owner:
        conditions.append("contains(owners, :owner)")
        values[":owner"] = filters.owner
    if filters.group_id:
        conditions.append("groupId = :groupId")
        values[":groupId"] = filters.group_id
    if filters.name:
        conditions.append("contains(nameLower, :name)")
        values[":name"] = filters.name.lower()
    if not conditions:
        return {}
    expression = {"FilterExpression": " AND ".join(conditions), "ExpressionAttributeValues": to_item(values)}
    if filters.active is not None:
        expression["ExpressionAttributeNames"] = {"#active": "active"}
    return expression


_WALK_PAGE = 100  # badges a query of all_badges asks for
_STATUS_CONDITIONS = {
    "UPCOMING": "startOn > :now",
    "LIVE": "startOn <= :now AND expiresOn > :now",
    "EXPIRED": "expiresOn <= :now",
}


@cache
def badge_store() -> DynamoBadgeStore:
    return DynamoBadgeStore(dynamodb_client(), settings().table("badges"))


CUSTOM_FIELDS_SK = "CUSTOMFIELDS"
ORG_META_SK = "ORGMETA"


def _versioned_put(table: str, item: dict, read_version: int) -> dict:
    """A put that succeeds only over the version read (0: only where nothing is stored)."""
    if read_version == 0:
        return {"Put": {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}
    return {"Put": {"TableName": table, "Item": item, "ConditionExpression": "#version = :read",
                    "ExpressionAttributeNames": {"#version": "version"},
                    "ExpressionAttributeValues": to_item({":read": read_version})}}


class DynamoCustomFieldStore:
    """An org's custom field definitions as one item, pk ORG#<org>, sk CUSTOMFIELDS: at most
    MAX_ORG_CUSTOM_FIELDS of at most ~500 bytes each. Every write is conditioned on the version read, so names stay
    unique among active fields and the bounds hold under any concurrency; a badge reads them with one GetItem."""

    def __init__(self, client: RetryingClient, table_name: str):
        self._client = client
        self._table = table_name

    def registry(self, org_id: int) -> CustomFieldRegistry:
        response = self._client.get_item(TableName=self._table, ConsistentRead=True,
                                         Key=to_item({"pk": org_key(org_id), "sk": CUSTOM_FIELDS_SK}))
        if "Item" not in response:
            return CustomFieldRegistry(org_id=org_id)
        data = from_item(response["Item"])
        fields = tuple(CustomField.of_record(org_id, record) for record in json.loads(data["doc"]))
        return CustomFieldRegistry(org_id=org_id, fields=fields, version=int(data["version"]))

    def save_registry(self, old: CustomFieldRegistry, new: CustomFieldRegistry) -> None:
        item = to_item({"pk": org_key(new.org_id), "sk": CUSTOM_FIELDS_SK, "kind": "customFields",
                        "version": old.version + 1,
                        "doc": json.dumps([f.as_record() for f in new.fields], separators=(",", ":"),
                                          ensure_ascii=False)})
        try:
            write_all(self._client, [_versioned_put(self._table, item, old.version)])
        except Refused as refused:
            raise StaleWrite(str(new.org_id)) from refused


@cache
def custom_field_store() -> DynamoCustomFieldStore:
    return DynamoCustomFieldStore(dynamodb_client(), settings().table("badges"))


class DynamoOrgMetaStore:
    """The org's meta as one item, pk ORG#<org>, sk ORGMETA: at most MAX_TAGS tags of under 1 KB each."""

    def __init__(self, client: RetryingClient, table_name: str):
        self._client = client
        self._table = table_name

    def get_org_meta(self, org_id: int) -> OrgMeta | None:
        response = self._client.get_item(TableName=self._table, ConsistentRead=True,
                                         Key=to_item({"pk": org_key(org_id), "sk": ORG_META_SK}))
        if "Item" not in response:
            return None
        data = from_item(response["Item"])
        return OrgMeta(org_id=org_id, tags=tuple(TagDefinition.model_validate(t) for t in json.loads(data["tags"])),
                       created_by=int(data["createdBy"]), created_on=Decimal(data["createdOn"]),
                       last_updated_by=int(data["lastUpdatedBy"]), last_updated_on=Decimal(data["lastUpdatedOn"]),
                       version=int(data["version"]))

    def _item(self, meta: OrgMeta) -> dict:
        return to_item({"pk": org_key(meta.org_id), "sk": ORG_META_SK, "kind": "orgMeta",
                        "tags": json.dumps([t.model_dump() for t in meta.tags], separators=(",", ":"),
                                           ensure_ascii=False),
                        "createdBy": meta.created_by, "createdOn": meta.created_on,
                        "lastUpdatedBy": meta.last_updated_by, "lastUpdatedOn": meta.last_updated_on,
                        "version": meta.version})

    def add_org_meta(self, meta: OrgMeta) -> None:
        try:
            write_all(self._client, [_versioned_put(self._table, self._item(meta), 0)])
        except Refused as refused:
            raise OrgMetaExists() from refused

    def replace_org_meta(self, old: OrgMeta, new: OrgMeta) -> None:
        try:
            write_all(self._client, [_versioned_put(self._table, self._item(new), old.version)])
        except Refused as refused:
            raise StaleWrite(str(new.org_id)) from refused


@cache
def org_meta_store() -> DynamoOrgMetaStore:
    return DynamoOrgMetaStore(dynamodb_client(), settings().table("badges"))
