"""Storage: a table holds its items and nothing else, so one process keeps hundreds of thousands of them.

Models "Service, account, and table quotas in Amazon DynamoDB", Table size (developer guide): "There is no practical
limit on a table's size. Tables are unconstrained in terms of the number of items or the number of bytes." moto
falls short of that in two ways this module undoes.

- moto lists every model object it builds, for its dashboard, so every item ever built (each put, each copy an update
  or a transaction takes to roll back, each copy a query returns) stays in memory for the life of the process. Here
  items are not listed: an item lives while the table or a request holds it.
- A stored item keeps the strings of the request that wrote it, one object per attribute name and value. Here a
  written item is compacted: its attribute names are interned, its key is the same objects as its key attributes, and
  a short scalar value (S, N, B, BOOL, NULL) is the same DynamoType as an equal value stored recently. That sharing is
  safe because moto never changes a scalar DynamoType in place: an update (SET, ADD on a number, REMOVE) puts a new
  one in the item; only sets, lists and maps are changed in place, and those are never shared.
- Python's cyclic garbage collector scans every container object it tracks in a full collection, the stored items
  included, so with a large table a collection stops the process (store and app alike) for seconds, and every
  call in flight times out at once. Stored items hold no reference cycles (reference counting frees them), so
  every few thousand writes what the process holds is moved out of the collector's generations (`gc.freeze`):
  a collection then scans what was made since, and latency stays flat as the table grows.
"""
from __future__ import annotations

import gc
import sys
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

SCALARS = frozenset({"S", "N", "B", "BOOL", "NULL"})
SHORT = 64  # longer values are seldom repeated: they are kept as written
POOL_SIZE = 4096  # equal values within the last few thousand distinct ones share one object

_moto_put_item = DynamoDBBackend.put_item
_moto_update_item = DynamoDBBackend.update_item


class ValuePool:
    """The scalar values stored recently, each one DynamoType; forgotten all at once when full, so it stays small
    and only values that keep recurring (a badge id, an org, a flag, this second's timestamp) are shared for long."""

    def __init__(self, size: int = POOL_SIZE):
        self._size = size
        self._values: dict[tuple[str, Any], DynamoType] = {}

    def shared(self, value: DynamoType) -> DynamoType:
        if value.type not in SCALARS or (isinstance(value.value, (str, bytes)) and len(value.value) > SHORT):
            return value
        if isinstance(value.value, str):
            value.value = sys.intern(value.value)
        value.type = sys.intern(value.type)
        found = self._values.get((value.type, value.value))
        if found is not None and type(found.value) is type(value.value):
            return found
        if len(self._values) >= self._size:
            self._values.clear()
        self._values[(value.type, value.value)] = value
        return value

    def __len__(self) -> int:
        return len(self._values)


POOL = ValuePool()
FREEZE_EVERY = 5_000  # writes between two freezes: each freezes what was stored since the last


class LongLived:
    """Counts the store's writes; every `every` of them, frees the young cyclic garbage (cheap: the young
    generations only) and freezes the rest, the items written since the last time among it."""

    def __init__(self, every: int = FREEZE_EVERY):
        self._every = every
        self._writes = 0

    def written(self) -> None:
        self._writes += 1
        if self._writes >= self._every:
            self._writes = 0
            gc.collect(1)
            gc.freeze()


def compact(table_hash_key: str, table_range_key: str | None, item: Item, pool: ValuePool = POOL) -> Item:
    """The same item, holding interned names and shared scalar values (its own containers stay its own)."""
    attrs = LimitedSizeDict.__new__(LimitedSizeDict)
    dict.__init__(attrs)
    for name, value in item.attrs.items():
        dict.__setitem__(attrs, sys.intern(name), pool.shared(value))
    item.attrs = attrs
    if table_hash_key in attrs:
        item.hash_key = attrs[table_hash_key]
    if table_range_key is not None and table_range_key in attrs:
        item.range_key = attrs[table_range_key]
    return item


def _put_item(self: DynamoDBBackend, table_name: str, *args: Any, **kwargs: Any) -> Item:
    item = _moto_put_item(self, table_name, *args, **kwargs)
    table = self.get_table(table_name)
    return compact(table.hash_key_attr, table.range_key_attr, item)


def _update_item(self: DynamoDBBackend, table_name: str, *args: Any, **kwargs: Any) -> Item:
    item = _moto_update_item(self, table_name, *args, **kwargs)
    table = self.get_table(table_name)
    return compact(table.hash_key_attr, table.range_key_attr, item) if item is not None else item


def _untracked(cls: type, *args: Any, **kwargs: Any) -> Item:
    return object.__new__(cls)


def install() -> None:
    """Every moto DynamoDB backend in this process keeps its items unlisted, and compacts each item it writes."""
    Item.__new__ = staticmethod(_untracked)  # type: ignore[method-assign,assignment]
    Item.instances_tracked = []  # type: ignore[attr-defined]
    DynamoDBBackend.put_item = _put_item  # type: ignore[method-assign]
    DynamoDBBackend.update_item = _update_item  # type: ignore[method-assign]

