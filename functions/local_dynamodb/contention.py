"""Contention: a write holds its items while it is in flight, and what overlaps a held item is refused.

Models "Transaction conflict handling in DynamoDB" (developer guide): a PutItem, UpdateItem or DeleteItem of an
item in an ongoing TransactWriteItems fails with TransactionConflictException; a TransactWriteItems touching an
item of another ongoing transaction is cancelled with reason TransactionConflict at that item; a TransactGetItems
touching an item of any ongoing write is cancelled likewise. Plain writes to one item do not conflict with each
other (DynamoDB serializes them), nor does a transaction with an ongoing plain write.

A write is "in flight" for `hold` seconds after it is applied (DynamoDB's order of latency): the store answers it
only when the hold ends, so a caller never conflicts with its own finished write.
"""
from __future__ import annotations

from collections.abc import Iterable

from local_dynamodb.items import ItemId

TRANSACTION, PLAIN = "transaction", "plain"


class Holds:
    def __init__(self) -> None:
        self._held: dict[ItemId, tuple[float, str]] = {}  # item -> (held until, by what kind of write)
        self._prune_at = 1024

    def held(self, item: ItemId, now: float, by: Iterable[str] = (TRANSACTION,)) -> bool:
        """Whether an ongoing write of one of these kinds holds the item."""
        hold = self._held.get(item)
        return hold is not None and hold[0] > now and hold[1] in by

    def hold(self, items: Iterable[ItemId], until: float, kind: str, now: float) -> None:
        for item in items:
            current = self._held.get(item)
            if current is None or current[0] <= now or kind == TRANSACTION:
                self._held[item] = (until, kind)
        if len(self._held) > self._prune_at:  # forget finished holds, in time linear in those kept
            self._held = {item: hold for item, hold in self._held.items() if hold[0] > now}
            self._prune_at = max(1024, 2 * len(self._held))
