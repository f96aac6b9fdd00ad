"""How a change of a badge's definition reaches its 64 tally shards while the badge is being earned.

A change (update, activate, deactivate, claim, unclaim) first writes the badge's item at the version it read: that
write decides the change. It then WALKS the shards: each is told the new version by one single-item conditional
UpdateItem (1 write unit), which meets only the earns of that shard, never a transaction over all 64 that any earn
in flight cancels (developer guide: "Transaction conflict handling in DynamoDB"; a plain write that meets a
transaction in flight gets TransactionConflictException and is retried on its own). The 64 steps run side by
side.

Every earn and issue is conditioned on its shard holding a version no newer than the one it was planned on, and
tells the shard its version (store.earning). So, half-way through a walk:
- an earn planned on the old definition still counts on a shard not yet told, under the old limits, and is
  turned back (read the badge again) on a shard told;
- an earn planned on the new definition counts under the new limits, telling its shard on the way;
and once the walk is done no shard takes an earn planned on the old definition: every earn sent after the
change answered sees it.

A lowered badge-wide limit needs more: each shard's quota is its part of the limit (store.tallies), and the counts
a shard took under the old limit can exceed its part of the new one. Such a change sets the badge's `rebalance`
flag with the definition; earns read it and wait. After the walk no earn of the old definition can land, so the
counts stand still (revokes only lower them) and are RE-SPREAD: per counter item, one transaction moves units
from shards above their new quota to shards below it (every sum unchanged), conditioned on the counts read and on
the badge still being at this version. Then every shard is within its quota (the shards together within the
new limit), or, when more was earned than the new limit, every shard is at its quota: no room anywhere, and the
counter's family is recorded as `excess` on the badge so that revokes pay the excess off before they free room
(store.earning). Clearing the flag (at this version) lets earns resume.
"""
from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from decimal import Decimal
from typing import Any

from badges.domain.badges import Badge
from badges.domain.errors import ServiceUnavailable
from badges.domain.limits import Family, badge_families
from badges.store.items import (
    Refused,
    badge_key,
    from_item,
    get_many,
    org_key,
    query_prefix,
    side_by_side,
    to_item,
    write_named,
)
from badges.store.retry import RetryingClient
from badges.store.tallies import NOT_COUNTS, SHARDS, TALLY_SK, moves, tally_of, tally_pk

# Shards told side by side: all of them, so a change takes about one write's time even when every call waits in
# line behind earns (the client keeps as many connections: items.POOL).
_STEPS_AT_ONCE = SHARDS
_RESPREAD_ATTEMPTS = 8  # a revoke that lands between our read and our move makes us read that item again
# How long the caller that takes over a stalled change holds it: a function's whole run (infra.functions.TIMEOUT).
FINISH_LEASE = 10


def family_key(family: Family) -> str:
    """How a family is named in the badge's `excess`: its sort key prefix, or the tally's for the fixed value."""
    return family.prefix or TALLY_SK


def counted(family: Family, item: dict) -> list[str]:
    """The attributes of one of the family's items that count earns under its limit."""
    if family.prefix is None:
        return ["earned"]
    return [name for name, value in item.items()
            if isinstance(value, int | Decimal) and not isinstance(value, bool) and name not in NOT_COUNTS]


