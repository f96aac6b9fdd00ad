"""The credentials table: one item per username with its org, user id and secret hash."""
from __future__ import annotations

from functools import cache

from botocore.exceptions import ClientError

from badges.config import settings
from badges.domain.credentials import Credential
from badges.store.items import dynamodb_client, from_item, to_item
from badges.store.retry import RetryingClient


class CredentialExists(Exception):
    """The username is taken; pass replace=True to rotate its secret."""


class DynamoCredentialStore:
    def __init__(self, client: RetryingClient, table_name: str):
        self._client = client
        self._table = table_name

    def get(self, username: str) -> Credential | None:
        response = self._client.get_item(TableName=self._table, Key=to_item({"username": username}))
        if "Item" not in response:
            return None
        data = from_item(response["Item"])
        return Credential(username=data["username"], secret_hash=data["secretHash"],
                          org_id=int(data["orgId"]), user_id=int(data["userId"]))

    def put(self, credential: Credential, replace: bool = False) -> None:
        """Store the credential; unless `replace`, an existing username is refused with CredentialExists."""
        item = to_item({"username": credential.username, "secretHash": credential.secret_hash,
                        "orgId": credential.org_id, "userId": credential.user_id})
        condition = {} if replace else {"ConditionExpression": "attribute_not_exists(username)"}
        try:
            self._client.put_item(TableName=self._table, Item=item, **condition)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise CredentialExists(credential.username) from exc
            raise


@cache
def credential_store() -> DynamoCredentialStore:
    return DynamoCredentialStore(dynamodb_client(), settings().table("credentials"))
