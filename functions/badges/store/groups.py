"""The DynamoDB adapter of groups, each with its name lock (keys: functions/badges/README.md, "Data layout")."""
from __future__ import annotations

from decimal import Decimal
from functools import cache

from badges.config import settings
from badges.domain.errors import GroupNameTaken
from badges.domain.groups import Group
from badges.domain.paging import PageRequest
from badges.store.items import (
    GROUP_PREFIX,
    MAX_ID_LENGTH,
    Refused,
    dynamodb_client,
    from_item,
    get_many,
    group_key,
    org_key,
    to_item,
    write_named,
)
from badges.store.listing import listing_query, page_of, read_listing
from badges.store.names import release_name, take_name
from badges.store.pagination import PageTokens
from badges.store.ports import Page, StaleWrite
from badges.store.retry import RetryingClient


class DynamoGroupStore:
    """Groups in the badges table, each with its name lock."""

    def __init__(self, client: RetryingClient, table_name: str, tokens: PageTokens | None = None):
        self._client = client
        self._table = table_name
        self._tokens = tokens or PageTokens()

    def _name_lock(self, group: Group) -> dict:
        return take_name(self._table, group.org_id, "GROUP", group.name, group.id)

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
            write_named(self._client, [("name", self._name_lock(group)), ("group", put_group)])
        except Refused as refused:
            if refused.failed("name"):
                raise GroupNameTaken(group.name) from refused
            raise StaleWrite(group.id) from refused  # an id collision: practically never

    def get_group(self, org_id: int, group_id: str) -> Group | None:
        if len(group_id) > MAX_ID_LENGTH:
            return None
        response = self._client.get_item(TableName=self._table, Key=group_key(org_id, group_id))
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
        items = [("group", put_group)]
        if new.name != old.name:
            items += [("old_name", release_name(self._table, old.org_id, "GROUP", old.name, old.id)),
                      ("new_name", self._name_lock(new))]
        try:
            write_named(self._client, items)
        except Refused as refused:
            if refused.failed("new_name") and not refused.failed("group"):
                raise GroupNameTaken(new.name) from refused
            raise StaleWrite(new.id) from refused

    def list_groups(self, org_id: int, request: PageRequest) -> Page[Group]:
        """The page of the org's groups the request asks for; its token opens only for this org, this size and
        this order, for a day. Reads at most MAX_OFFSET_ITEMS groups (see store.listing)."""
        query = {"list": "groups", **request.query()}
        after = self._tokens.open(request.token, org_id, query, GROUP_PREFIX) if request.token else None
        read = read_listing(self._client, listing_query(self._table, org_id, GROUP_PREFIX), org_key(org_id),
                            request.order == "ASC", after, want=request.size if request.token else None)
        page = page_of(read, request)
        return Page(items=[self._group_of(item) for item in page.items],
                    next_token=self._tokens.seal(org_id, query, page.next_after) if page.next_after else None,
                    page=page.page, size=request.size, total=page.total, total_pages=page.total_pages)

    def group_names(self, org_id: int, group_ids: list[str]) -> dict[str, str]:
        """Each of these groups' name, for those of the org that exist."""
        keys = [group_key(org_id, gid) for gid in dict.fromkeys(group_ids) if len(gid) <= MAX_ID_LENGTH]
        return {item["id"]["S"]: item["name"]["S"]
                for item in get_many(self._client, self._table, keys, consistent=False)}


@cache
def group_store() -> DynamoGroupStore:
    return DynamoGroupStore(dynamodb_client(), settings().table("badges"))
