"""The DynamoDB adapter of an org's custom field definitions, one item (functions/badges/README.md, "Data layout")."""
from __future__ import annotations

import json
from functools import cache

from badges.config import settings
from badges.domain.custom_fields import CustomField, CustomFieldRegistry
from badges.store.items import Refused, dynamodb_client, from_item, org_key, to_item, versioned_put, write_named
from badges.store.ports import StaleWrite
from badges.store.retry import RetryingClient

CUSTOM_FIELDS_SK = "CUSTOMFIELDS"


class DynamoCustomFieldStore:
    """An org's custom field definitions as one item: at most MAX_ORG_CUSTOM_FIELDS of at most ~500 bytes each.
    Every write is conditioned on the version read, so names stay unique among active fields and the bounds hold
    under any concurrency; a badge reads them with one GetItem."""

    def __init__(self, client: RetryingClient, table_name: str):
        self._client = client
        self._table = table_name

    def registry(self, org_id: int) -> CustomFieldRegistry:
        response = self._client.get_item(TableName=self._table, ConsistentRead=True,
                                         Key=to_item({"pk": org_key(org_id), "sk": CUSTOM_FIELDS_SK}))
        if "Item" not in response:
            return CustomFieldRegistry(org_id=org_id)
        data = from_item(response["Item"])
        fields = tuple(CustomField.of_record(org_id, record) for record in json.loads(data["doc"]))
        return CustomFieldRegistry(org_id=org_id, fields=fields, version=int(data["version"]))

    def save_registry(self, old: CustomFieldRegistry, new: CustomFieldRegistry) -> None:
        item = to_item({"pk": org_key(new.org_id), "sk": CUSTOM_FIELDS_SK, "kind": "customFields",
                        "version": old.version + 1,
                        "doc": json.dumps([f.as_record() for f in new.fields], separators=(",", ":"),
                                          ensure_ascii=False)})
        try:
            write_named(self._client, [("registry", versioned_put(self._table, item, old.version))])
        except Refused as refused:
            raise StaleWrite(str(new.org_id)) from refused


@cache
def custom_field_store() -> DynamoCustomFieldStore:
    return DynamoCustomFieldStore(dynamodb_client(), settings().table("badges"))
