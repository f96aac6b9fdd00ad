"""The org's customer identifier directory: one item an identifier (keys: functions/badges/README.md, "Data layout")
holds the customer it names, put only while no other customer holds it (a condition, in one transaction for a
customer's identifiers)."""
from __future__ import annotations

from functools import cache

from badges.config import settings
from badges.domain.customer_ids import KINDS
from badges.store.items import Refused, dynamodb_client, org_key, to_item, write_named
from badges.store.retry import RetryingClient

SK = "CID"


def identifier_key(org_id: int, kind: str, value: str) -> dict:
    return to_item({"pk": f"{org_key(org_id)}#CID#{kind}#{value}", "sk": SK})


class DynamoCustomerDirectory:
    def __init__(self, client: RetryingClient, table_name: str):
        self._client = client
        self._table = table_name

    def claim(self, org_id: int, customer_id: int, identifiers: dict[str, str]) -> list[str]:
        """Each identifier names the customer, all in one write (a transaction of up to four puts), each put only
        if no item holds it or it names this customer already (a repeat changes nothing); else the types another
        customer holds, and nothing is written."""
        kinds = [kind for kind in KINDS if kind in identifiers]
        puts = [(kind, {"Put": {
            "TableName": self._table,
            "Item": {**identifier_key(org_id, kind, identifiers[kind]),
                     **to_item({"orgId": org_id, "customerId": customer_id, "type": kind})},
            "ConditionExpression": "attribute_not_exists(pk) OR customerId = :customer",
            "ExpressionAttributeValues": to_item({":customer": customer_id})}}) for kind in kinds]
        try:
            write_named(self._client, puts)
        except Refused as refused:
            return [kind for kind in kinds if refused.failed(kind)]
        return []

    def customer_of(self, org_id: int, kind: str, value: str) -> int | None:
        """The customer the identifier names in the org: one GetItem of a small item, strongly consistent (one read
        unit), so a mapping just made resolves at once."""
        item = self._client.get_item(TableName=self._table, Key=identifier_key(org_id, kind, value),
                                     ProjectionExpression="customerId", ConsistentRead=True).get("Item")
        return int(item["customerId"]["N"]) if item else None


@cache
def customer_directory() -> DynamoCustomerDirectory:
    return DynamoCustomerDirectory(dynamodb_client(), settings().table("badges"))
