"""The DynamoDB table definitions, written once: CDK deploys them, the local server and tests create them."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TableDefinition:
    """Keys and TTL of one table; every key attribute is a string."""

    logical_name: str  # the key routes use in table_actions, and the suffix of the env variable
    partition_key: str
    sort_key: str | None = None
    ttl_attribute: str | None = None
    stream_view: str | None = None  # a DynamoDB stream of the table's changes, read by the event pipes

    def create_table_kwargs(self, table_name: str, with_stream: bool = False) -> dict:
        """The boto3 create_table arguments for this definition, billed on demand like the deployed table.

        The stream is left out unless asked for: only the deployed event pipes read it, and moto keeps every
        stream record in memory, which slows a long-running local server down to a crawl.
        """
        keys = [(self.partition_key, "HASH")] + ([(self.sort_key, "RANGE")] if self.sort_key else [])
        stream = {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": self.stream_view}} \
            if self.stream_view and with_stream else {}
        return {
            "TableName": table_name,
            "KeySchema": [{"AttributeName": name, "KeyType": kind} for name, kind in keys],
            "AttributeDefinitions": [{"AttributeName": name, "AttributeType": "S"} for name, _ in keys],
            "BillingMode": "PAY_PER_REQUEST",
            **stream,
        }


# One table holds every org's groups, badges and their uniqueness locks; keys always start with the org,
# so a caller can only ever address its own org's items.
BADGES = TableDefinition("badges", partition_key="pk", sort_key="sk", ttl_attribute="expiresAt",
                         stream_view="NEW_AND_OLD_IMAGES")
# Credentials apart: only the authorizer reads it, only the admin CLI writes it.
CREDENTIALS = TableDefinition("credentials", partition_key="username")

TABLES: tuple[TableDefinition, ...] = (BADGES, CREDENTIALS)
