"""The DynamoDB adapter: translates between stored items and the domain, and enforces uniqueness by conditions."""
from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import ClientError

from badges.config import settings
from badges.domain.errors import GroupNameTaken, ServiceUnavailable
from badges.domain.groups import Group
from badges.store.pagination import decode_token, encode_token
from badges.store.ports import Page, StaleWrite

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

_THROTTLING = {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
               "TransactionInProgressException"}
GROUP_PREFIX = "GROUP#"


@cache
def dynamodb_client() -> Any:
    """One low-level client per process, made on first use so cold starts and moto stay happy."""
    cfg = settings()
    return boto3.client(
        "dynamodb",
        region_name=cfg.region,
        endpoint_url=cfg.dynamodb_endpoint,
        config=Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=2, read_timeout=5,
                      tcp_keepalive=True),
    )


def to_item(attributes: dict[str, Any]) -> dict[str, dict]:
    return {key: _serializer.serialize(value) for key, value in attributes.items() if value is not None}


def from_item(item: dict[str, dict]) -> dict[str, Any]:
    return {key: _deserializer.deserialize(value) for key, value in item.items()}


def org_key(org_id: int) -> str:
    return f"ORG#{org_id}"


def cancellation_codes(exc: ClientError) -> list[str]:
    """The per-item reasons of a cancelled transaction, in the order of its items ('None' where it passed)."""
    return [reason.get("Code", "None") for reason in exc.response.get("CancellationReasons", [])]


def raise_if_busy(exc: ClientError) -> None:
    """Turn throttling and transaction conflicts that outlived the SDK's retries into a 503 with Retry-After."""
    code = exc.response.get("Error", {}).get("Code", "")
    if code in _THROTTLING or "TransactionConflict" in cancellation_codes(exc) or any(
            reason in _THROTTLING for reason in cancellation_codes(exc)):
        raise ServiceUnavailable() from exc


class DynamoGroupStore:
    """Groups in the badges table: pk ORG#<org>, sk GROUP#<id>; the name lock at sk NAME#GROUP#<name>."""

    def __init__(self, client: Any, table_name: str):
        self._client = client
        self._table = table_name

    def _group_key(self, org_id: int, group_id: str) -> dict:
        return to_item({"pk": org_key(org_id), "sk": GROUP_PREFIX + group_id})

    def _name_lock(self, group: Group) -> dict:
        item = to_item({"pk": org_key(group.org_id), "sk": f"NAME#GROUP#{group.name}", "groupId": group.id})
        return {"Put": {"TableName": self._table, "Item": item,
                        "ConditionExpression": "attribute_not_exists(pk)"}}

    def _group_item(self, group: Group) -> dict:
        return to_item({
            "pk": org_key(group.org_id), "sk": GROUP_PREFIX + group.id, "kind": "group",
            "id": group.id, "orgId": group.org_id, "name": group.name, "rank": group.rank,
            "isActive": group.is_active, "createdBy": group.created_by, "createdOn": group.created_on,
            "lastUpdatedBy": group.last_updated_by, "lastUpdatedOn": group.last_updated_on,
            "version": group.version,
        })

    @staticmethod
    def _group_of(item: dict) -> Group:
        data = from_item(item)
        return Group(
            id=data["id"], org_id=int(data["orgId"]), name=data["name"], rank=int(data["rank"]),
            is_active=bool(data["isActive"]), created_by=int(data["createdBy"]),
            created_on=Decimal(data["createdOn"]), last_updated_by=int(data["lastUpdatedBy"]),
            last_updated_on=Decimal(data["lastUpdatedOn"]), version=int(data["version"]),
        )

    def add_group(self, group: Group) -> None:
        """Insert the group and reserve its name in one transaction; never overwrites either."""
        put_group = {"Put": {"TableName": self._table, "Item": self._group_item(group),
                             "ConditionExpression": "attribute_not_exists(pk)"}}
        try:
            self._client.transact_write_items(TransactItems=[self._name_lock(group), put_group])
        except ClientError as exc:
            if cancellation_codes(exc)[:1] == ["ConditionalCheckFailed"]:
                raise GroupNameTaken(group.name) from exc
            raise_if_busy(exc)
            raise

    def get_group(self, org_id: int, group_id: str) -> Group | None:
        response = self._client.get_item(TableName=self._table, Key=self._group_key(org_id, group_id))
        return self._group_of(response["Item"]) if "Item" in response else None

    def replace_group(self, old: Group, new: Group) -> None:
        """Overwrite the group only at the version read; a rename releases the old name and takes the new one
        in the same transaction, so a name is never held twice nor lost."""
        put_group = {"Put": {
            "TableName": self._table, "Item": self._group_item(new),
            "ConditionExpression": "#version = :read",
            "ExpressionAttributeNames": {"#version": "version"},
            "ExpressionAttributeValues": to_item({":read": old.version}),
        }}
        items = [put_group]
        if new.name != old.name:
            release = {"Delete": {
                "TableName": self._table,
                "Key": to_item({"pk": org_key(old.org_id), "sk": f"NAME#GROUP#{old.name}"}),
                "ConditionExpression": "groupId = :id",
                "ExpressionAttributeValues": to_item({":id": old.id}),
            }}
            items += [release, self._name_lock(new)]
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            codes = cancellation_codes(exc)
            if len(codes) == 3 and codes[2] == "ConditionalCheckFailed" and codes[0] != "ConditionalCheckFailed":
                raise GroupNameTaken(new.name) from exc
            if "ConditionalCheckFailed" in codes:
                raise StaleWrite(new.id) from exc
            raise_if_busy(exc)
            raise

    def list_groups(self, org_id: int, limit: int, token: str | None) -> Page[Group]:
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": to_item({":pk": org_key(org_id), ":prefix": GROUP_PREFIX}),
            "Limit": limit,
        }
        if token:
            query["ExclusiveStartKey"] = to_item({"pk": org_key(org_id), "sk": decode_token(token, GROUP_PREFIX)})
        response = self._client.query(**query)
        last = response.get("LastEvaluatedKey")
        return Page(items=[self._group_of(item) for item in response["Items"]],
                    next_token=encode_token(last["sk"]["S"]) if last else None)


@cache
def group_store() -> DynamoGroupStore:
    return DynamoGroupStore(dynamodb_client(), settings().table("badges"))
