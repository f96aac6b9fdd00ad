"""Unique names: an item per org, kind and name that a create or rename takes in the transaction that writes it."""
from __future__ import annotations

from badges.store.items import org_key, to_item


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
