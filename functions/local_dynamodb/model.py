"""The local DynamoDB: moto as the engine, one request at a time, with DynamoDB's rules in front of it."""
from __future__ import annotations

import functools
import inspect
import io
import json
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import moto.core.responses
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.request import Request
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler

from local_dynamodb import install_engine, wire
from local_dynamodb.contention import PLAIN, TRANSACTION, Holds
from local_dynamodb.idempotency import WINDOW_SECONDS, ClientTokens, fingerprint
from local_dynamodb.items import ItemId, item_id, key_of, stored_size, write_units
from local_dynamodb.storage import LongLived
from local_dynamodb.throughput import DEFAULT_RATE, ItemThroughput

_TARGET_PREFIX = "DynamoDB_20120810."
_PLAIN_WRITES = {"PutItem", "UpdateItem", "DeleteItem"}
_MODELLED = _PLAIN_WRITES | {"TransactWriteItems", "TransactGetItems"}
_REGION = re.compile(r"Credential=[^/]*/[^/]*/([^/]+)/dynamodb/")
_JSON = [("Content-Type", "application/x-amz-json-1.0")]

Answer = tuple[str, list[tuple[str, str]], list[bytes]]


@functools.cache
def _handler_methods(handler: type) -> frozenset[str]:
    """The methods of one of moto's handler classes, which moto looks up by inspecting the class on every request."""
    return frozenset(name for name, _ in inspect.getmembers(handler, predicate=inspect.isfunction))


@dataclass(frozen=True)
class ModelSettings:
    """What the local DynamoDB models beyond moto; `contention=False` leaves scale and idempotency only."""

    contention: bool = True  # holds, conflicts and per-item throttling
    hold_seconds: float = 0.010  # how long a write is in flight, holding its items
    item_write_units_per_second: float = DEFAULT_RATE
    token_window_seconds: float = WINDOW_SECONDS


@dataclass
class _Target:
    table: Table
    key: dict[str, Any]
    id: ItemId
    before: int = 0  # the item's size before the write


