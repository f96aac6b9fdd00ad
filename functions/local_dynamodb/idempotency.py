"""Idempotent retries: a TransactWriteItems repeated with its ClientRequestToken is applied once.

Models "Amazon DynamoDB Transactions: How it works", Idempotency (developer guide), and the API reference of
TransactWriteItems: a token is valid for 10 minutes after the request that used it completed; a repeat with the
same token and payload succeeds without changing anything; the same token with another payload is
IdempotentParameterMismatchException; a repeat while the first is still in progress is
TransactionInProgressException. Only a transaction that succeeded is remembered: a cancelled one changed nothing,
so its repeat is simply tried again.
"""
from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

WINDOW_SECONDS = 600.0


def fingerprint(request: dict[str, Any]) -> bytes:
    """What must be equal for a repeat to be the same request: every parameter but the token (as a digest, kept for
    every transaction of the last 10 minutes, so in bytes rather than hex)."""
    payload = {k: v for k, v in request.items() if k != "ClientRequestToken"}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).digest()


@dataclass(frozen=True, slots=True)
class Used:
    fingerprint: bytes
    completes_at: float  # when the first request answers: until then a repeat is "in progress"


class ClientTokens:
    """The tokens of the transactions that succeeded in the last `window` seconds."""

    def __init__(self, window: float = WINDOW_SECONDS):
        self._window = window
        self._used: OrderedDict[str, Used] = OrderedDict()

    def seen(self, token: str, now: float) -> Used | None:
        self._forget_before(now)
        return self._used.get(token)

    def remember(self, token: str, request: dict[str, Any], completes_at: float) -> None:
        self._used[token] = Used(fingerprint(request), completes_at)
        self._used.move_to_end(token)

    def _forget_before(self, now: float) -> None:
        while self._used:
            token, used = next(iter(self._used.items()))
            if now - used.completes_at < self._window:
                return
            del self._used[token]
