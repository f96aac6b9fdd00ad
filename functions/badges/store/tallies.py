"""A badge's tallies: its counts and badge-wide quotas spread over shards, so that no item takes every earn.

DynamoDB serves one partition at about 1,000 write units a second, and concurrent transactions on one item
cancel each other (developer guide: "Best practices for designing and using partition keys effectively",
"Using write sharding to distribute workloads evenly", "Transaction conflict handling in DynamoDB"). So a
badge's own item is written only when its definition changes, and what earns, issues and revokes count lives on
SHARDS (64) tally partitions, one chosen per customer. Each shard holds the badge's counts, the version it was last
told of, its part of the badge-wide window counters and their `freed` counts: the keys are laid out in
functions/badges/README.md, "Data layout" (the one description of them, checked by
tests/integration/test_data_layout.py). Every change of the badge's definition, claims or activation tells each
shard the new version (store.changes), and every earn and issue is conditioned on its shard's version.

A badge-wide limit L is split into quotas: shard k holds at most `quota(L, k)` units of each counter cell
(`earned` for the fixed value, one attribute per window), and the quotas add up to L. An earn takes its units
on its customer's home shard; when that shard's quota of a cell is used it takes the unit on another shard with
room, found by reading every shard. It is refused (1021) only when one cell has no room on any shard at one
instant: two reads of every shard find it full and `freed` unchanged, so no unit was given back in between.
Quotas only grow with L, so a raise keeps every shard within its quota; a lowered limit moves units from shards
above their new quota to shards below it before earns resume (`moves`, store.changes). So no shard holds more
than its quota and the shards together never more than L, at any concurrency, unless more than L was earned
before L was lowered: then no shard has room.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

# Each shard takes ~1/64 of a badge's earns, so 64 x 1,000 WCU/s of partition throughput and 64 items to take
# turns at transactions; a definition change writes all of them and the badge in one transaction (100 items at
# most), and one BatchGetItem (100 keys) reads a badge's counts.
SHARDS = 64
TALLY_SK = "T"
_FIBONACCI = 0x9E3779B97F4A7C15  # 2^64 / golden ratio: consecutive or strided ids land far apart
_WORD = (1 << 64) - 1


def tally_pk(org_prefix: str, badge_id: str, shard: int) -> str:
    return f"{org_prefix}#BADGE#{badge_id}#T#{shard:02d}"


def tally_of(pk: str) -> tuple[str, int] | None:
    """The (badge id, shard) a tally partition key names; None for any other key."""
    head, marker, shard = pk.rpartition("#T#")
    if not marker or not shard.isdigit() or "#BADGE#" not in head:
        return None
    return head.split("#BADGE#", 1)[1], int(shard)


def quota(limit: int, shard: int) -> int:
    """Shard `shard`'s part of `limit`: the parts of all shards add up to it, and each grows with it."""
    return limit // SHARDS + (1 if shard < limit % SHARDS else 0)


def home_shard(customer_id: int, cells: list[Cell] = ()) -> int:
    """The customer's shard (Fibonacci hashing: multiply, keep the high bits), among the first `limit` shards
    under a badge-wide limit smaller than SHARDS, so that each of its cells has quota there."""
    spread = min([SHARDS, *(cell.limit for cell in cells if cell.limit is not None)])
    return (((customer_id * _FIBONACCI) & _WORD) * spread) >> 64


@dataclass
class Cell:
    """One badge-wide counter item's part in an earn: the attributes it adds one to, each under `limit` counted
    over all shards (None: counted, not limited)."""

    sk: str
    adds: list[str]
    limit: int | None = None
    reference: str | None = None
    describes: str | None = None
    also: list[tuple[str, str]] = field(default_factory=list)  # other constraints on it at the same limit


@dataclass
class Full:
    """A cell with no room on any shard, as one read of every shard saw it."""

    cell: Cell
    attribute: str


