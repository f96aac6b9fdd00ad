"""Throughput: one item takes about 1,000 write units a second; past that, its writes are throttled.

Models "Best practices for designing and using partition keys effectively" and "Burst and adaptive capacity"
(developer guide): a single partition, hence a single item, serves at most 1,000 write units per second whatever
the table's capacity; requests past it are throttled (ThrottlingException, or reason ThrottlingError inside a
cancelled transaction). Each item has a bucket of `rate` units that refills at `rate` a second: a write is
throttled while its item's bucket is empty, and charged what it actually cost once applied.
"""
from __future__ import annotations

from local_dynamodb.items import ItemId

DEFAULT_RATE = 1000.0


class ItemThroughput:
    def __init__(self, rate: float = DEFAULT_RATE):
        self.rate = rate
        self._buckets: dict[ItemId, tuple[float, float]] = {}  # item -> (units left, when last charged)
        self._prune_at = 1024

    def left(self, item: ItemId, now: float) -> float:
        units, at = self._buckets.get(item, (self.rate, now))
        return min(self.rate, units + (now - at) * self.rate)

    def throttled(self, item: ItemId, units: int, now: float) -> bool:
        """Whether the item has fewer than `units` left this second."""
        return self.left(item, now) < units

    def charge(self, item: ItemId, units: int, now: float) -> None:
        self._buckets[item] = (self.left(item, now) - units, now)
        if len(self._buckets) > self._prune_at:  # a full bucket is the same as none: forget it
            self._buckets = {i: bucket for i, bucket in self._buckets.items() if self.left(i, now) < self.rate}
            self._prune_at = max(1024, 2 * len(self._buckets))
