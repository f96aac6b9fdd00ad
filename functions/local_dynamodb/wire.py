"""Errors in DynamoDB's own wire format (the JSON 1.0 protocol), so botocore raises what it raises in AWS."""
from __future__ import annotations

import json
import uuid
from typing import Any

PREFIX = "com.amazonaws.dynamodb.v20120810#"
CONFLICT_MESSAGE = "Transaction is ongoing for the item"
THROTTLED_MESSAGE = ("Throughput exceeds the current capacity for one or more partitions of your table. "
                     "Reduce the rate of requests to the item.")


class WireError(Exception):
    """An answer of HTTP 400 with DynamoDB's error shape: `__type`, `message` and any extra members."""

    def __init__(self, code: str, message: str, **extra: Any):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.body = {"__type": PREFIX + code, "message": message, **extra}

    def response(self) -> tuple[str, list[tuple[str, str]], bytes]:
        body = json.dumps(self.body).encode()
        return "400 Bad Request", [("Content-Type", "application/x-amz-json-1.0"),
                                   ("x-amzn-RequestId", str(uuid.uuid4())),
                                   ("Content-Length", str(len(body)))], body


def transaction_conflict() -> WireError:
    return WireError("TransactionConflictException", CONFLICT_MESSAGE)


def throttled() -> WireError:
    return WireError("ThrottlingException", THROTTLED_MESSAGE)


def in_progress() -> WireError:
    return WireError("TransactionInProgressException", "The transaction with the given request token is already "
                                                       "in progress.")


def parameter_mismatch() -> WireError:
    return WireError("IdempotentParameterMismatchException", "The request uses the same client token as a "
                                                             "previous, but non-identical, request.")


def cancelled(reasons: list[tuple[str, str] | None]) -> WireError:
    """TransactionCanceledException with a reason per action, in order; None where the action was not the cause."""
    codes = [reason[0] if reason else "None" for reason in reasons]
    return WireError("TransactionCanceledException",
                     f"Transaction cancelled, please refer cancellation reasons for specific reasons "
                     f"[{', '.join(codes)}]",
                     CancellationReasons=[{"Code": r[0], "Message": r[1]} if r else {"Code": "None"}
                                          for r in reasons])


CONFLICT_REASON = ("TransactionConflict", CONFLICT_MESSAGE)
THROTTLED_REASON = ("ThrottlingError", THROTTLED_MESSAGE)