class LocalDynamoDB:
    """A WSGI app: every AWS request goes to moto, one at a time (moto is not thread-safe), a DynamoDB request
    straight to moto's DynamoDB handler and any other to moto's app; DynamoDB's writes and transactional reads pass
    the modelled rules first, and a write answers when its hold ends."""

    def __init__(self, engine_app: Callable, settings: ModelSettings | None = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        install_engine()
        moto.core.responses.method_names_from_class = _handler_methods  # type: ignore[attr-defined]
        self.settings = settings or ModelSettings()
        self._engine_app = engine_app
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self.tokens = ClientTokens(self.settings.token_window_seconds)
        self.holds = Holds()
        self.throughput = ItemThroughput(self.settings.item_write_units_per_second)
        self.long_lived = LongLived()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith(_TARGET_PREFIX):
            with self._lock:
                return list(self._engine_app(environ, start_response))
        operation = target[len(_TARGET_PREFIX):]
        if operation not in _MODELLED:
            with self._lock:
                status, headers, chunks = self._call_engine(environ)
            start_response(status, headers)
            return chunks
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        with self._lock:
            now = self._clock()
            try:
                (status, headers, chunks), answer_at = self._serve(operation, json.loads(body or b"{}"), environ, now)
            except wire.WireError as error:
                status, headers, chunk = error.response()
                chunks, answer_at = [chunk], now
        if (wait := answer_at - self._clock()) > 0:
            self._sleep(wait)  # the write is in flight until its hold ends, outside the lock
        start_response(status, headers)
        return chunks

    # ---- the rules, per operation -----------------------------------------------------------------------

    def _serve(self, operation: str, request: dict, environ: dict, now: float) -> tuple[Answer, float]:
        backend = self._backend(environ)
        if operation == "TransactWriteItems":
            return self._transact_write(request, environ, backend, now)
        if operation == "TransactGetItems":
            return self._transact_get(request, environ, backend, now)
        return self._plain_write(request, environ, backend, now)

    def _transact_write(self, request: dict, environ: dict, backend: DynamoDBBackend,
                        now: float) -> tuple[Answer, float]:
        targets = self._targets(backend, request.get("TransactItems"))
        token = request.get("ClientRequestToken")
        if targets is None:  # not a well-formed transaction on known tables: moto says what is wrong
            return self._call_engine(environ), now
        if token and (used := self.tokens.seen(token, now)) is not None:
            if used.fingerprint != fingerprint(request):
                raise wire.parameter_mismatch()
            if now < used.completes_at:
                raise wire.in_progress()
            return ("200 OK", list(_JSON), [b'{"ConsumedCapacity":[],"ItemCollectionMetrics":{}}']), now
        if self.settings.contention:
            self._refuse_held(targets, now, (TRANSACTION,))
            throttled = self._throttled(targets, True, now)
            if any(throttled):
                raise wire.cancelled([wire.THROTTLED_REASON if hit else None for hit in throttled])
        answer = self._call_engine(environ)
        if not answer[0].startswith("200"):
            return answer, now
        until = self._written(targets, True, now)
        if token:
            self.tokens.remember(token, request, until)
        return answer, until

    def _plain_write(self, request: dict, environ: dict, backend: DynamoDBBackend, now: float) -> tuple[Answer, float]:
        table = backend.tables.get(request.get("TableName"))
        if table is None:
            return self._call_engine(environ), now
        key = key_of(table, request)
        target = _Target(table, key, item_id(table, key))
        if self.settings.contention:
            if self.holds.held(target.id, now, (TRANSACTION,)):
                raise wire.transaction_conflict()
            if any(self._throttled([target], False, now)):
                raise wire.throttled()
        answer = self._call_engine(environ)
        if not answer[0].startswith("200"):
            return answer, now
        return answer, self._written([target], False, now)

    def _transact_get(self, request: dict, environ: dict, backend: DynamoDBBackend,
                      now: float) -> tuple[Answer, float]:
        targets = self._targets(backend, request.get("TransactItems"))
        if targets is not None and self.settings.contention:
            self._refuse_held(targets, now, (TRANSACTION, PLAIN))
        return self._call_engine(environ), now

    # ---- helpers ----------------------------------------------------------------------------------------

    def _refuse_held(self, targets: list[_Target], now: float, by: tuple[str, ...]) -> None:
        held = [self.holds.held(t.id, now, by) for t in targets]
        if any(held):
            raise wire.cancelled([wire.CONFLICT_REASON if hit else None for hit in held])

    def _throttled(self, targets: list[_Target], transactional: bool, now: float) -> list[bool]:
        """Notes each item's size before the write, and whether its item is out of write units for it."""
        for target in targets:
            target.before = stored_size(target.table, target.key)
        return [self.throughput.throttled(t.id, write_units(t.before, transactional), now) for t in targets]

    def _written(self, targets: list[_Target], transactional: bool, now: float) -> float:
        """Charge each item what the write cost and hold it; returns when the write answers."""
        self.long_lived.written()
        if not self.settings.contention:
            return now
        for target in targets:
            size = max(target.before, stored_size(target.table, target.key))
            self.throughput.charge(target.id, write_units(size, transactional), now)
        until = now + self.settings.hold_seconds
        self.holds.hold((t.id for t in targets), until, TRANSACTION if transactional else PLAIN, now)
        return until

    @staticmethod
    def _targets(backend: DynamoDBBackend, actions: Any) -> list[_Target] | None:
        if not isinstance(actions, list):
            return None
        targets = []
        for action in actions:
            if not isinstance(action, dict) or len(action) != 1:
                return None
            op = next(iter(action.values()))
            table = backend.tables.get(op.get("TableName")) if isinstance(op, dict) else None
            if table is None:
                return None
            key = key_of(table, op)
            targets.append(_Target(table, key, item_id(table, key)))
        return targets

    @staticmethod
    def _backend(environ: dict) -> DynamoDBBackend:
        found = _REGION.search(environ.get("HTTP_AUTHORIZATION", ""))
        return dynamodb_backends[DEFAULT_ACCOUNT_ID][found.group(1) if found else "us-east-1"]

    @staticmethod
    def _call_engine(environ: dict) -> Answer:
        """moto's answer to a DynamoDB request, from its DynamoDB handler itself, as moto's in-process mock calls it:
        its server's Flask app and per-request service lookup would add nothing but time."""
        request = Request(environ)
        status, headers, body = DynamoHandler.dispatch(request, request.raw_url, dict(request.headers))
        chunk = body.encode() if isinstance(body, str) else body
        headers = {str(name).lower(): str(value) for name, value in headers.items() if name != "status"}
        headers["content-length"] = str(len(chunk))
        return f"{status} {HTTPStatus(int(status)).phrase}", list(headers.items()), [chunk]
