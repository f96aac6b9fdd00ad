"""The DynamoDB side of earning: issues, earns and revokes, each one transaction whose conditions decide.

Items (all keys start with the org):
- the badge item counts `issuedCount` and `earnedCount`; an earn writes it at the badge version it read, so a
  definition, claim or activation change in between makes the earn stale, and the badge's fixed value is the
  condition `earnedCount < limit`;
- `ORG#o#REQ#<operation>#<requestId>`: the requestId, used once per org and operation, holding the result;
- `ORG#o#CUST#c` / `EARN#<badge>#<earnedId>`: an earned badge, with the counters it added to (for revoking);
- `ORG#o#CUST#c` / `ISSUE#<badge>`: the customer's issue (enrolment) of an ISSUE_EARN badge;
- `ORG#o#CUST#c#BADGE#b` and `ORG#o#BADGE#b` / counter sort keys: the customer's and the badge's counters.
"""
from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from typing import Any

from badges.config import settings
from badges.domain.badges import Badge
from badges.domain.errors import RequestRepeated
from badges.domain.limits import Counter
from badges.store.dynamo import (
    DynamoBadgeStore,
    Refused,
    badge_key,
    dynamodb_client,
    from_item,
    org_key,
    to_item,
    write_all,
)
from badges.store.ports import EarnPlan, EarnRefused, IssueExists, NotActive, Refusal, StaleWrite
from badges.store.retry import RetryingClient


def customer_key(org_id: int, customer_id: int) -> str:
    return f"{org_key(org_id)}#CUST#{customer_id}"


def request_key(org_id: int, operation: str, request_key: str) -> dict:
    return to_item({"pk": f"{org_key(org_id)}#REQ#{operation}#{request_key}", "sk": "R"})