class ShardWalk:
    """Tells a badge's shards a new version and, for a lowered limit, spreads their counts again."""

    def __init__(self, client: RetryingClient, table: str):
        self._client = client
        self._table = table

    def finish(self, badge: Badge) -> None:
        """Walk the shards to `badge`'s version, re-spread if the badge is flagged, then record the version as told
        and clear the flag, at this version (a newer change carries the flag on, and its own walk does the work)."""
        self.tell(badge.orgId, badge.id, badge.version)
        excess = self.respread(badge) if badge.rebalancing else set()
        if excess is None:
            return  # a newer change was written: its walk re-spreads
        names = {"#version": "version", "#told": "told", "#rebalance": "rebalance", "#finishing": "finishing"}
        values: dict[str, Any] = {":version": badge.version}
        update = "SET #told = :version REMOVE #rebalance, #finishing"
        if excess:
            update = "SET #told = :version, #excess = :excess REMOVE #rebalance, #finishing"
            names["#excess"], values[":excess"] = "excess", sorted(excess)
        try:
            write_named(self._client, [("badge", {"Update": {
                "TableName": self._table, "Key": badge_key(badge.orgId, badge.id), "UpdateExpression": update,
                "ConditionExpression": "#version = :version", "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": to_item(values)}})])
        except Refused:
            return  # a newer change was written meanwhile and carries the flag

    def finish_stalled(self, badge: Badge, now: Decimal) -> None:
        """Take over a change that stopped half-way (its function timed out) with the badge still flagged: the
        caller that writes a lease (`finishing`, until `now` + FINISH_LEASE) on the badge's item, at its version,
        walks it to the end; others keep waiting. Refused once the change is finished, or while a lease holds."""
        try:
            write_named(self._client, [("badge", {"Update": {
                "TableName": self._table, "Key": badge_key(badge.orgId, badge.id),
                "UpdateExpression": "SET #finishing = :until",
                "ConditionExpression": "#version = :version AND attribute_exists(#rebalance) AND "
                                       "(attribute_not_exists(#finishing) OR #finishing < :now)",
                "ExpressionAttributeNames": {"#version": "version", "#rebalance": "rebalance",
                                             "#finishing": "finishing"},
                "ExpressionAttributeValues": to_item({":version": badge.version, ":now": now,
                                                      ":until": now + FINISH_LEASE})}})])
        except Refused:
            return
        self.finish(badge)

    def tell(self, org_id: int, badge_id: str, version: int) -> None:
        """Every shard holds `version` or a newer one: one conditional UpdateItem a shard, all side by side."""
        def step(shard: int) -> None:
            # refused: an earn planned on this version, or a later change, told the shard already
            with suppress(Refused):
                write_named(self._client, [("shard", {"Update": {
                    "TableName": self._table,
                    "Key": to_item({"pk": tally_pk(org_key(org_id), badge_id, shard), "sk": TALLY_SK}),
                    "UpdateExpression": "SET #version = :version",
                    "ConditionExpression": "attribute_not_exists(#version) OR #version < :version",
                    "ExpressionAttributeNames": {"#version": "version"},
                    "ExpressionAttributeValues": to_item({":version": version})}})])

        side_by_side(step, range(SHARDS), most=_STEPS_AT_ONCE)

    def respread(self, badge: Badge) -> set[str] | None:
        """Spread every badge-wide family's counts within the shards' quotas; the families left above their limit
        (None if the badge moved on to a newer version meanwhile)."""
        excess: set[str] = set()
        for family in badge_families(badge.definition):
            for sk, items in self._family_items(badge, family).items():
                over = self._respread_item(badge, family, sk, items)
                if over is None:
                    return None
                if over:
                    excess.add(family_key(family))
        return excess

    def _family_items(self, badge: Badge, family: Family) -> dict[str, dict[int, dict]]:
        """The family's items on every shard: sort key -> shard -> item."""
        org = org_key(badge.orgId)
        if family.prefix is None:
            keys = [to_item({"pk": tally_pk(org, badge.id, shard), "sk": TALLY_SK}) for shard in range(SHARDS)]
            return {TALLY_SK: _by_shard(map(from_item, get_many(self._client, self._table, keys)))}

        def shard_items(shard: int) -> list[dict]:
            return query_prefix(self._client, self._table, tally_pk(org, badge.id, shard), family.prefix,
                                consistent=True)

        by_sk: dict[str, dict[int, dict]] = {}
        for found in side_by_side(shard_items, range(SHARDS), most=_STEPS_AT_ONCE):
            for item in map(from_item, found):
                by_sk.setdefault(item["sk"], {})[tally_of(item["pk"])[1]] = item
        return by_sk

    def _respread_item(self, badge: Badge, family: Family, sk: str, items: dict[int, dict]) -> bool | None:
        """Move units of the item `sk` between shards until none is above its quota while another has room;
        whether the item's counts stand above the limit afterwards (None: the badge moved on)."""
        for _ in range(_RESPREAD_ATTEMPTS):
            attributes = sorted({name for item in items.values() for name in counted(family, item)})
            counts = {name: {shard: int(item.get(name, 0)) for shard, item in items.items()} for name in attributes}
            plan = {name: moves(by_shard, family.limit) for name, by_shard in counts.items()}
            over = any(sum(by_shard.values()) > family.limit for by_shard in counts.values())
            shards = sorted({shard for delta in plan.values() for shard in delta})
            if not shards:
                return over
            writes = [(f"shard#{shard}", self._move(badge, sk, shard, {name: (counts[name].get(shard, 0), delta[shard])
                                                    for name, delta in plan.items() if shard in delta}))
                      for shard in shards]
            check = {"ConditionCheck": {"TableName": self._table, "Key": badge_key(badge.orgId, badge.id),
                                        "ConditionExpression": "#version = :version",
                                        "ExpressionAttributeNames": {"#version": "version"},
                                        "ExpressionAttributeValues": to_item({":version": badge.version})}}
            try:
                write_named(self._client, [("badge", check), *writes])
                return over
            except Refused as refused:
                if refused.failed("badge"):
                    return None
            keys = [to_item({"pk": tally_pk(org_key(badge.orgId), badge.id, shard), "sk": sk})
                    for shard in range(SHARDS)]
            items = _by_shard(map(from_item, get_many(self._client, self._table, keys)))
        raise ServiceUnavailable()

    def _move(self, badge: Badge, sk: str, shard: int, changes: dict[str, tuple[int, int]]) -> dict[str, Any]:
        """Add each attribute's delta to the shard's item, if it still holds the count read."""
        names = {f"#a{i}": name for i, name in enumerate(changes)}
        values: dict[str, Any] = {}
        conditions, adds = [], []
        for i, (read, delta) in enumerate(changes.values()):
            values[f":r{i}"], values[f":d{i}"] = read, delta
            adds.append(f"#a{i} :d{i}")
            conditions.append(f"(#a{i} = :r{i} OR attribute_not_exists(#a{i}))" if read == 0 else f"#a{i} = :r{i}")
        return {"Update": {"TableName": self._table,
                           "Key": to_item({"pk": tally_pk(org_key(badge.orgId), badge.id, shard), "sk": sk}),
                           "UpdateExpression": "ADD " + ", ".join(adds),
                           "ConditionExpression": " AND ".join(conditions),
                           "ExpressionAttributeNames": names, "ExpressionAttributeValues": to_item(values)}}


def _by_shard(items: Iterable[dict]) -> dict[int, dict]:
    return {tally_of(item["pk"])[1]: item for item in items}
