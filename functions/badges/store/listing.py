"""Reads of an org's listing (groups, badges): offset pages with their totals, pages after a token, and walks."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from badges.domain.paging import MAX_OFFSET_ITEMS, PageRequest, total_pages
from badges.store.items import org_key, to_item
from badges.store.retry import RetryingClient

# One listing request makes at most this many Query calls of at most _QUERY_LIMIT items each (and DynamoDB reads at
# most 1 MB a call): with MAX_OFFSET_ITEMS it bounds what a request reads, filtered out items included.
MAX_QUERIES = 20
_QUERY_LIMIT = 100
_MAX_PAGE_QUERIES = 8  # Query calls a page of a walk (query_page) makes at most


@dataclass(frozen=True)
class Read:
    """The matching items of a bounded read in key order, and where the listing goes on (None: it ended)."""

    matches: list[dict]
    resume_after: str | None


def read_listing(client: RetryingClient, query: dict[str, Any], org_pk: str, ascending: bool, after: str | None,
                 want: int | None = None, keep: Callable[[dict], bool] = lambda _: True) -> Read:
    """Read the org's items that `query` (a Query on pk and a sort key prefix) selects, from after the sort key
    `after`, in key order, until `want` matches, MAX_OFFSET_ITEMS items read or MAX_QUERIES calls; `keep` filters
    what DynamoDB's FilterExpression cannot."""
    matches: list[dict] = []
    read, calls = 0, 0
    start = {"pk": {"S": org_pk}, "sk": {"S": after}} if after else None
    while read < MAX_OFFSET_ITEMS and calls < MAX_QUERIES:
        params = {**query, "ScanIndexForward": ascending, "Limit": min(_QUERY_LIMIT, MAX_OFFSET_ITEMS - read)}
        if start:
            params["ExclusiveStartKey"] = start
        response = client.query(**params)
        calls += 1
        read += response.get("ScannedCount", len(response["Items"]))
        for item in response["Items"]:
            if keep(item):
                matches.append(item)
                if want is not None and len(matches) == want:
                    return Read(matches, item["sk"]["S"])  # another may follow: the next page says
        start = response.get("LastEvaluatedKey")
        if start is None:
            return Read(matches, None)
    return Read(matches, start["sk"]["S"] if start else None)


@dataclass(frozen=True)
class Slice:
    items: list[dict]
    next_after: str | None  # the sort key a nextToken resumes after; None: no token
    page: int | None
    total: int | None
    total_pages: int | None


def page_of(read: Read, request: PageRequest, sort_key: Callable[[dict], Any] | None = None) -> Slice:
    """The page a request asks for out of a read. By offset: the page of the matches sorted (by `sort_key` unless
    sort ID, which is key order), `total` counting the matches read. After a token: the read is the page."""
    if request.token is not None:
        return Slice(read.matches, read.resume_after, None, None, None)
    matches = read.matches
    if request.sort_on != "ID" and sort_key is not None:
        matches = sorted(matches, key=lambda item: (sort_key(item), item["sk"]["S"]),
                         reverse=request.order == "DESC")
    first = request.page * request.size
    items = matches[first:first + request.size]
    next_after = None
    if request.sort_on == "ID":  # a token resumes in key order only
        next_after = items[-1]["sk"]["S"] if len(matches) > first + request.size else read.resume_after
    return Slice(items, next_after, request.page, len(matches), total_pages(len(matches), request.size))


def listing_query(table: str, org_id: int, prefix: str, expression: dict | None = None) -> dict:
    """A Query of the org's items whose sort key starts with `prefix`, with a filter expression if given."""
    expression = expression or {}
    return {"TableName": table, "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)", **expression,
            "ExpressionAttributeValues": {**to_item({":pk": org_key(org_id), ":prefix": prefix}),
                                          **expression.get("ExpressionAttributeValues", {})}}


def query_page(client: RetryingClient, table: str, org_id: int, prefix: str, limit: int, after: str | None,
               expression: dict | None = None) -> tuple[list[dict], str | None]:
    """Up to `limit` matching items of the org whose sort key starts with `prefix`, from the sort key `after` on,
    and the sort key to resume after (None at the end).

    With a filter, DynamoDB counts items it read, not those that matched, so it asks again for the rest,
    at most a few times; a short page that leads on is possible, an empty page is never the last but for `None`.
    """
    query = listing_query(table, org_id, prefix, expression)
    start = {"pk": org_key(org_id), "sk": after} if after else None
    items: list[dict] = []
    for _ in range(_MAX_PAGE_QUERIES):
        if start:
            query["ExclusiveStartKey"] = to_item(start)
        query["Limit"] = limit - len(items)
        response = client.query(**query)
        items += response["Items"]
        last = response.get("LastEvaluatedKey")
        start = {"pk": last["pk"]["S"], "sk": last["sk"]["S"]} if last else None
        if start is None or len(items) >= limit:
            break
    return items, start["sk"] if start else None