class DynamoEarnStore:
    def __init__(self, client: RetryingClient, table_name: str):
        self._client = client
        self._table = table_name
        self._badges = DynamoBadgeStore(client, table_name)

    # ---- keys -------------------------------------------------------------------------------------------

    def _counter_pk(self, plan_org: int, customer_id: int, badge_id: str, counter: Counter) -> str:
        if counter.scope == "customer":
            return f"{customer_key(plan_org, customer_id)}#BADGE#{badge_id}"
        return f"{org_key(plan_org)}#BADGE#{badge_id}"

    def _issue_key(self, org_id: int, customer_id: int, badge_id: str) -> dict:
        return to_item({"pk": customer_key(org_id, customer_id), "sk": f"ISSUE#{badge_id}"})

    # ---- earn -------------------------------------------------------------------------------------------

    def record_earn(self, plan: EarnPlan) -> None:
        """Record the earn if every condition holds at once: the requestId is new (RequestRepeated), the badge
        is still the version planned on (StaleWrite) and under its fixed value, the ISSUE_EARN issue is active
        on the event date, and every counter is under its limit (EarnRefused names each one that is not)."""
        badge = plan.badge
        counters = [(self._counter_pk(plan.org_id, plan.customer_id, badge.id, c), c) for c in plan.limits.counters]
        plan.counters = [(pk, c.item, c.adds) for pk, c in counters]
        items: list[dict] = [self._put_request(plan.org_id, plan.operation, plan.request_key, plan.result, plan.at)]
        badge_condition = "#version = :version"
        values: dict[str, Any] = {":version": badge.version, ":one": 1}
        if plan.limits.badge_lifetime_limit is not None:
            badge_condition += " AND (attribute_not_exists(earnedCount) OR earnedCount < :lifetime)"
            values[":lifetime"] = plan.limits.badge_lifetime_limit
        items.append({"Update": {
            "TableName": self._table, "Key": badge_key(badge.orgId, badge.id),
            "UpdateExpression": "ADD earnedCount :one",
            "ConditionExpression": badge_condition, "ExpressionAttributeNames": {"#version": "version"},
            "ExpressionAttributeValues": to_item(values)}})
        items.append({"Put": {"TableName": self._table, "Item": to_item({
            "pk": customer_key(plan.org_id, plan.customer_id), "sk": f"EARN#{badge.id}#{plan.earned_id}",
            "orgId": plan.org_id, "earnedBadgeId": plan.earned_id, "badgeMetaId": badge.id,
            "customerId": plan.customer_id,
            "earnEventDate": plan.event, "earnedOn": plan.at, "expiresOn": plan.expires, "active": True,
            "requestId": str(plan.result["requestId"]), "issuedId": plan.issued_id,
            "counters": json.dumps(plan.counters, separators=(",", ":")),
        }), "ConditionExpression": "attribute_not_exists(pk)"}})
        if plan.issued_id is not None:
            items.append({"ConditionCheck": {
                "TableName": self._table, "Key": self._issue_key(plan.org_id, plan.customer_id, badge.id),
                "ConditionExpression": "active = :true AND issuedId = :issued AND expiresOn > :event",
                "ExpressionAttributeValues": to_item({":true": True, ":issued": plan.issued_id,
                                                      ":event": plan.event})}})
        first_counter = len(items)
        items += [self._add(pk, c.item, c.adds, 1, c.limit) for pk, c in counters]
        try:
            write_all(self._client, items)
        except Refused as refused:
            self._explain_earn(refused, plan, first_counter, counters)

    def _explain_earn(self, refused: Refused, plan: EarnPlan, first_counter: int,
                      counters: list[tuple[str, Counter]]) -> None:
        if refused.failed(0):
            raise RequestRepeated(self.request_result(plan.org_id, plan.operation, plan.request_key)) from refused
        refusals = []
        if refused.failed(1):
            current = self._badges.get_badge(plan.org_id, plan.badge.id)
            if current is None or current.version != plan.badge.version:
                raise StaleWrite(plan.badge.id) from refused
            refusals.append(Refusal("badge_limit", plan.limits.badge_lifetime_reference, "BADGE_FIXED_VALUE",
                                    plan.limits.badge_lifetime_limit))
        if plan.issued_id is not None and refused.failed(3):
            refusals.append(Refusal("issue"))
        for offset, (_, counter) in enumerate(counters):
            if refused.failed(first_counter + offset):
                kind = "customer_limit" if counter.scope == "customer" else "badge_limit"
                refusals.append(Refusal(kind, counter.reference, counter.describes, counter.limit))
        raise EarnRefused(refusals) from refused

    def _put_request(self, org_id: int, operation: str, key: str, result: dict, at: Decimal) -> dict:
        item = {**request_key(org_id, operation, key),
                **to_item({"result": json.dumps(result, separators=(",", ":")), "at": at})}
        return {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}

    def _add(self, pk: str, sk: str, attributes: list[str], amount: int, limit: int | None = None) -> dict:
        """Add `amount` to each attribute; with a limit, only if every one of them is below it first."""
        names = {f"#a{i}": name for i, name in enumerate(attributes)}
        update: dict[str, Any] = {
            "TableName": self._table, "Key": to_item({"pk": pk, "sk": sk}),
            "UpdateExpression": "ADD " + ", ".join(f"{alias} :amount" for alias in names),
            "ExpressionAttributeNames": names, "ExpressionAttributeValues": to_item({":amount": amount}),
        }
        if limit is not None:
            update["ConditionExpression"] = " AND ".join(
                f"(attribute_not_exists({alias}) OR {alias} < :limit)" for alias in names)
            update["ExpressionAttributeValues"] = to_item({":amount": amount, ":limit": limit})
        return {"Update": update}

    def request_result(self, org_id: int, operation: str, key: str) -> dict | None:
        item = self._client.get_item(TableName=self._table, Key=request_key(org_id, operation, key),
                                     ConsistentRead=True).get("Item")
        return json.loads(item["result"]["S"]) if item else None

    # ---- issue ------------------------------------------------------------------------------------------

    def get_issue(self, org_id: int, customer_id: int, badge_id: str) -> dict | None:
        item = self._client.get_item(TableName=self._table, Key=self._issue_key(org_id, customer_id, badge_id),
                                     ConsistentRead=True)
        return from_item(item["Item"]) if "Item" in item else None

    def record_issue(self, badge: Badge, customer_id: int, request: str, issued_id: str, issued_on: Decimal,
                     expires: Decimal, at: Decimal, result: dict) -> None:
        """The customer holds an active issue of the badge, unless it held one already (IssueExists) or the
        requestId was used for this customer (RequestRepeated); the badge's issuedCount counts it."""
        issue = {**self._issue_key(badge.orgId, customer_id, badge.id), **to_item({
            "issuedId": issued_id, "badgeMetaId": badge.id, "customerId": customer_id, "issuedOn": issued_on,
            "expiresOn": expires, "active": True, "at": at})}
        items = [
            self._put_request(badge.orgId, "issueBulk", request, result, at),
            {"Put": {"TableName": self._table, "Item": issue,
                     "ConditionExpression": "attribute_not_exists(pk) OR active <> :true OR expiresOn <= :at",
                     "ExpressionAttributeValues": to_item({":true": True, ":at": at})}},
            {"Update": {"TableName": self._table, "Key": badge_key(badge.orgId, badge.id),
                        "UpdateExpression": "ADD issuedCount :one", "ConditionExpression": "#version = :version",
                        "ExpressionAttributeNames": {"#version": "version"},
                        "ExpressionAttributeValues": to_item({":version": badge.version, ":one": 1})}},
        ]
        try:
            write_all(self._client, items)
        except Refused as refused:
            if refused.failed(0):
                raise RequestRepeated(self.request_result(badge.orgId, "issueBulk", request)) from refused
            if refused.failed(2):
                raise StaleWrite(badge.id) from refused
            raise IssueExists(customer_id) from refused

    # ---- revoke and reads -------------------------------------------------------------------------------

    def earned(self, org_id: int, customer_id: int, badge_id: str | None = None) -> list[dict]:
        """The customer's earned badges (of one badge, or all), oldest first."""
        prefix = f"EARN#{badge_id}#" if badge_id else "EARN#"
        return [from_item(item) for item in self._query(customer_key(org_id, customer_id), prefix)]

    def issues(self, org_id: int, customer_id: int) -> list[dict]:
        return [from_item(item) for item in self._query(customer_key(org_id, customer_id), "ISSUE#")]

    def _query(self, pk: str, prefix: str) -> list[dict]:
        query = {"TableName": self._table, "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
                 "ExpressionAttributeValues": to_item({":pk": pk, ":prefix": prefix})}
        items: list[dict] = []
        while True:
            response = self._client.query(**query)
            items += response["Items"]
            if "LastEvaluatedKey" not in response:
                return items
            query["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def revoke(self, org_id: int, earned: dict, at: Decimal) -> None:
        """The earned badge is inactive and every unit it took is given back, or NotActive if it was already."""
        badge_id, customer_id = earned["badgeMetaId"], int(earned["customerId"])
        items = [
            {"Update": {"TableName": self._table,
                        "Key": to_item({"pk": customer_key(org_id, customer_id),
                                        "sk": f"EARN#{badge_id}#{earned['earnedBadgeId']}"}),
                        "UpdateExpression": "SET active = :false, revokedOn = :at",
                        "ConditionExpression": "active = :true",
                        "ExpressionAttributeValues": to_item({":false": False, ":true": True, ":at": at})}},
            {"Update": {"TableName": self._table, "Key": badge_key(org_id, badge_id),
                        "UpdateExpression": "ADD earnedCount :minus", "ConditionExpression": "attribute_exists(pk)",
                        "ExpressionAttributeValues": to_item({":minus": -1})}},
            *(self._add(pk, sk, adds, -1) for pk, sk, adds in json.loads(earned["counters"])),
        ]
        try:
            write_all(self._client, items)
        except Refused as refused:
            raise NotActive(earned["earnedBadgeId"]) from refused

    def badges(self, org_id: int, badge_ids: list[str]) -> dict[str, Badge]:
        """The org's badges with these ids, read in batches of 100."""
        found: dict[str, Badge] = {}
        ids = list(dict.fromkeys(badge_ids))
        for start in range(0, len(ids), 100):
            keys = [badge_key(org_id, bid) for bid in ids[start:start + 100]]
            request = {self._table: {"Keys": keys}}
            while request:
                response = self._client.batch_get_item(RequestItems=request)
                for item in response["Responses"].get(self._table, []):
                    badge = DynamoBadgeStore._badge_of(item)
                    found[badge.id] = badge
                request = response.get("UnprocessedKeys") or None
        return found


@cache
def earn_store() -> DynamoEarnStore:
    return DynamoEarnStore(dynamodb_client(), settings().table("badges"))
