"""Reads: a Query by partition key reads that partition, not the table (moto's sorts the whole table per Query).

Models "Querying tables in DynamoDB" (developer guide): a Query finds items by their partition key value and reads
only the items stored under it, in sort-key order. moto's Query on a table lists and sorts every item of the table
and then keeps those of the partition, so its cost grows with everything stored. Here a Query of the table (not of
an index: the service has none) hands moto the partition's items alone; moto still sorts, filters and pages them.
"""
from __future__ import annotations

from typing import Any

from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

_moto_query = Table.query
_INDEX_NAME = 7  # index_name's position among Table.query's arguments, as the backend passes them


def _query(self: Table, hash_key: DynamoType | None, *args: Any, **kwargs: Any) -> Any:
    index_name = kwargs.get("index_name", args[_INDEX_NAME - 1] if len(args) >= _INDEX_NAME else None)
    if index_name is not None or hash_key is None or not self.range_key_attr:
        return _moto_query(self, hash_key, *args, **kwargs)
    partition = list(self.items.get(hash_key, {}).values())
    self.all_items = lambda: partition  # type: ignore[method-assign]  (for this call only: the store is serialized)
    try:
        return _moto_query(self, hash_key, *args, **kwargs)
    finally:
        del self.all_items


def install() -> None:
    Table.query = _query  # type: ignore[method-assign]
