"""The DynamoDB adapter of an org's meta: one item (keys: functions/badges/README.md, "Data layout")."""
from __future__ import annotations

import json
from decimal import Decimal
from functools import cache

from badges.config import settings
from badges.domain.org_meta import OrgMeta, TagDefinition
from badges.store.items import Refused, dynamodb_client, from_item, org_key, to_item, versioned_put, write_named
from badges.store.ports import OrgMetaExists, StaleWrite
from badges.store.retry import RetryingClient

ORG_META_SK = "ORGMETA"


class DynamoOrgMetaStore:
    """The org's meta as one item: at most MAX_TAGS tags of under 1 KB each."""

    def __init__(self, client: RetryingClient, table_name: str):
        self._client = client
        self._table = table_name

    def get_org_meta(self, org_id: int) -> OrgMeta | None:
        response = self._client.get_item(TableName=self._table, ConsistentRead=True,
                                         Key=to_item({"pk": org_key(org_id), "sk": ORG_META_SK}))
        if "Item" not in response:
            return None
        data = from_item(response["Item"])
        return OrgMeta(org_id=org_id, tags=tuple(TagDefinition.model_validate(t) for t in json.loads(data["tags"])),
                       created_by=int(data["createdBy"]), created_on=Decimal(data["createdOn"]),
                       last_updated_by=int(data["lastUpdatedBy"]), last_updated_on=Decimal(data["lastUpdatedOn"]),
                       version=int(data["version"]))

    def _item(self, meta: OrgMeta) -> dict:
        return to_item({"pk": org_key(meta.org_id), "sk": ORG_META_SK, "kind": "orgMeta",
                        "tags": json.dumps([t.model_dump() for t in meta.tags], separators=(",", ":"),
                                           ensure_ascii=False),
                        "createdBy": meta.created_by, "createdOn": meta.created_on,
                        "lastUpdatedBy": meta.last_updated_by, "lastUpdatedOn": meta.last_updated_on,
                        "version": meta.version})

    def add_org_meta(self, meta: OrgMeta) -> None:
        try:
            write_named(self._client, [("meta", versioned_put(self._table, self._item(meta), 0))])
        except Refused as refused:
            raise OrgMetaExists() from refused

    def replace_org_meta(self, old: OrgMeta, new: OrgMeta) -> None:
        try:
            write_named(self._client, [("meta", versioned_put(self._table, self._item(new), old.version))])
        except Refused as refused:
            raise StaleWrite(str(new.org_id)) from refused


@cache
def org_meta_store() -> DynamoOrgMetaStore:
    return DynamoOrgMetaStore(dynamodb_client(), settings().table("badges"))
