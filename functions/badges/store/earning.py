"""The DynamoDB side of earning: issues, earns and revokes, each one transaction whose conditions decide.

The items it writes (request records, earned badges, issues, a customer's counters, and the badge's tallies of
store.tallies) are laid out in functions/badges/README.md, "Data layout": the one description of the keys, checked
against the table by tests/integration/test_data_layout.py. The badge's own item is not written by an earn, an
issue or a revoke.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from cachetools import LRUCache

from badges.config import settings
from badges.domain.badges import Badge
from badges.domain.earning import EarnRecord, IssueRecord
from badges.domain.errors import RequestRepeated, ServiceUnavailable
from badges.domain.limits import Counted, Counter, Family, Limits, Scope, badge_families
from badges.store.badges import DynamoBadgeStore
from badges.store.changes import family_key
from badges.store.items import (
    MAX_ID_LENGTH,
    Refused,
    dynamodb_client,
    from_item,
    get_many,
    org_key,
    query_prefix,
    to_item,
    version_gate,
    write_named,
)
from badges.store.ports import EarnPlan, EarnRefused, IssueExists, NotActive, Refusal, RefusalKind, StaleWrite
from badges.store.retry import RetryingClient
from badges.store.tallies import (
    SHARDS,
    TALLY_SK,
    Cell,
    Full,
    Placement,
    freed,
    full,
    home_shard,
    place,
    quota,
    shard_sums,
    tally_of,
    tally_pk,
)

# An earn whose badge-wide units meet full shards looks for room again at most this many times (each look is
# one read of every shard; more than a couple means revokes and earns racing on the last units of a limit).
_PLACEMENTS = 10
# How long a repeat of a reserved requestId waits for the first copy's answer (issueBulk's 100 customers take
# well under this); then it replays null.
_PENDING_WAIT = 5.0
# Counters this process saw full on every shard: (org, badge, version, sk, attribute) -> each shard's `freed` then.
# An earn that meets one reads the shards once and, if no unit was freed since, is refused without a write.
# The 1,024 most recently used are kept; a lock, as the local server runs handlers in threads.
_EXHAUSTED: LRUCache[tuple, list[int]] = LRUCache(maxsize=1024)
_EXHAUSTED_LOCK = threading.Lock()


def customer_key(org_id: int, customer_id: int) -> str:
    return f"{org_key(org_id)}#CUST#{customer_id}"


def request_key(org_id: int, operation: str, request_key: str) -> dict:
    return to_item({"pk": f"{org_key(org_id)}#REQ#{operation}#{request_key}", "sk": "R"})


def badge_cells(limits: Limits) -> list[Cell]:
    """An earn's badge-wide units: the tally's `earned` (under the badge's fixed value, if any), then each
    badge-wide window counter item."""
    tally = Cell(TALLY_SK, ["earned"], limits.badge_lifetime_limit, limits.badge_lifetime_reference,
                 "BADGE_FIXED_VALUE", [(ref, "BADGE_FIXED_VALUE") for ref in limits.badge_lifetime_also])
    return [tally, *(Cell(c.item, c.adds, c.limit, c.reference, c.describes, list(c.also))
                     for c in limits.counters if c.scope == Scope.BADGE)]


def earn_record(item: dict) -> EarnRecord:
    """The earned badge an item holds (as from_item reads it)."""
    return EarnRecord(
        earned_id=item["earnedBadgeId"], badge_id=item["badgeMetaId"], customer_id=int(item["customerId"]),
        event=item["earnEventDate"], earned_on=item["earnedOn"], expires_on=item["expiresOn"],
        active=item["active"], request_id=item.get("requestId"), issued_id=item.get("issuedId"),
        revoked_on=item.get("revokedOn"),
        counters=tuple(Counted(pk, sk, adds) for pk, sk, adds in json.loads(item["counters"])))


def issue_record(item: dict) -> IssueRecord:
    """The issue an item holds (as from_item reads it)."""
    return IssueRecord(issued_id=item["issuedId"], badge_id=item["badgeMetaId"], customer_id=int(item["customerId"]),
                       issued_on=item["issuedOn"], expires_on=item["expiresOn"], active=item["active"],
                       at=item.get("at"), revoked_on=item.get("revokedOn"))


def named(kind: RefusalKind, cell: Cell | Counter, counts: dict[str, dict] | None = None) -> list[Refusal]:
    """One refusal per constraint on a full counter: its own, and any other at the same limit; with the counter
    items as read (`counts`), for when it has room again."""
    sk = cell.sk if isinstance(cell, Cell) else cell.item
    return [Refusal(kind, reference, describes, cell.limit, sk, counts)
            for reference, describes in [(cell.reference, cell.describes), *cell.also]]


def _sums(seen: dict[tuple[int, str], dict]) -> dict[str, dict]:
    """The badge-wide counter items as the shards were read, each count summed over them."""
    return shard_sums(seen.values())


def _exhausted_key(plan: EarnPlan, cell: Cell, attribute: str) -> tuple:
    return plan.org_id, plan.badge.id, plan.badge.version, cell.sk, attribute


def _quota_of(cell: Cell, shard: int) -> int | None:
    return None if cell.limit is None else quota(cell.limit, shard)


def _customer_item(counter: Counter) -> str:
    """The name of the customer's counter item in an earn's transaction."""
    return f"customer {counter.item}"


def _cell_item(shard: int, sk: str) -> str:
    """The name of a badge-wide counter item (on a tally shard) in an earn's transaction."""
    return f"shard {shard} {sk}"


@dataclass(frozen=True)
class _Try:
    """One try of an earn's transaction: written, with the counter items it added to; or the customer's refusals,
    and whether a badge-wide item (its version or a shard's quota) refused."""

    counted: list[Counted] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    badge_part_failed: bool = False

    @property
    def written(self) -> bool:
        return not self.refusals and not self.badge_part_failed


class DynamoEarnStore:
    def __init__(self, client: RetryingClient, table_name: str):
        self._client = client
        self._table = table_name
        self._badges = DynamoBadgeStore(client, table_name)

    def _issue_key(self, org_id: int, customer_id: int, badge_id: str) -> dict:
        return to_item({"pk": customer_key(org_id, customer_id), "sk": f"ISSUE#{badge_id}"})

    # ---- earn -------------------------------------------------------------------------------------------

    def record_earn(self, plan: EarnPlan) -> list[Counted]:
        """Record the earn if every condition holds at once: the requestId is new (RequestRepeated), the badge
        is still the version planned on (StaleWrite), the ISSUE_EARN issue is active on the event date, and every
        counter is under its limit (EarnRefused names each one that is not). A badge-wide unit its home shard has
        no room for is taken on another shard; refused only when no shard has room (store.tallies). Answers the
        counter items it added to, as the earned badge keeps them for its revoke."""
        cells = badge_cells(plan.limits)
        home = home_shard(plan.customer_id, cells)
        placement = self._known_full(plan, cells, home) or Placement.at(home, cells)
        for _ in range(_PLACEMENTS):
            tried = self._try_earn(plan, placement, cells)
            if tried.written:
                return tried.counted
            if tried.badge_part_failed:
                seen = self._fresh_shards(plan, cells)
            if tried.refusals:  # with the badge-wide limits full as the shards were read: every constraint refused
                raise EarnRefused(tried.refusals + [
                    r for cell in (full(cells, seen) if tried.badge_part_failed else [])
                    for r in named(RefusalKind.BADGE_LIMIT, cell, _sums(seen))])
            placed = place(cells, seen, home)
            if isinstance(placed, Full):
                again = self._shards(plan.org_id, plan.badge.id, [placed.cell])
                if freed(again, placed.cell.sk) == freed(seen, placed.cell.sk):
                    self._refuse_full(plan, placed.cell, placed.attribute, freed(again, placed.cell.sk),
                                      [cell for cell in full(cells, seen) if cell is not placed.cell], seen)
                continue  # a revoke gave a unit back while we looked: look again
            placement = placed
        raise ServiceUnavailable()

    def _fresh_shards(self, plan: EarnPlan, cells: list[Cell]) -> dict[tuple[int, str], dict]:
        """Every shard's items of the cells, or StaleWrite if a shard was told a newer version of the badge."""
        seen = self._shards(plan.org_id, plan.badge.id, cells)
        if any(item.get("version", plan.badge.version) > plan.badge.version
               for (_, sk), item in seen.items() if sk == TALLY_SK):
            raise StaleWrite(plan.badge.id)
        return seen

    def _refuse_full(self, plan: EarnPlan, cell: Cell, attribute: str, freed_then: list[int],
                     others: list[Cell] = (), seen: dict[tuple[int, str], dict] | None = None,
                     customer: list[Refusal] = ()) -> None:
        """1021: at one instant no shard had room for the cell (nor for the `others` full as read, also named,
        after the `customer` limits found full); remembered with the shards' `freed` counts. `seen`: the shards
        as read, for when it has room again."""
        with _EXHAUSTED_LOCK:
            _EXHAUSTED[_exhausted_key(plan, cell, attribute)] = freed_then
        counts = _sums(seen) if seen else None
        raise EarnRefused([*customer, *(r for full_cell in (cell, *others)
                                        for r in named(RefusalKind.BADGE_LIMIT, full_cell, counts))])

    def _customer_refusals(self, plan: EarnPlan) -> list[Refusal]:
        """The customer's limits full as their counter items read now: what an earn refused with no write (its
        badge-wide limit known full) names beside it, as a refused transaction would have."""
        counters = [c for c in plan.limits.counters if c.scope == Scope.CUSTOMER and c.limit is not None]
        if not counters:
            return []
        read = self.customer_counters(plan.org_id, plan.customer_id, [(plan.badge.id, c.item) for c in counters])
        items = {c.item: read.get((plan.badge.id, c.item), {}) for c in counters}
        return [r for c in counters if any(int(items[c.item].get(a, 0)) >= c.limit for a in c.adds)
                for r in named(RefusalKind.CUSTOMER_LIMIT, c, items)]

    def _known_full(self, plan: EarnPlan, cells: list[Cell], home: int) -> Placement | None:
        """For an earn that needs a counter this process saw full: one read of the shards. If none was given a
        unit back since (`freed` unchanged), every shard has been full all along, at the badge's version: refused
        (after a repeated requestId is answered as such), with no write. Otherwise where there is room now."""
        with _EXHAUSTED_LOCK:
            known = [(cell, attribute, _EXHAUSTED.get(_exhausted_key(plan, cell, attribute)))
                     for cell in cells if cell.limit is not None for attribute in cell.adds]
        known = [(cell, attribute, then) for cell, attribute, then in known if then is not None]
        if not known:
            return None
        seen = self._fresh_shards(plan, cells)
        for cell, attribute, then in known:
            if freed(seen, cell.sk) == then:
                first = self.request_result(plan.org_id, plan.operation, plan.request_key)
                if first is not None:
                    raise RequestRepeated(first)
                self._refuse_full(plan, cell, attribute, then,
                                  [other for other in full(cells, seen) if other is not cell], seen,
                                  self._customer_refusals(plan))
            with _EXHAUSTED_LOCK:
                _EXHAUSTED.pop(_exhausted_key(plan, cell, attribute), None)
        placed = place(cells, seen, home)
        return placed if isinstance(placed, Placement) else None

    def _try_earn(self, plan: EarnPlan, placement: Placement, cells: list[Cell]) -> _Try:
        """Write the earn with its badge-wide units where `placement` says, as one transaction of named items, and
        tell what came of it by the names of the items that refused."""
        badge, org = plan.badge, plan.org_id
        customer_counters = [c for c in plan.limits.counters if c.scope == Scope.CUSTOMER]
        by_sk = {cell.sk: cell for cell in cells}
        parts = sorted(placement.parts.items(), key=lambda part: part[0][1] != TALLY_SK)  # the tally first
        customer_pk = f"{customer_key(org, plan.customer_id)}#BADGE#{badge.id}"
        counted = [Counted(customer_pk, c.item, c.adds) for c in customer_counters]
        counted += [Counted(tally_pk(org_key(org), badge.id, shard), sk, adds) for (shard, sk), adds in parts]
        (tally_shard, _), tally_adds = parts[0]
        items = [
            ("request", self._put_request(org, plan.operation, plan.request_key, plan.result, plan.at)),
            ("tally", self._add(tally_pk(org_key(org), badge.id, tally_shard), TALLY_SK, tally_adds, 1,
                                _quota_of(by_sk[TALLY_SK], tally_shard), version=badge.version)),
            ("earned", {"Put": {"TableName": self._table, "Item": to_item({
                "pk": customer_key(org, plan.customer_id), "sk": f"EARN#{badge.id}#{plan.earned_id}",
                "orgId": org, "earnedBadgeId": plan.earned_id, "badgeMetaId": badge.id,
                "customerId": plan.customer_id,
                "earnEventDate": plan.event, "earnedOn": plan.at, "expiresOn": plan.expires, "active": True,
                "requestId": str(plan.result["requestId"]), "issuedId": plan.issued_id,
                "triggeredBy": plan.triggered_by,
                "counters": json.dumps([[c.pk, c.sk, c.adds] for c in counted], separators=(",", ":"),
                                       ensure_ascii=False),
            }), "ConditionExpression": "attribute_not_exists(pk)"}}),
        ]
        if plan.issued_id is not None:
            items.append(("issue", {"ConditionCheck": {
                "TableName": self._table, "Key": self._issue_key(org, plan.customer_id, badge.id),
                "ConditionExpression": "active = :true AND issuedId = :issued AND expiresOn > :event",
                "ExpressionAttributeValues": to_item({":true": True, ":issued": plan.issued_id,
                                                      ":event": plan.event})}}))
        items += [(_customer_item(c), self._add(customer_pk, c.item, c.adds, 1, c.limit)) for c in customer_counters]
        cells_at = [(_cell_item(shard, sk), self._add(tally_pk(org_key(org), badge.id, shard), sk, adds, 1,
                                                      _quota_of(by_sk[sk], shard)))
                    for (shard, sk), adds in parts[1:]]
        try:
            write_named(self._client, items + cells_at)
        except Refused as refused:
            if refused.failed("request"):
                raise RequestRepeated(self.request_result(org, plan.operation, plan.request_key)) from refused
            refusals = [Refusal(RefusalKind.ISSUE)] if refused.failed("issue") else []
            full_counters = [c for c in customer_counters if refused.failed(_customer_item(c))]
            # the customer's counters as the refusing conditions saw them (returned with the refusal, not read)
            seen = {c.item: refused.old(_customer_item(c)) for c in full_counters}
            refusals += [r for c in full_counters for r in named(RefusalKind.CUSTOMER_LIMIT, c, seen)]
            badge_part = any(refused.failed(name) for name in ["tally", *(name for name, _ in cells_at)])
            return _Try(refusals=refusals, badge_part_failed=badge_part)
        return _Try(counted=counted)

    def _shards(self, org_id: int, badge_id: str, cells: list[Cell]) -> dict[tuple[int, str], dict]:
        """Every shard's items of these cells (and the tally), read strongly consistent: (shard, sk) -> item."""
        return self._shards_at(org_id, badge_id, sorted({TALLY_SK, *(cell.sk for cell in cells)}))

    def _put_request(self, org_id: int, operation: str, key: str, result: dict, at: Decimal) -> dict:
        item = {**request_key(org_id, operation, key),
                **to_item({"result": json.dumps(result, separators=(",", ":"), ensure_ascii=False), "at": at})}
        return {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}

    def _add(self, pk: str, sk: str, attributes: list[str], amount: int, limit: int | None = None,
             version: int | None = None) -> dict:
        """Add `amount` to each attribute; with a limit, only if every one of them is below it first; with a
        version, only if the tally was told no newer one, and telling it this one."""
        names = {f"#a{i}": name for i, name in enumerate(attributes)}
        values: dict[str, Any] = {":amount": amount}
        conditions = []
        if limit is not None:
            conditions += [f"(attribute_not_exists({alias}) OR {alias} < :limit)" for alias in names]
            values[":limit"] = limit
        if version is not None:
            gate, gate_names, gate_values = version_gate(version)
            conditions.append(gate)
            names |= gate_names
            values |= gate_values
        update: dict[str, Any] = {
            "TableName": self._table, "Key": to_item({"pk": pk, "sk": sk}),
            "UpdateExpression": "ADD " + ", ".join(f"{alias} :amount" for alias in names if alias.startswith("#a"))
                                + (" SET #version = :version" if version is not None else ""),
            "ExpressionAttributeNames": names, "ExpressionAttributeValues": to_item(values),
        }
        if conditions:
            update["ConditionExpression"] = " AND ".join(conditions)
        if limit is not None:  # a refused limit tells its counts (when it frees a unit) at no extra read
            update["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        return {"Update": update}

    def request_result(self, org_id: int, operation: str, key: str) -> dict | None:
        item = self._client.get_item(TableName=self._table, Key=request_key(org_id, operation, key),
                                     ConsistentRead=True).get("Item")
        return json.loads(item["result"]["S"]) if item and "result" in item else None

    def reserve_request(self, org_id: int, operation: str, key: str, at: Decimal) -> None:
        """The requestId is ours, marked `pending`, or RequestRepeated: one conditional put decides between
        concurrent copies. A repeat waits up to _PENDING_WAIT seconds for the first copy's answer and replays it;
        if none came (the first still at work, or it stopped before storing it), it replays null."""
        item = {**request_key(org_id, operation, key), **to_item({"pending": True, "at": at})}
        try:
            write_named(self._client, [("request", {"Put": {"TableName": self._table, "Item": item,
                                                            "ConditionExpression": "attribute_not_exists(pk)"}})])
            return
        except Refused as refused:
            deadline = time.monotonic() + _PENDING_WAIT
            while True:
                first = self.request_result(org_id, operation, key)
                if first is not None or time.monotonic() >= deadline:
                    raise RequestRepeated(first) from refused
                time.sleep(0.1)

    def complete_request(self, org_id: int, operation: str, key: str, result: dict) -> None:
        """The reserved requestId holds its answer (under 400 KB: issueBulk's 100 customers are ~20 KB)."""
        self._client.update_item(
            TableName=self._table, Key=request_key(org_id, operation, key),
            UpdateExpression="SET #result = :result REMOVE pending", ConditionExpression="pending = :true",
            ExpressionAttributeNames={"#result": "result"},
            ExpressionAttributeValues=to_item({":result": json.dumps(result, separators=(",", ":"),
                                                                     ensure_ascii=False), ":true": True}))

    # ---- issue ------------------------------------------------------------------------------------------

    def get_issue(self, org_id: int, customer_id: int, badge_id: str) -> IssueRecord | None:
        item = self._client.get_item(TableName=self._table, Key=self._issue_key(org_id, customer_id, badge_id),
                                     ConsistentRead=True)
        return issue_record(from_item(item["Item"])) if "Item" in item else None

    def record_issue(self, badge: Badge, customer_id: int, issued_id: str, issued_on: Decimal, expires: Decimal,
                     at: Decimal) -> None:
        """The customer holds an active issue of the badge, unless it held one already (IssueExists); the
        customer's tally shard counts it, at the badge version checked (StaleWrite). The requestId is not here:
        issueBulk reserves it once for the whole request (reserve_request)."""
        issue = {**self._issue_key(badge.orgId, customer_id, badge.id), **to_item({
            "issuedId": issued_id, "badgeMetaId": badge.id, "customerId": customer_id, "issuedOn": issued_on,
            "expiresOn": expires, "active": True, "at": at})}
        items = [
            ("issue", {"Put": {"TableName": self._table, "Item": issue,
                               "ConditionExpression": "attribute_not_exists(pk) OR active <> :true OR expiresOn <= :at",
                               "ExpressionAttributeValues": to_item({":true": True, ":at": at})}}),
            ("tally", self._add(tally_pk(org_key(badge.orgId), badge.id, home_shard(customer_id)), TALLY_SK,
                                ["issued"], 1, version=badge.version)),
        ]
        try:
            write_named(self._client, items)
        except Refused as refused:
            if refused.failed("tally"):
                raise StaleWrite(badge.id) from refused
            raise IssueExists(customer_id) from refused

    # ---- revoke and reads -------------------------------------------------------------------------------

    def earned(self, org_id: int, customer_id: int, badge_id: str | None = None) -> list[EarnRecord]:
        """The customer's earned badges (of one badge, or all), oldest first."""
        if badge_id and len(badge_id) > MAX_ID_LENGTH:
            return []  # no id of ours; as a key prefix it could pass DynamoDB's sort key size
        prefix = f"EARN#{badge_id}#" if badge_id else "EARN#"
        return [earn_record(from_item(item)) for item in self._query(customer_key(org_id, customer_id), prefix)]

    def issues(self, org_id: int, customer_id: int) -> list[IssueRecord]:
        return [issue_record(from_item(item)) for item in self._query(customer_key(org_id, customer_id), "ISSUE#")]

    def _query(self, pk: str, prefix: str) -> list[dict]:
        return query_prefix(self._client, self._table, pk, prefix)

    def revoke(self, org_id: int, earned: EarnRecord, at: Decimal, badge: Badge) -> None:
        """The earned badge is inactive and every unit it took is given back, or NotActive if it was already;
        StaleWrite if a tally shard was told a newer version of the badge than `badge` (read it again). A unit of
        a family whose counts stand above a lowered limit (`badge.excess`) is given back where the excess is, so
        that no room opens until the family is back under its limit (store.changes)."""
        families = {family_key(family): family for family in badge_families(badge.definition)}
        for _ in range(_PLACEMENTS):
            gives: dict[tuple[str, str], dict[str, int | None]] = {}  # (pk, sk) -> attribute -> quota to be above
            for counted in earned.counters:
                pk, sk = counted.pk, counted.sk
                family = self._in_excess(badge, families, pk, sk)
                donors = self._donors(org_id, badge.id, family, pk, sk, counted.adds) if family else {
                    attribute: (pk, None) for attribute in counted.adds}
                for attribute, (donor, above) in donors.items():
                    gives.setdefault((donor, sk), {})[attribute] = above
            gated = next((key for key in gives if key[1] == TALLY_SK and tally_of(key[0])), None)
            inactive = {"Update": {"TableName": self._table,
                                   "Key": to_item({"pk": customer_key(org_id, earned.customer_id),
                                                   "sk": f"EARN#{badge.id}#{earned.earned_id}"}),
                                   "UpdateExpression": "SET active = :false, revokedOn = :at",
                                   "ConditionExpression": "active = :true",
                                   "ExpressionAttributeValues": to_item({":false": False, ":true": True,
                                                                         ":at": at})}}
            items = [("earned", inactive), *(
                (f"give back {pk} {sk}", self._give_back(pk, sk, attributes, badge.version if (pk, sk) == gated
                                                          else None))
                for (pk, sk), attributes in gives.items())]
            try:
                write_named(self._client, items)
                return
            except Refused as refused:
                if refused.failed("earned"):
                    raise NotActive(earned.earned_id) from refused
                if not badge.excess:
                    raise StaleWrite(badge.id) from refused
            if any(item.get("version", 0) > badge.version
                   for item in self._shards_at(org_id, badge.id, [TALLY_SK]).values()):
                raise StaleWrite(badge.id)
        raise ServiceUnavailable()  # other revokes kept taking the excess we chose

    @staticmethod
    def _in_excess(badge: Badge, families: dict[str, Family], pk: str, sk: str) -> Family | None:
        """The family over its limit that the counter item belongs to, if it is a badge-wide one."""
        if not badge.excess or tally_of(pk) is None:
            return None
        return next((families[key] for key in badge.excess if key in families
                     and (sk == key if key == TALLY_SK else sk.startswith(key))), None)

    def _donors(self, org_id: int, badge_id: str, family: Family, pk: str, sk: str,
                attributes: list[str]) -> dict[str, tuple[str, int | None]]:
        """For each attribute, the shard to give the unit back to: one holding more than its quota (the counter's
        own first), with that quota as a condition; or the counter's own shard when none does."""
        seen = self._shards_at(org_id, badge_id, [sk])
        own = tally_of(pk)[1]
        order = [own, *(shard for shard in range(SHARDS) if shard != own)]
        donors = {}
        for attribute in attributes:
            donor = next((shard for shard in order if int(seen.get((shard, sk), {}).get(attribute, 0))
                          > quota(family.limit, shard)), None)
            donors[attribute] = (pk, None) if donor is None else (
                tally_pk(org_key(org_id), badge_id, donor), quota(family.limit, donor))
        return donors

    def _give_back(self, pk: str, sk: str, attributes: dict[str, int | None], version: int | None = None) -> dict:
        """Subtract one from each attribute (only while it is above the quota given with it, if any); on a tally
        shard, count the units as freed too (store.tallies), and with a version, only if the shard was told no
        newer one."""
        names = {f"#a{i}": name for i, name in enumerate(attributes)}
        adds, values = [f"{alias} :minus" for alias in names], {":minus": -1}
        conditions = []
        for i, above in enumerate(attributes.values()):
            if above is not None:
                conditions.append(f"#a{i} > :q{i}")
                values[f":q{i}"] = above
        if tally_of(pk) is not None:
            names["#freed"], values[":one"] = "freed", 1
            adds.append("#freed :one")
        if version is not None:
            gate, gate_names, gate_values = version_gate(version)
            conditions.append(gate)
            names |= gate_names
            values |= gate_values
        update = {"TableName": self._table, "Key": to_item({"pk": pk, "sk": sk}),
                  "UpdateExpression": "ADD " + ", ".join(adds), "ExpressionAttributeNames": names,
                  "ExpressionAttributeValues": to_item(values)}
        if conditions:
            update["ConditionExpression"] = " AND ".join(conditions)
        return {"Update": update}

    def customer_counters(self, org_id: int, customer_id: int,
                          keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict]:
        """The customer's counter items at these (badge id, sort key) pairs that exist: 100 keys a BatchGetItem."""
        prefix = f"{customer_key(org_id, customer_id)}#BADGE#"
        wanted = [to_item({"pk": prefix + badge_id, "sk": sk}) for badge_id, sk in dict.fromkeys(keys)]
        return {(item["pk"][len(prefix):], item["sk"]): item
                for item in map(from_item, get_many(self._client, self._table, wanted))}

    def badge_counters(self, org_id: int, badge_id: str, sks: list[str]) -> dict[str, dict[str, int]]:
        """The badge-wide counter items at these sort keys, each attribute summed over the 64 tally shards:
        64 reads a key, so callers bound `sks` (functions/badges/README.md, "Hot badges")."""
        return shard_sums(self._shards_at(org_id, badge_id, list(dict.fromkeys(sks))).values())

    def _shards_at(self, org_id: int, badge_id: str, sks: list[str]) -> dict[tuple[int, str], dict]:
        """Every shard's items at these sort keys, read strongly consistent: (shard, sk) -> item."""
        keys = [to_item({"pk": tally_pk(org_key(org_id), badge_id, shard), "sk": sk})
                for shard in range(SHARDS) for sk in sks]
        return {(tally_of(item["pk"])[1], item["sk"]): item
                for item in map(from_item, get_many(self._client, self._table, keys))}
    def revoke_issue(self, org_id: int, customer_id: int, badge_id: str, issued_id: str, at: Decimal) -> None:
        """The customer's issue `issued_id` of the badge is inactive and the badge counts one issue fewer (on the
        customer's tally shard, where the issue was counted); NotActive if it was not active with that id."""
        issue = {"Update": {"TableName": self._table, "Key": self._issue_key(org_id, customer_id, badge_id),
                            "UpdateExpression": "SET active = :false, revokedOn = :at",
                            "ConditionExpression": "active = :true AND issuedId = :issued",
                            "ExpressionAttributeValues": to_item({":false": False, ":true": True, ":at": at,
                                                                  ":issued": issued_id})}}
        tally = {"Update": {"TableName": self._table,
                            "Key": to_item({"pk": tally_pk(org_key(org_id), badge_id, home_shard(customer_id)),
                                            "sk": TALLY_SK}),
                            "UpdateExpression": "ADD #issued :minus", "ExpressionAttributeNames": {"#issued": "issued"},
                            "ExpressionAttributeValues": to_item({":minus": -1})}}
        items = [("issue", issue), ("tally", tally)]
        try:
            write_named(self._client, items)
        except Refused as refused:
            raise NotActive(issued_id) from refused

    def badges(self, org_id: int, badge_ids: list[str]) -> dict[str, Badge]:
        """The org's badges with these ids, without their counts."""
        return {badge.id: badge for badge in self._badges.many(org_id, list(dict.fromkeys(badge_ids)))}


@cache
def earn_store() -> DynamoEarnStore:
    return DynamoEarnStore(dynamodb_client(), settings().table("badges"))
