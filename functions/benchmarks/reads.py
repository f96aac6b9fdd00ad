"""What each request reads from DynamoDB: its read calls, the keys asked for and their read units, seen through
botocore's event hooks on a client of moto in this process (the developer guide's "Read consumption": a read of
up to 4 KB is one unit strongly consistent, half eventually consistent; GetItem and each BatchGetItem key cost at
least that, found or not; a Query sums its items' sizes before rounding)."""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends

from local_dynamodb.items import stored_size

_READS = ("GetItem", "BatchGetItem", "Query", "Scan")


@dataclass
class Read:
    """One request's reads: the read calls in order, and their read units."""

    calls: list[str] = field(default_factory=list)
    units: float = 0.0


class ReadMeter:
    """Meters the reads of every DynamoDB call of `client` into the request begun last (`begin`)."""

    def __init__(self, client, region: str = "us-east-1") -> None:
        self.requests: list[Read] = []
        self._region = region
        self._lock = threading.Lock()
        client.meta.events.register("before-parameter-build.dynamodb.*", self._before)
        client.meta.events.register("after-call.dynamodb.*", self._after)
        self._local = threading.local()

    def begin(self) -> Read:
        self.requests.append(Read())
        return self.requests[-1]

    def _table(self, name: str):
        return dynamodb_backends[DEFAULT_ACCOUNT_ID][self._region].get_table(name)

    def _before(self, params, model, **_) -> None:
        self._local.params = params

    def _after(self, http_response, parsed, model, **_) -> None:
        if not self.requests or model.name not in _READS or http_response.status_code != 200:
            return
        params = getattr(self._local, "params", {})
        units = 0.0
        if model.name == "GetItem":
            units = _units(stored_size(self._table(params["TableName"]), params["Key"]), params.get("ConsistentRead"))
        elif model.name == "BatchGetItem":
            for name, asked in params["RequestItems"].items():
                table = self._table(name)
                units += sum(_units(stored_size(table, key), asked.get("ConsistentRead")) for key in asked["Keys"])
        else:
            table = self._table(params["TableName"])
            size = sum(stored_size(table, {k: item[k] for k in (table.hash_key_attr, table.range_key_attr) if k})
                       for item in parsed.get("Items", []))
            units = _units(size, params.get("ConsistentRead"))
        with self._lock:
            self.requests[-1].calls.append(model.name)
            self.requests[-1].units += units


def _units(size: int, consistent: bool | None) -> float:
    whole = max(1, math.ceil(size / 4096))
    return whole if consistent else whole / 2
