"""OAuth beside Basic, through `make run`: issue a token, use it, and see expired, tampered, wrong-org,
wrong-algorithm tokens refused and a key rotation refuse nothing issued before it."""
import base64
import json
import time

import boto3
import pytest

from badges.admin import main as admin
from badges.domain.tokens import TokenClaims, issue
from tests.e2e.conftest import Client

pytestmark = pytest.mark.e2e

TOKEN_PATH = "/v3/oauth/token/generate"


def token_for(server, key: str, secret: str):
    return Client(server.url).request("POST", TOKEN_PATH, {"key": key, "secret": secret}, base="")


def signing_keys(server) -> dict:
    client = boto3.client("secretsmanager", endpoint_url=server.aws, region_name="us-east-1")
    return json.loads(client.get_secret_value(SecretId="badges-oauth-keys")["SecretString"])


def forge(server, exp_in: int = 3000, org: int = 50156, alg: str | None = None) -> str:
    keys = signing_keys(server)
    now = int(time.time())
    token = issue(TokenClaims("brand-a", org, 123, now + exp_in), now - 60, keys["current"], keys[keys["current"]])
    if alg is None:
        return token
    _, payload, _ = token.split(".")
    header = base64.urlsafe_b64encode(json.dumps({"alg": alg, "kid": keys["current"]}).encode()).decode().rstrip("=")
    return f"{header}.{payload}."


def test_a_token_is_issued_for_a_key_and_secret_and_works_alone(server):
    issued = token_for(server, "brand-a", "secret-a")
    assert issued.status == 200 and issued.body["data"]["ttlSeconds"] == 3600
    client = Client(server.url, token=issued.body["data"]["accessToken"])
    made = client.post("/group", {"name": f"oauth-{time.time_ns()}", "rank": 1})
    assert made.status == 200 and (made.body["data"]["orgId"], made.body["data"]["createdBy"]) == (50156, 123)


@pytest.mark.parametrize(("key", "secret", "status", "code"), [
    ("brand-a", "wrong", 401, 401), ("nobody", "secret-a", 401, 401), ("brand-a", None, 400, 1001)])
def test_a_token_needs_the_right_key_and_secret(server, key, secret, status, code):
    reply = token_for(server, key, secret)
    assert (reply.status, reply.body["errors"][0]["code"]) == (status, code)


def test_expired_tampered_wrong_org_and_wrong_algorithm_tokens_are_401(server):
    good = forge(server)
    assert Client(server.url, token=good).get("/group").status == 200
    header, payload, signature = good.split(".")
    tampered = f"{header}.{payload[:-2]}{'AA' if payload[-2:] != 'AA' else 'BB'}.{signature}"
    for bad in (forge(server, exp_in=-5), tampered, forge(server, org=60000), forge(server, alg="none"),
                forge(server, alg="RS256"), "not-a-token"):
        reply = Client(server.url, token=bad).get("/group")
        assert (reply.status, reply.body["errors"][0]["code"]) == (401, 401), bad


def test_a_rotation_refuses_no_token_issued_before_it(server):
    before = token_for(server, "brand-b", "5f4dcc3b5aa765d61d8327deb882cf99").body["data"]["accessToken"]
    old_kid = signing_keys(server)["current"]
    assert admin(["rotate-oauth-key", "--secret-id", "badges-oauth-keys", "--endpoint-url", server.aws,
                  "--region", "us-east-1"]) == 0
    keys = signing_keys(server)
    assert keys["current"] != old_kid and old_kid in keys
    time.sleep(1.1)  # the authorizer reads the keys again for an unknown kid at most once a second
    for token in (before, forge(server)):  # signed before the rotation, and with the new key
        reply = Client(server.url, token=token).get("/group")
        assert reply.status == 200, reply.body
