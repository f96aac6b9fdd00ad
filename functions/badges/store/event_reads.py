"""What the badgeEarned payload reads: badge definitions, customer counters, and badge-wide counts kept seconds.

A badge-wide count is the sum over the badge's 64 tally shards, 64 keys a counter. Read for every event, that
is 64 reads per constraint per earn; so the sums are kept in the process for EVENT_COUNTS_TTL seconds (the
1,024 most recent counters), and one read serves every event of a batch and of the next seconds' batches. A
badge-level `currentEarnCount` may so lag by the earns of those seconds. Definitions are kept as long.
"""
from __future__ import annotations

import threading
from functools import cache

from cachetools import TTLCache

from badges.config import settings
from badges.domain.badges import Badge
from badges.store.badges import DynamoBadgeStore
from badges.store.items import dynamodb_client, from_item, get_many, org_key, to_item
from badges.store.retry import RetryingClient
from badges.store.tallies import SHARDS, shard_sums, tally_pk

EVENT_COUNTS_TTL = 5  # seconds a badge-wide sum (and a definition) is reused
_KEPT = 1024
class DynamoEventReads:
    def __init__(self, client: RetryingClient, table_name: str):
        self._client = client
        self._table = table_name
        self._badges = DynamoBadgeStore(client, table_name)
        self._definitions: TTLCache[tuple[int, str], Badge | None] = TTLCache(_KEPT, EVENT_COUNTS_TTL)
        self._sums: TTLCache[tuple[int, str, str], dict[str, int]] = TTLCache(_KEPT, EVENT_COUNTS_TTL)
        self._lock = threading.Lock()

    def badges(self, org_id: int, badge_ids: set[str]) -> dict[str, Badge | None]:
        """The badges (None: not found), from the last seconds' reads or one eventually consistent read."""
        with self._lock:
            known = {bid: self._definitions[(org_id, bid)] for bid in badge_ids if (org_id, bid) in self._definitions}
        missing = sorted(badge_ids - set(known))
        if missing:
            found = {badge.id: badge for badge in self._badges.many(org_id, missing)}
            with self._lock:
                for bid in missing:
                    known[bid] = self._definitions[(org_id, bid)] = found.get(bid)
        return known

    def customer_counts(self, wanted: set[tuple[int, int, str, str]]) -> dict[tuple[int, int, str, str], dict]:
        """Per (org, customer, badge, counter sort key), the customer's counter item of the badge now (an empty
        one if it was never written), all in one read."""
        keys = {(f"{org_key(org)}#CUST#{customer}#BADGE#{badge}", sk): (org, customer, badge, sk)
                for org, customer, badge, sk in wanted}
        found = self.items(set(keys))
        return {wanted_key: found.get(key, {}) for key, wanted_key in keys.items()}

    def items(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], dict]:
        """The items at these (pk, sk), as they are now (eventually consistent: the earn committed before its
        stream record was read, so the read sees it but for rare replication lag)."""
        found = get_many(self._client, self._table, [to_item({"pk": pk, "sk": sk}) for pk, sk in sorted(keys)],
                         consistent=False)
        return {(item["pk"], item["sk"]): item for item in map(from_item, found)}

    def badge_sums(self, org_id: int, badge_id: str, sks: set[str]) -> dict[str, dict[str, int]]:
        """Per badge-wide counter item, each attribute summed over the 64 shards, reused for a few seconds."""
        with self._lock:
            sums = {sk: self._sums[(org_id, badge_id, sk)] for sk in sks if (org_id, badge_id, sk) in self._sums}
        missing = sks - set(sums)
        if missing:
            keys = {(tally_pk(org_key(org_id), badge_id, shard), sk) for shard in range(SHARDS) for sk in missing}
            fresh = {sk: {} for sk in missing} | shard_sums(self.items(keys).values())
            with self._lock:
                for sk, counted in fresh.items():
                    self._sums[(org_id, badge_id, sk)] = counted
            sums |= fresh
        return sums


def stream_image(record: dict) -> dict:
    """A DynamoDB Streams record's new image as the item's plain values."""
    return from_item(record["dynamodb"]["NewImage"])


@cache
def event_reads() -> DynamoEventReads:
    return DynamoEventReads(dynamodb_client(), settings().table("badges"))