@dataclass
class Placement:
    """Where an earn takes its badge-wide units: for each (shard, item sort key), the attributes it adds to.
    The tally item (`T`) is always there exactly once: it carries the version check and the `earned` count."""

    parts: dict[tuple[int, str], list[str]] = field(default_factory=dict)

    @classmethod
    def at(cls, shard: int, cells: list[Cell]) -> Placement:
        return cls({(shard, cell.sk): list(cell.adds) for cell in cells})

    def add(self, shard: int, sk: str, attributes: list[str]) -> None:
        self.parts.setdefault((shard, sk), []).extend(attributes)


def place(cells: list[Cell], seen: dict[tuple[int, str], dict], home: int) -> Placement | Full:
    """Every cell's units on shards with room, as `seen` (shard, sk) -> item: the home shard first, then the
    next ones round from it, so that spilled earns spread; a cell's attributes together where one shard has room
    for all of them."""
    placement = Placement()
    order = [(home + step) % SHARDS for step in range(SHARDS)]
    for cell in cells:
        if cell.limit is None:
            placement.add(home, cell.sk, cell.adds)
            continue

        def room(shard: int, attribute: str, cell: Cell = cell) -> bool:
            return int(seen.get((shard, cell.sk), {}).get(attribute, 0)) < quota(cell.limit, shard)

        whole = next((shard for shard in order if all(room(shard, a) for a in cell.adds)), None)
        if whole is not None:
            placement.add(whole, cell.sk, cell.adds)
            continue
        for attribute in cell.adds:
            shard = next((shard for shard in order if room(shard, attribute)), None)
            if shard is None:
                return Full(cell, attribute)
            placement.add(shard, cell.sk, [attribute])
    return placement


def moves(counts: dict[int, int], limit: int) -> dict[int, int]:
    """Per shard, what to add to one attribute's count so that no shard holds more than its quota of `limit`
    while another has room, every move taking a unit from a shard above its quota to one below it: the sum is
    kept. Afterwards either no shard is above its quota or none is below it."""
    over = [(shard, counts.get(shard, 0) - quota(limit, shard)) for shard in range(SHARDS)
            if counts.get(shard, 0) > quota(limit, shard)]
    under = [(shard, quota(limit, shard) - counts.get(shard, 0)) for shard in range(SHARDS)
             if counts.get(shard, 0) < quota(limit, shard)]
    delta: dict[int, int] = {}
    while over and under:
        (giver, surplus), (taker, room) = over[-1], under[-1]
        units = min(surplus, room)
        delta[giver] = delta.get(giver, 0) - units
        delta[taker] = delta.get(taker, 0) + units
        over[-1], under[-1] = (giver, surplus - units), (taker, room - units)
        if over[-1][1] == 0:
            over.pop()
        if under[-1][1] == 0:
            under.pop()
    return delta


def full(cells: list[Cell], seen: dict[tuple[int, str], dict]) -> list[Cell]:
    """The limited cells that, as `seen`, have an attribute with no room on any shard."""
    def no_room(cell: Cell, attribute: str) -> bool:
        return all(int(seen.get((shard, cell.sk), {}).get(attribute, 0)) >= quota(cell.limit, shard)
                   for shard in range(SHARDS))

    return [cell for cell in cells if cell.limit is not None and any(no_room(cell, a) for a in cell.adds)]


def freed(seen: dict[tuple[int, str], dict], sk: str) -> list[int]:
    """Each shard's count of units given back to the item `sk`: equal in two reads, none was in between."""
    return [int(seen.get((shard, sk), {}).get("freed", 0)) for shard in range(SHARDS)]


NOT_COUNTS = ("version", "freed")  # a shard's numbers that are not earn counts


def shard_sums(items: Iterable[dict]) -> dict[str, dict[str, int]]:
    """Per counter item (by sort key), each of its counts summed over the shards these items were read from."""
    sums: dict[str, dict[str, int]] = {}
    for item in items:
        counts = sums.setdefault(item["sk"], {})
        for name, value in item.items():
            if isinstance(value, int | Decimal) and not isinstance(value, bool) and name not in NOT_COUNTS:
                counts[name] = counts.get(name, 0) + int(value)
    return sums
