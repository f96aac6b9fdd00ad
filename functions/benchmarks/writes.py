"""What each request writes to DynamoDB: the items, their write units and the calls, seen through botocore's
event hooks on a client of moto in this process, and which item the most requests share."""
from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends

from local_dynamodb.items import item_id, key_of, stored_size, write_units

_SINGLE = ("PutItem", "UpdateItem", "DeleteItem")


@dataclass
class Written:
    """One request's DynamoDB traffic: its calls, and the items it wrote with the units each cost (the larger of
    the item before and after, doubled in a transaction; a transaction's ConditionCheck counted as a write)."""

    calls: list[str] = field(default_factory=list)
    units: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def write_units(self) -> int:
        return sum(self.units.values())


class WriteMeter:
    """Meters every DynamoDB call of `client` into the request begun last (`begin`), calls made side by side
    included (a definition change tells the shards eight at a time): each thread's call is metered on its own."""

    def __init__(self, client, region: str = "us-east-1") -> None:
        self.requests: list[Written] = []
        self._region = region
        self._local = threading.local()  # the writes of the call in flight on this thread
        self._lock = threading.Lock()
        client.meta.events.register("before-parameter-build.dynamodb.*", self._before)
        client.meta.events.register("after-call.dynamodb.*", self._after)

    def begin(self) -> Written:
        self.requests.append(Written())
        return self.requests[-1]

    def _table(self, name: str):
        return dynamodb_backends[DEFAULT_ACCOUNT_ID][self._region].get_table(name)

    def _before(self, model, params, **_) -> None:
        if not self.requests:
            return
        self.requests[-1].calls.append(model.name)  # list.append is atomic
        if model.name == "TransactWriteItems":
            targets = [(body, True) for action in params["TransactItems"] for body in action.values()]
        elif model.name in _SINGLE:
            targets = [(params, False)]
        else:
            return
        self._local.pending = []
        for body, transactional in targets:
            table = self._table(body["TableName"])
            key = key_of(table, body)
            self._local.pending.append((body["TableName"], key, transactional, stored_size(table, key)))

    def _after(self, http_response, **_) -> None:
        pending, self._local.pending = getattr(self._local, "pending", []), []
        if not self.requests or http_response.status_code != 200:
            return
        for table_name, key, transactional, before in pending:
            table = self._table(table_name)
            with self._lock:
                self.requests[-1].units[item_id(table, key)] = write_units(max(before, stored_size(table, key)),
                                                                         transactional)

    def hottest(self) -> tuple[str | None, float]:
        """The item written by the most requests, and the share of the requests that wrote it."""
        if not self.requests:
            return None, 0.0
        counts = Counter(item for request in self.requests for item in request.units)
        if not counts:
            return None, 0.0
        (_, key), times = counts.most_common(1)[0]
        return key, times / len(self.requests)
