"""The local DynamoDB model, talked to with plain boto3 over HTTP, the way the service talks to it."""
from __future__ import annotations

from urllib.request import Request, urlopen

import boto3
import pytest
from botocore.config import Config

from local_dynamodb.model import ModelSettings
from local_dynamodb.server import EmbeddedAWS
from tests.fakes import FakeClock

TABLE = "model"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def started() -> list[EmbeddedAWS]:
    return []


@pytest.fixture
def start_store(clock, started):
    """Start a store with the given settings; returns a boto3 client without SDK retries, to see every answer."""

    def start(**settings) -> object:
        # A write stays in flight until the test moves the clock past its hold: the store never sleeps here.
        store = EmbeddedAWS(ModelSettings(**settings), clock=clock.monotonic, sleep=lambda _: None).start()
        started.append(store)
        urlopen(Request(f"{store.endpoint}/moto-api/reset", method="POST")).read()  # moto's state is per process
        client = client_of(store)
        client.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                       {"AttributeName": "sk", "KeyType": "RANGE"}],
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                                  {"AttributeName": "sk", "AttributeType": "S"}])
        return client

    yield start
    for store in started:
        store.stop()


def client_of(store: EmbeddedAWS, session: boto3.session.Session | None = None) -> object:
    """A client of the store without SDK retries: of boto3's default session, it reaches the store in this process
    without a socket; of a session of its own, over the store's loopback address, as another process would."""
    return (session or boto3).client("dynamodb", endpoint_url=store.endpoint, region_name="us-east-1",
                                     aws_access_key_id="local", aws_secret_access_key="local",
                                     config=Config(retries={"total_max_attempts": 1}))


@pytest.fixture
def dynamodb(start_store):
    return start_store()


def key(pk: str, sk: str = "A") -> dict:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def put(pk: str, sk: str = "A", condition: str | None = None, **attributes) -> dict:
    action: dict = {"TableName": TABLE, "Item": {**key(pk, sk), **attributes}}
    if condition:
        action["ConditionExpression"] = condition
    return {"Put": action}


def add(pk: str, sk: str = "A", amount: int = 1, condition: str | None = None) -> dict:
    action: dict = {"TableName": TABLE, "Key": key(pk, sk), "UpdateExpression": "ADD n :amount",
                    "ExpressionAttributeValues": {":amount": {"N": str(amount)}}}
    if condition:
        action["ConditionExpression"] = condition
    return {"Update": action}


def count(client, pk: str, sk: str = "A") -> int | None:
    item = client.get_item(TableName=TABLE, Key=key(pk, sk), ConsistentRead=True).get("Item")
    return int(item["n"]["N"]) if item and "n" in item else None


def error(excinfo) -> tuple[str, list[str]]:
    """The error code botocore raised, and the cancellation reasons' codes (if any)."""
    response = excinfo.value.response
    return response["Error"]["Code"], [r["Code"] for r in response.get("CancellationReasons", [])]
