"""`make run` itself: the dev credential it prints, and an external DynamoDB endpoint."""
import json

import boto3
import pytest

from local_dynamodb.server import EmbeddedAWS
from tests.e2e.conftest import Client, LocalServer

pytestmark = pytest.mark.e2e


def test_without_a_credentials_file_it_prints_and_accepts_the_dev_credential():
    server = LocalServer({})
    try:
        printed = "".join(server.lines)
        assert "dev credential: dev:badges-dev (orgId 100458" in printed
        reply = Client(server.url, "dev", "badges-dev").post("/group", {"name": "first", "rank": 1})
        assert reply.status == 200 and reply.body["data"]["orgId"] == 100458
        emf = [json.loads(line) for line in server.output().splitlines() if '"CloudWatchMetrics"' in line]
        assert any(record.get("GroupCreated") == [1.0] for record in emf)  # metrics as Lambda would log them
    finally:
        server.stop()


def test_an_external_endpoint_gets_the_tables_and_the_data(credentials_file):
    store = EmbeddedAWS().start()
    try:
        server = LocalServer({"BADGES_LOCAL_CREDENTIALS": str(credentials_file),
                              "BADGES_DYNAMODB_ENDPOINT": store.endpoint})
        try:
            made = Client(server.url, "brand-a", "secret-a").post("/group", {"name": "outside", "rank": 1})
            assert made.status == 200
        finally:
            server.stop()
        client = boto3.client("dynamodb", endpoint_url=store.endpoint, region_name="us-east-1")
        item = client.get_item(TableName="badges-badges", Key={
            "pk": {"S": "ORG#50156"}, "sk": {"S": "GROUP#" + made.body["data"]["id"]}})["Item"]
        assert item["name"]["S"] == "outside"
    finally:
        store.stop()
