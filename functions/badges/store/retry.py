"""The one retry layer for DynamoDB back-pressure: jittered backoff inside one time budget, then a 503."""
from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

from botocore import exceptions as botocore_errors
from botocore.exceptions import ClientError

from badges.domain.errors import ServiceUnavailable
from badges.observability import logger

# botocore's own retries are off (one attempt per call); these bound how long one attempt can take.
CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 2.0
# Retries stop this long before the invocation times out: room for one more attempt that times out at worst,
# and for the answer to be written.
SAFETY_MARGIN = CONNECT_TIMEOUT + READ_TIMEOUT + 0.5
# Outside a Lambda invocation (the admin CLI, tests calling a store) a call retries for this long at most.
DEFAULT_BUDGET = 3.0
BASE_DELAY = 0.025
MAX_DELAY = 1.0

RETRIED_CODES = frozenset({
    "ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
    "TransactionConflictException", "TransactionInProgressException", "InternalServerError", "ServiceUnavailable",
})
# Per-item reasons of a cancelled transaction that are contention, not a decision.
RETRIED_CANCELLATIONS = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})
TRANSIENT_ERRORS = (botocore_errors.ConnectionError, botocore_errors.ReadTimeoutError,
                    botocore_errors.ConnectionClosedError)

_remaining_ms: ContextVar[Callable[[], int] | None] = ContextVar("badges_remaining_ms", default=None)


class Clock(Protocol):
    """What the layer needs of time; the `time` module is one, tests pass a fake that sleeps instantly."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float, /) -> None: ...


@contextmanager
def invocation_budget(context: Any) -> Iterator[None]:
    """Within the block, DynamoDB calls stop retrying early enough for the invocation to answer before its
    timeout; after it, calls fall back to the default budget. A context without remaining time changes nothing."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    token = _remaining_ms.set(remaining)
    try:
        yield
    finally:
        _remaining_ms.reset(token)


def retry_budget() -> float:
    """Seconds from now that retries may still take: the invocation's remaining time less the safety margin,
    or the default budget outside an invocation."""
    remaining = _remaining_ms.get()
    return DEFAULT_BUDGET if remaining is None else remaining() / 1000 - SAFETY_MARGIN


def cancellation_codes(exc: ClientError) -> list[str]:
    """The per-item reasons of a cancelled transaction, in the order of its items ('None' where it passed)."""
    return [reason.get("Code", "None") for reason in exc.response.get("CancellationReasons", [])]


def busy_code(exc: Exception) -> str | None:
    """The name of the back-pressure `exc` is, worth another attempt; None for an answer that stands.

    A cancelled transaction is retried only when an item met contention and none failed its condition: a failed
    condition is a decision, whatever else happened to the other items.
    """
    if isinstance(exc, TRANSIENT_ERRORS):
        return type(exc).__name__
    if not isinstance(exc, ClientError):
        return None
    code = exc.response.get("Error", {}).get("Code", "")
    if code in RETRIED_CODES or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500:
        return code
    if code == "TransactionCanceledException":
        reasons = cancellation_codes(exc)
        if "ConditionalCheckFailed" not in reasons and RETRIED_CANCELLATIONS.intersection(reasons):
            return f"{code}[{', '.join(reasons)}]"
    return None


class RetryingClient:
    """A DynamoDB client whose every operation retries back-pressure with full-jitter backoff until the budget
    is spent, then raises ServiceUnavailable; any other error is raised as boto3 raised it. Everything that is
    not an operation (`meta`, `exceptions`, `get_paginator`) is the boto3 client's own, so a paginator's pages
    are not retried: the stores page by hand."""

    def __init__(self, client: Any, clock: Clock = time, rng: random.Random | None = None):
        self.wrapped = client
        self.clock = clock
        self._rng = rng or random.Random()
        self._operations = client.meta.method_to_api_mapping

    def __getattr__(self, name: str) -> Any:
        if name in ("wrapped", "_operations"):  # not set yet (a copy being made): never ask the client
            raise AttributeError(name)
        # Looked up on every access, so a test that patches the boto3 client's method is still retried.
        attribute = getattr(self.wrapped, name)
        if name not in self._operations:
            return attribute

        def operation(**params: Any) -> Any:
            return self._call(name, params)

        operation.__name__ = name
        return operation

    def _call(self, name: str, params: dict[str, Any]) -> Any:
        if name == "transact_write_items":
            # One token for every attempt: DynamoDB applies a repeat of a committed transaction only once (within
            # ten minutes), so a retry after a lost answer cannot earn twice nor see its own requestId as taken.
            params = {"ClientRequestToken": str(uuid.uuid4()), **params}
        deadline: float | None = None
        attempt = 0
        while True:
            attempt += 1
            try:
                return getattr(self.wrapped, name)(**params)
            except (ClientError, botocore_errors.BotoCoreError) as exc:
                code = busy_code(exc)
                if code is None:
                    raise
                if deadline is None:
                    deadline = self.clock.monotonic() + retry_budget()
                delay = self._rng.uniform(0, min(MAX_DELAY, BASE_DELAY * 2 ** (attempt - 1)))
                if self.clock.monotonic() + delay > deadline:
                    logger.info("DynamoDB still busy, giving up", extra={
                        "operation": self._operations[name], "code": code, "attempt": attempt})
                    raise ServiceUnavailable() from exc
                logger.info("DynamoDB busy, retrying", extra={
                    "operation": self._operations[name], "code": code, "attempt": attempt,
                    "delay_ms": round(delay * 1000)})
                self.clock.sleep(delay)
