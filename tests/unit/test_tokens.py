"""OAuth tokens: HS256 only, signed under a key id, an hour at most; rotation keeps earlier keys for a while."""
import base64
import json

import pytest

from badges.domain.tokens import TokenClaims, issue, key_id_of, verify
from badges.store.oauth_keys import rotate

KEYS = {"k1": "first-secret-key", "k2": "second-secret-key"}
NOW = 1_800_000_000


def token(exp: int = NOW + 3600, iat: int = NOW, kid: str = "k1", key: str | None = None, org: int = 7) -> str:
    return issue(TokenClaims("till", org, 3, exp), iat, kid, key or KEYS[kid])


def part(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def test_a_token_verifies_under_its_kid_and_carries_its_claims():
    assert verify(token(), KEYS, NOW) == TokenClaims("till", 7, 3, NOW + 3600)
    assert verify(token(kid="k2"), KEYS, NOW).org_id == 7
    assert key_id_of(token(kid="k2")) == "k2"


@pytest.mark.parametrize("forged", [
    token(exp=NOW),  # expired at this very second
    token(iat=NOW + 120, exp=NOW + 600),  # issued in the future
    token(exp=NOW + 7200),  # longer than an hour
    token(kid="k9", key="whatever"),  # a key we never had
    token(key="not-the-key"),  # signed with another key
    "garbage", "a.b", "a.b.c.d", "",
])
def test_a_token_that_is_not_ours_or_not_now_is_refused(forged):
    assert verify(forged, KEYS, NOW) is None


def test_a_tampered_payload_is_refused():
    header, payload, signature = token().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    assert verify(f"{header}.{part({**claims, 'org': 8})}.{signature}", KEYS, NOW) is None


@pytest.mark.parametrize("alg", ["none", "RS256", "HS512", "hs256"])
def test_a_token_naming_another_algorithm_is_refused(alg):
    _, payload, signature = token().split(".")
    assert verify(f"{part({'alg': alg, 'typ': 'JWT', 'kid': 'k1'})}.{payload}.{signature}", KEYS, NOW) is None
    assert verify(f"{part({'alg': alg, 'kid': 'k1'})}.{payload}.", KEYS, NOW) is None


class FakeSecrets:
    def __init__(self, value: dict):
        self.value = json.dumps(value)

    def get_secret_value(self, SecretId):
        return {"SecretString": self.value}

    def put_secret_value(self, SecretId, SecretString):
        self.value = SecretString


def test_a_rotation_adds_a_current_key_and_forgets_keys_only_after_their_tokens_expired():
    secrets = FakeSecrets({"current": "k1", "k1": "one"})
    first = rotate(secrets, "s", now=NOW)
    value = json.loads(secrets.value)
    assert value["current"] == first and value["k1"] == "one" and value[first] != "one"
    second = rotate(secrets, "s", now=NOW + 3000)
    value = json.loads(secrets.value)
    assert {"k1", first, second} <= set(value)
    third = rotate(secrets, "s", now=NOW + 7300)
    value = json.loads(secrets.value)
    assert "k1" not in value and {first, second, third} <= set(value) and value["current"] == third
