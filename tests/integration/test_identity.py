"""The authorizer and the admin CLI against a moto credentials table."""
import base64

import boto3
import pytest

from badges.admin import main as admin
from badges.store.credentials import credential_store
from badges.store.oauth_keys import initial_secret
from handlers import authorizer
from local_api.gateway import LambdaContext

METHOD_ARN = "arn:aws:execute-api:eu-west-1:123456789012:abc123/dev/POST/api_gateway/v1/badges/group"


def auth_event(authorization: str | None) -> dict:
    return {"type": "REQUEST", "methodArn": METHOD_ARN, "httpMethod": "POST",
            "path": "/api_gateway/v1/badges/group", "resource": "/api_gateway/v1/badges/group",
            "headers": {"Authorization": authorization} if authorization else {},
            "requestContext": {"stage": "dev", "apiId": "abc123", "accountId": "123456789012"}}


def basic(user: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()


@pytest.fixture
def till(dynamodb, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("5f4dcc3b5aa765d61d8327deb882cf99\n"))
    code = admin(["add-credential", "--table", "test-credentials", "--username", "till", "--org-id", "50156",
                  "--user-id", "123", "--secret-stdin", "--region", "us-east-1"])
    assert code == 0
    return capsys.readouterr()


def test_the_cli_stores_only_a_salted_hash_and_prints_no_secret(till, dynamodb):
    assert "5f4dcc3b" not in till.out + till.err and "till" in till.out
    item = dynamodb.get_item(TableName="test-credentials", Key={"username": {"S": "till"}})["Item"]
    assert item["secretHash"]["S"].startswith("scrypt$") and "5f4dcc3b" not in item["secretHash"]["S"]
    assert (item["orgId"]["N"], item["userId"]["N"]) == ("50156", "123")


def test_the_cli_refuses_to_overwrite_without_replace(till, monkeypatch, capsys, dynamodb):
    before = dynamodb.get_item(TableName="test-credentials", Key={"username": {"S": "till"}})["Item"]
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("other\n"))
    args = ["add-credential", "--table", "test-credentials", "--username", "till", "--org-id", "1",
            "--user-id", "1", "--secret-stdin", "--region", "us-east-1"]
    assert admin(args) == 1
    assert dynamodb.get_item(TableName="test-credentials", Key={"username": {"S": "till"}})["Item"] == before
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("other\n"))
    assert admin([*args, "--replace"]) == 0
    assert credential_store().get("till").org_id == 1


def test_the_authorizer_allows_every_route_and_passes_org_and_user(till):
    policy = authorizer.lambda_handler(auth_event(basic("till", "5f4dcc3b5aa765d61d8327deb882cf99")),
                                       LambdaContext("authorizer"))
    assert policy["principalId"] == "till"
    assert policy["context"] == {"orgId": 50156, "userId": 123}
    [statement] = policy["policyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Resource"] == ["arn:aws:execute-api:eu-west-1:123456789012:abc123/dev/*/*"]


@pytest.mark.parametrize("authorization", [None, "Basic bm9wZQ==", basic("till", "wrong"), basic("ghost", "x"),
                                           "Basic é", basic("u" * 3000, "x")])
def test_the_authorizer_refuses_with_unauthorized(till, authorization):
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorizer.lambda_handler(auth_event(authorization), LambdaContext("authorizer"))


@pytest.fixture
def signing_keys(dynamodb):
    boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name="badges-oauth-keys", SecretString=initial_secret())


@pytest.mark.parametrize("token", ["eyJraWQiOlsiYSJdLCJhbGciOiJIUzI1NiJ9.e30.x", "a.b.c", "é"])
def test_the_authorizer_refuses_odd_tokens_with_unauthorized(till, signing_keys, token):
    event = {**auth_event(None), "headers": {"X-CAP-API-OAUTH-TOKEN": token}}
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorizer.lambda_handler(event, LambdaContext("authorizer"))
