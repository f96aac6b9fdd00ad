"""Items as DynamoDB meters them: which item a request addresses, its size, and the write units it costs.

Models "Item sizes and formats" and "DynamoDB read/write capacity mode" (developer guide): an item's size is the
length of its attribute names plus the size of their values; a standard write costs one write unit per started
KB of the item (the larger of before and after), and a transactional write two.
"""
from __future__ import annotations

import json
import math
from typing import Any

from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

KB = 1024

ItemId = tuple[str, str]  # (table name, the key's attribute values as canonical JSON)


def key_of(table: Table, request: dict[str, Any]) -> dict[str, Any]:
    """The key attributes of a Put's Item, or an action's Key, in wire form."""
    source = request.get("Item") if "Item" in request else request.get("Key") or {}
    names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    return {name: source[name] for name in names if name in source}


def item_id(table: Table, key: dict[str, Any]) -> ItemId:
    return table.name, json.dumps(key, sort_keys=True, separators=(",", ":"))


def stored_size(table: Table, key: dict[str, Any]) -> int:
    """The stored item's size in bytes, 0 when there is none (moto's measure of names and values)."""
    if table.hash_key_attr not in key:
        return 0
    range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None
    if table.range_key_attr and range_value is None:
        return 0
    item = table.get_item(DynamoType(key[table.hash_key_attr]), range_value)
    return item.size() if item is not None else 0


def write_units(size_bytes: int, transactional: bool) -> int:
    """One unit per started KB, at least one; doubled inside a transaction (prepare and commit)."""
    units = max(1, math.ceil(size_bytes / KB))
    return 2 * units if transactional else units
