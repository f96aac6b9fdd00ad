"""The DynamoDB adapter of badges, each with its name lock (keys: functions/badges/README.md, "Data layout")."""
from __future__ import annotations

import json
from dataclasses import asdict
from decimal import Decimal
from functools import cache
from typing import Any

from badges.config import settings
from badges.domain.badges import Badge, BadgeDefinition, Claim
from badges.domain.claims import MAX_CLAIMS
from badges.domain.errors import BadgeNameTaken, BadgesError, Err, GroupNotFound, ServiceUnavailable
from badges.domain.paging import PageRequest
from badges.store.changes import ShardWalk
from badges.store.items import (
    BADGE_PREFIX,
    MAX_ID_LENGTH,
    Refused,
    badge_key,
    dynamodb_client,
    from_item,
    get_many,
    group_key,
    org_key,
    to_item,
    write_named,
)
from badges.store.listing import listing_query, page_of, query_page, read_listing
from badges.store.names import name_lock_key, release_name, take_name
from badges.store.pagination import PageTokens
from badges.store.ports import BadgeFilters, ClaimRefused, Page, StaleWrite
from badges.store.retry import RetryingClient
from badges.store.tallies import SHARDS, TALLY_SK, tally_of, tally_pk

BADGE_NUMBER_SK = "SEQ#BADGE"  # the org's badge counter, beside its badges
_CLAIM_ATTEMPTS = 4  # a claim that meets another change of the badge reads it again


class DynamoBadgeStore:
    """Badges in the badges table, each with its name lock (keys: functions/badges/README.md, "Data layout").

    The definition is one JSON attribute; the attributes GET /badgeMeta filters on stand beside it, and the
    counters earns will add to are top-level numbers that a definition update never writes.
    """

    def __init__(self, client: RetryingClient, table_name: str, tokens: PageTokens | None = None):
        self._client = client
        self._table = table_name
        self._tokens = tokens or PageTokens()
        self._walk = ShardWalk(client, table_name)

    def _group_exists(self, badge: Badge) -> list[tuple[str, dict]]:
        group_id = badge.definition.badgeGroupId
        if group_id is None:
            return []
        return [("group", {"ConditionCheck": {"TableName": self._table, "Key": group_key(badge.orgId, group_id),
                                              "ConditionExpression": "attribute_exists(pk)"}})]

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
        items = [("name", take_name(self._table, badge.orgId, "BADGE", badge.definition.name, badge.id)),
                 ("badge", {"Put": {"TableName": self._table, "Item": item,
                                    "ConditionExpression": "attribute_not_exists(pk)"}}),
                 *self._group_exists(badge)]
        try:
            write_named(self._client, items)
        except Refused as refused:
            if refused.failed("name"):
                raise BadgeNameTaken(badge.definition.name) from refused
            if refused.failed("group"):
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

    def _tell_tallies(self, org_id: int, badge_id: str, version: int) -> list[tuple[str, dict]]:
        """Transaction items that give every tally shard the badge's new version, only while the badge has no
        earns (a change to what its counters mean may not meet counted earns)."""
        names, values = {"#version": "version", "#earned": "earned"}, {":version": version, ":zero": 0}
        return [(f"tally#{shard}", {"Update": {"TableName": self._table,
                            "Key": to_item({"pk": tally_pk(org_key(org_id), badge_id, shard), "sk": TALLY_SK}),
                            "UpdateExpression": "SET #version = :version", "ExpressionAttributeNames": names,
                            "ExpressionAttributeValues": to_item(values),
                            "ConditionExpression": "attribute_not_exists(#earned) OR #earned = :zero"}})
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
        items = [("badge", update)]
        if renamed:
            items += [("old_name", release_name(self._table, old.orgId, "BADGE", old.definition.name, old.id)),
                      ("new_name", take_name(self._table, new.orgId, "BADGE", new.definition.name, new.id))]
        items += self._group_exists(new)
        if uncounted:
            items += self._tell_tallies(new.orgId, new.id, new.version)
        try:
            write_named(self._client, items)
        except Refused as refused:
            if refused.failed("badge"):
                raise StaleWrite(new.id) from refused
            if refused.failed("new_name"):
                raise BadgeNameTaken(new.definition.name) from refused
            if refused.failed("group"):
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
                write_named(self._client, [("badge", update)])
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
        listing = {**listing_query(self._table, org_id, BADGE_PREFIX, _badge_filter(filters, now)),
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
                                      _badge_filter(filters, now))
            found += [self._badge_of(item) for item in items]
            if after is None:
                return found


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
