"""The DynamoDB basics every adapter shares: the client, item (de)serialization, keys, and atomic writes."""
from __future__ import annotations

import contextvars
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any, TypeVar

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import ClientError

from badges.config import settings
from badges.store.retry import CONNECT_TIMEOUT, READ_TIMEOUT, RetryingClient, cancellation_codes

T, R = TypeVar("T"), TypeVar("R")
BADGE_PREFIX = "BADGE#"
GROUP_PREFIX = "GROUP#"
MAX_ID_LENGTH = 64  # longer is no id of ours, and could exceed DynamoDB's key size
# Connections kept open: a definition change tells its 64 tally shards side by side (store.changes).
POOL = 64
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def new_dynamodb_client(region: str | None, endpoint_url: str | None = None) -> RetryingClient:
    """A DynamoDB client whose every call goes through the one retry layer; botocore itself tries once."""
    return RetryingClient(boto3.client(
        "dynamodb",
        region_name=region,
        endpoint_url=endpoint_url,
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=CONNECT_TIMEOUT,
                      read_timeout=READ_TIMEOUT, tcp_keepalive=True, max_pool_connections=POOL),
    ))


@cache
def dynamodb_client() -> RetryingClient:
    """One client per process, made on first use so cold starts and moto stay happy."""
    cfg = settings()
    return new_dynamodb_client(cfg.region, cfg.dynamodb_endpoint)


def to_item(attributes: dict[str, Any]) -> dict[str, dict]:
    return {key: _serializer.serialize(value) for key, value in attributes.items() if value is not None}


def from_item(item: dict[str, dict]) -> dict[str, Any]:
    return {key: _deserializer.deserialize(value) for key, value in item.items()}


def org_key(org_id: int) -> str:
    return f"ORG#{org_id}"


def badge_key(org_id: int, badge_id: str) -> dict:
    return to_item({"pk": org_key(org_id), "sk": BADGE_PREFIX + badge_id})


def group_key(org_id: int, group_id: str) -> dict:
    return to_item({"pk": org_key(org_id), "sk": GROUP_PREFIX + group_id})


class Refused(Exception):
    """A conditional write was refused. Each item of the write has a name: `reasons` holds each one's reason, in
    the order written ('None' where it passed), and `items` the item as it stood for each that failed and asked
    for it (ReturnValuesOnConditionCheckFailure)."""

    def __init__(self, reasons: dict[str, str], items: dict[str, dict | None] | None = None):
        super().__init__(reasons)
        self.reasons = reasons
        self.items = items or {}

    @property
    def codes(self) -> list[str]:
        return list(self.reasons.values())

    def old(self, name: str) -> dict:
        """The item `name` as the refusing condition saw it; empty if it was not returned (or absent)."""
        item = self.items.get(name)
        return from_item(item) if item else {}

    def failed(self, name: str) -> bool:
        return self.reasons.get(name) == "ConditionalCheckFailed"


_SINGLE_WRITES = {"Put": "put_item", "Update": "update_item", "Delete": "delete_item"}


def write_named(client: RetryingClient, named: list[tuple[str, dict]]) -> None:
    """Apply the items atomically, each under a name of its own that a refusal answers by: one item as a plain
    conditional write (half the cost of a one-item transaction), several as one transaction. Refused when a
    condition fails; throttling and conflicts were retried by the client and, if they outlasted its budget, are
    ServiceUnavailable (a 503)."""
    names = [name for name, _ in named]
    if len(set(names)) != len(names):
        raise ValueError(f"transaction items need distinct names: {names}")
    items = [item for _, item in named]
    try:
        if len(items) == 1 and next(iter(items[0])) in _SINGLE_WRITES:
            [(action, params)] = items[0].items()
            getattr(client, _SINGLE_WRITES[action])(**params)
        else:
            client.transact_write_items(TransactItems=items)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code == "ConditionalCheckFailedException":
            raise Refused({names[0]: "ConditionalCheckFailed"}) from exc
        codes = cancellation_codes(exc)
        if "ConditionalCheckFailed" in codes:
            reasons = exc.response.get("CancellationReasons", [])
            raise Refused(dict(zip(names, codes, strict=True)),
                          {name: reason.get("Item") for name, reason in zip(names, reasons, strict=True)}) from exc
        raise


def versioned_put(table: str, item: dict, read_version: int) -> dict:
    """A put that succeeds only over the version read (0: only where nothing is stored)."""
    if read_version == 0:
        return {"Put": {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}
    return {"Put": {"TableName": table, "Item": item, "ConditionExpression": "#version = :read",
                    "ExpressionAttributeNames": {"#version": "version"},
                    "ExpressionAttributeValues": to_item({":read": read_version})}}


def get_many(client: RetryingClient, table: str, keys: list[dict], consistent: bool = True) -> list[dict]:
    """The items at these keys that exist, strongly consistent unless told otherwise: BatchGetItem's 100 keys a
    call, the calls side by side, and whatever DynamoDB left unprocessed asked for again."""
    def batch(chunk: list[dict]) -> list[dict]:
        found: list[dict] = []
        request: dict | None = {table: {"Keys": chunk, "ConsistentRead": consistent}}
        while request:
            response = client.batch_get_item(RequestItems=request)
            found += response["Responses"].get(table, [])
            request = response.get("UnprocessedKeys") or None
        return found

    chunks = [keys[start:start + 100] for start in range(0, len(keys), 100)]
    if len(chunks) <= 1:
        return batch(chunks[0]) if chunks else []
    return [item for found in side_by_side(batch, chunks, most=8) for item in found]


def side_by_side(call: Callable[[T], R], args: Sequence[T], most: int) -> list[R]:
    """`call` on each argument, at most `most` at once, each in a copy of this context (so that the invocation's
    retry budget, a context variable, holds in every thread); the results in order, or the first error."""
    contexts = [contextvars.copy_context() for _ in args]  # copied here, in the caller's thread: one a call
    with ThreadPoolExecutor(max_workers=max(1, min(most, len(args)))) as pool:
        return list(pool.map(lambda context, arg: context.run(call, arg), contexts, args))


def query_prefix(client: RetryingClient, table: str, pk: str, prefix: str, consistent: bool = False) -> list[dict]:
    """Every item of the partition `pk` whose sort key starts with `prefix`, page after page."""
    query = {"TableName": table, "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
             "ConsistentRead": consistent, "ExpressionAttributeValues": to_item({":pk": pk, ":prefix": prefix})}
    items: list[dict] = []
    while True:
        response = client.query(**query)
        items += response["Items"]
        if "LastEvaluatedKey" not in response:
            return items
        query["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def version_gate(version: int) -> tuple[str, dict, dict]:
    """The condition that a badge tally was told no newer version than `version` (absent: never told of a change
    since the badge's creation), with its names and values; the write that carries it tells the tally `version`
    (SET), so an earn planned on a change takes its shard along with it (store.changes)."""
    return ("(attribute_not_exists(#version) OR #version <= :version)", {"#version": "version"},
            {":version": version})
