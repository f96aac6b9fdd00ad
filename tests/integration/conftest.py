"""Integration tests: the real adapter and handlers against moto's in-process DynamoDB, on the local model's engine
and storage (transactions that cost the items they touch, items kept compacted); contention and retries are the e2e
tests', on the embedded store."""
from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from badges.config import table_env_var
from badges.routes import BASE_PATH
from badges.store.tables import TABLES
from local_api.gateway import LambdaContext, proxy_event
from local_dynamodb import install_engine


@pytest.fixture
def dynamodb(monkeypatch):
    """A moto DynamoDB with every table the stack defines, named through the same variables Lambda reads."""
    install_engine()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        for table in TABLES:
            name = f"test-{table.logical_name}"
            monkeypatch.setenv(table_env_var(table.logical_name), name)
            client.create_table(**table.create_table_kwargs(name))
        yield client


def call(handler, method: str, path: str, body=None, org: int = 100458, user: int = 1,
         headers: dict[str, str] | None = None) -> tuple[int, dict, dict]:
    """Invoke a handler module's lambda_handler as the deployed API would; returns (status, body, headers)."""
    raw = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    sent = {"Content-Type": "application/json", **(headers or {})}
    event = proxy_event(method, BASE_PATH + path, {k: [v] for k, v in sent.items()}, raw,
                        {"principalId": "tester", "orgId": str(org), "userId": str(user)})
    result = handler.lambda_handler(event, LambdaContext(function_name=handler.__name__))
    headers = {**(result.get("headers") or {}),
               **{k: ", ".join(v) for k, v in (result.get("multiValueHeaders") or {}).items()}}
    return result["statusCode"], json.loads(result["body"]), headers


def stored(client, table: str = "test-badges") -> list[dict]:
    return client.scan(TableName=table)["Items"]
