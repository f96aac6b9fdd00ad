"""Threads: DynamoDB serves many requests at once; moto is not thread-safe. An in-process mock (`mock_aws`, the
integration tests) runs each request in its caller's thread, so a service that writes side by side (the walk of a
definition change, store.changes) would meet moto's state half-changed. One request at a time through moto's
in-process stubber, as the local server (model.LocalDynamoDB) already does behind its own lock."""
from __future__ import annotations

import functools
import threading

from moto.core.botocore_stubber import BotocoreStubber

_LOCK = threading.RLock()


def install() -> None:
    if getattr(BotocoreStubber.__call__, "_one_at_a_time", False):
        return
    unlocked = BotocoreStubber.__call__

    @functools.wraps(unlocked)
    def one_at_a_time(self, *args, **kwargs):
        with _LOCK:
            return unlocked(self, *args, **kwargs)

    one_at_a_time._one_at_a_time = True  # type: ignore[attr-defined]
    BotocoreStubber.__call__ = one_at_a_time  # type: ignore[method-assign]
