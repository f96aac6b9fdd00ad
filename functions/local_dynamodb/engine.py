"""Scale: a transaction costs the items it touches, not the table (moto's own copies the whole table per item).

Models "Amazon DynamoDB Transactions: How it works" (developer guide, TransactWriteItems API): up to 100 actions
on distinct items, all applied or none. moto's `transact_write_items` keeps that promise by deep-copying every
table a transaction names, once per action, before applying it, so each transaction costs O(table) in time and
memory. This one checks every condition first, then applies the actions with a copy of only the items they touch,
and puts those back if an action fails half-way.
"""
from __future__ import annotations

import copy
from typing import Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

MAX_ACTIONS = 100  # "groups up to 100 write actions": TransactWriteItems API
_ACTIONS = {"ConditionCheck", "Put", "Delete", "Update"}


class _Target:
    """One action of a transaction and the item it addresses."""

    def __init__(self, backend: DynamoDBBackend, action: dict[str, Any]):
        if len(action) != 1:
            raise TransactWriteSingleOpException
        self.kind, self.op = next(iter(action.items()))
        if self.kind not in _ACTIONS:
            raise MockValidationException(f"Unsupported transaction operation: {self.kind}")
        self.table: Table = backend.get_table(self.op["TableName"])
        key = self.op["Item"] if self.kind == "Put" else self.op["Key"]
        if self.table.hash_key_attr not in key:
            raise MockValidationException(f"Missing the key {self.table.hash_key_attr} in the item")
        self.hash = DynamoType(key[self.table.hash_key_attr])
        self.range = DynamoType(key[self.table.range_key_attr]) if self.table.range_key_attr else None
        if self.table.range_key_attr and self.table.range_key_attr not in key:
            raise MockValidationException(f"Missing the key {self.table.range_key_attr} in the item")
        self.identity = (self.table.name, self.hash, self.range)

    def current(self) -> Item | None:
        return self.table.get_item(self.hash, self.range)

    def refusal(self) -> tuple[str, str, Any] | tuple[None, None, None]:
        """ConditionalCheckFailed (with the item, if asked for) when the action's condition does not hold."""
        expression = self.op.get("ConditionExpression")
        if expression is None:
            return None, None, None
        current = self.current()
        condition = get_filter_expression(expression, self.op.get("ExpressionAttributeNames"),
                                          self.op.get("ExpressionAttributeValues"))
        if condition.expr(current):
            return None, None, None
        old = current.to_json()["Attributes"] if current is not None and \
            self.op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" else None
        return "ConditionalCheckFailed", "The conditional request failed", old

    def apply(self, backend: DynamoDBBackend) -> None:
        if self.kind == "Put":
            backend.put_item(self.table.name, self.op["Item"])
        elif self.kind == "Update":
            backend.update_item(self.table.name, self.op["Key"], update_expression=self.op["UpdateExpression"],
                                expression_attribute_names=self.op.get("ExpressionAttributeNames"),
                                expression_attribute_values=self.op.get("ExpressionAttributeValues"))
        elif self.kind == "Delete":
            backend.delete_item(self.table.name, self.op["Key"])

    def restore(self, saved: Item | None) -> None:
        """Put the item back as it was before the transaction (or remove it, if there was none)."""
        items = self.table.items
        if self.range is None:
            if saved is None:
                items.pop(self.hash, None)
            else:
                items[self.hash] = saved
        elif saved is None:
            items.get(self.hash, {}).pop(self.range, None)
        else:
            items[self.hash][self.range] = saved


def transact_write_items(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """All actions applied, or none and TransactionCanceledException with a reason per action, in order."""
    if len(transact_items) > MAX_ACTIONS:
        raise TooManyTransactionsException()
    targets = [_Target(backend, action) for action in transact_items]
    if len({t.identity for t in targets}) != len(targets):  # "You can't target the same item with multiple operations"
        raise MultipleTransactionsException()
    reasons = [target.refusal() for target in targets]
    if any(code is not None for code, _, _ in reasons):
        raise TransactionCanceledException(reasons)
    writes = [t for t in targets if t.kind != "ConditionCheck"]
    saved = [copy.deepcopy(t.current()) for t in writes]
    done = 0
    try:
        for done, target in enumerate(writes, start=1):  # noqa: B007 (done counts the applied actions)
            target.apply(backend)
    except Exception as failure:
        for target, item in zip(writes[:done], saved[:done], strict=True):
            target.restore(item)
        if isinstance(failure, MockValidationException):
            raise
        position = targets.index(writes[done - 1])
        reasons = [(None, None, None)] * len(targets)
        reasons[position] = ("ValidationError", str(failure), None)
        raise TransactionCanceledException(reasons) from failure


def install() -> None:
    """Make every moto DynamoDB backend in this process (embedded server or in-process mock) use this engine."""
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
