"""Credentials: only salted slow hashes are kept; Basic headers are parsed strictly."""
import base64

import pytest

from badges.domain.credentials import Credential, check, hash_secret, parse_basic, verify_secret
from badges.service.auth import authenticate


def basic(user: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()


def test_a_hash_verifies_its_secret_only_and_never_contains_it():
    stored = hash_secret("s3cret")
    assert "s3cret" not in stored and stored.startswith("scrypt$")
    assert verify_secret("s3cret", stored)
    assert not verify_secret("s3cret ", stored)


def test_the_same_secret_hashes_differently_each_time():
    assert hash_secret("same") != hash_secret("same")


NO_COLON = "Basic " + base64.b64encode(b"no-colon").decode()
NO_USER = "Basic " + base64.b64encode(b":x").decode()


@pytest.mark.parametrize("header", [None, "", "Bearer abc", "Basic", "Basic !!!", NO_COLON, NO_USER])
def test_anything_but_a_well_formed_basic_header_is_no_credential(header):
    assert parse_basic(header) is None


def test_a_secret_may_itself_contain_colons():
    assert parse_basic(basic("till", "a:b:c")) == ("till", "a:b:c")


class Lookup:
    def __init__(self, *credentials: Credential):
        self.by_name = {c.username: c for c in credentials}

    def get(self, username):
        return self.by_name.get(username)


def test_authenticate_gives_the_credentials_org_and_user():
    store = Lookup(Credential("till", hash_secret("md5hex"), org_id=50156, user_id=123))
    username, caller = authenticate(basic("till", "md5hex"), store)
    assert username == "till" and (caller.org_id, caller.user_id) == (50156, 123)


def test_authenticate_refuses_a_wrong_secret_and_an_unknown_user():
    store = Lookup(Credential("till", hash_secret("right"), org_id=1, user_id=1))
    assert authenticate(basic("till", "wrong"), store) is None
    assert authenticate(basic("nobody", "right"), store) is None
    assert check(None, "anything") is False
