"""OAuth tokens: HS256 only, signed under a key id, an hour at most; rotation keeps earlier keys for a while."""
import base64
import json
import time

import jwt
import pytest

from badges.domain.tokens import TokenClaims, issue, key_id_of, verify
from badges.store.oauth_keys import rotate

KEYS = {"k1": "first-secret-key".ljust(64, "1"), "k2": "second-secret-key".ljust(64, "2")}  # as long as ours
NOW = 1_800_000_000
CLAIMS = {"iss": "badges", "sub": "till", "org": 7, "uid": 3, "iat": NOW, "exp": NOW + 3600}


def token(exp: int = NOW + 3600, iat: int = NOW, kid: str = "k1", key: str | None = None, org: int = 7) -> str:
    return issue(TokenClaims("till", org, 3, exp), iat, kid, key or KEYS[kid])


def part(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def signed(claims: dict, algorithm: str = "HS256", key: str | None = KEYS["k1"], **header) -> str:
    """A token made with PyJWT directly, to forge what issue() never makes."""
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": "k1", **header})


def test_a_token_verifies_under_its_kid_and_carries_its_claims():
    assert verify(token(), KEYS, NOW) == TokenClaims("till", 7, 3, NOW + 3600)
    assert verify(token(kid="k2"), KEYS, NOW).org_id == 7
    assert key_id_of(token(kid="k2")) == "k2"


def test_a_token_is_a_standard_hs256_jwt_with_its_kid_and_claims():
    """Given a token we issued, when any JWT library reads it, then it finds HS256, the kid and our claims."""
    assert jwt.get_unverified_header(token()) == {"alg": "HS256", "typ": "JWT", "kid": "k1"}
    # PyJWT checks iat and exp against the wall clock, so this token is issued by it, valid for its hour
    issued_at = int(time.time())
    assert jwt.decode(token(exp=issued_at + 3600, iat=issued_at), KEYS["k1"], algorithms=["HS256"],
                      issuer="badges") == {**CLAIMS, "iat": issued_at, "exp": issued_at + 3600}
    assert verify(f"  {token()}\n", KEYS, NOW) is not None  # surrounding whitespace is not part of the token


def test_a_token_lives_until_its_expiry_and_may_be_issued_slightly_ahead_of_our_clock():
    assert verify(token(exp=NOW + 1), KEYS, NOW) is not None
    assert verify(token(iat=NOW + 30, exp=NOW + 600), KEYS, NOW) is not None  # within the 30 s skew
    assert verify(token(iat=NOW + 31, exp=NOW + 600), KEYS, NOW) is None
    assert verify(token(iat=NOW - 100, exp=NOW + 3500), KEYS, NOW) is not None  # exactly an hour
    assert verify(token(iat=NOW - 100, exp=NOW + 3501), KEYS, NOW) is None


@pytest.mark.parametrize("forged", [
    token(exp=NOW),  # expired at this very second
    token(iat=NOW + 120, exp=NOW + 600),  # issued in the future
    token(exp=NOW + 7200),  # longer than an hour
    token(kid="k9", key="a-key-we-never-had-of-32-bytes-or-more"),  # a key we never had
    token(key="not-the-key-but-as-long-as-one-is"),  # signed with another key
    token(kid="k1", key=KEYS["k2"]),  # signed with a key we hold, but not the one its kid names
    signed({**CLAIMS, "iss": "someone-else"}),  # not issued by us
    *(signed({k: v for k, v in CLAIMS.items() if k != claim}) for claim in ("exp", "iat", "iss", "sub")),
    signed({**CLAIMS, "org": "seven"}),  # a claim of the wrong type
    ".".join([part({"alg": "HS256", "typ": "JWT", "kid": 7}), *token().split(".")[1:]]),  # a kid not a string
    jwt.encode(CLAIMS, KEYS["k1"], algorithm="HS256"),  # no kid at all
    "garbage", "a.b", "a.b.c.d", "", "..", "e30.e30.",
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


@pytest.mark.parametrize("algorithm, key", [("none", None), ("HS512", KEYS["k1"]), ("HS384", KEYS["k1"])])
def test_a_token_properly_made_under_another_algorithm_is_refused(algorithm, key):
    """Given a token correctly signed (or unsigned) under another algorithm with our own key, it is still refused."""
    forged = signed(CLAIMS, algorithm=algorithm, key=key)
    assert jwt.get_unverified_header(forged)["alg"] == algorithm
    assert verify(forged, KEYS, NOW) is None


@pytest.mark.parametrize("garbage", ["garbage", "", "a.b.c", "e30.e30.", "!!!.e30.x"])
def test_the_kid_of_something_that_is_not_a_token_is_none(garbage):
    assert key_id_of(garbage) is None


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
