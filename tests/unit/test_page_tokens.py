"""Page tokens: sealed to the org and the query, any altered byte refused, a day long, and the key's sources."""
import base64
import json
import re

import pytest

from badges.config import PAGE_TOKEN_KEY_ENV, settings
from badges.domain.errors import InvalidPageToken
from badges.domain.page_tokens import MAX_TOKEN_LENGTH, TTL_SECONDS, _b64, _tag, seal, unseal
from badges.store.pagination import PageTokens, page_token_key

KEY = b"a-key-only-this-test-knows"
NOW = 1_800_000_000
ORG = 50156
QUERY = {"list": "badges", "limit": 20, "status": "LIVE", "earn_type": None}
AFTER = "BADGE#65810f1e4a7c2b0012345678"


def token(**changes) -> str:
    args = {"key": KEY, "org_id": ORG, "query": QUERY, "after": AFTER, "now": NOW, **changes}
    return seal(**args)


def refused(sealed: str, key: bytes = KEY, org_id: int = ORG, query=None, now: int = NOW) -> bool:
    try:
        unseal(sealed, key, org_id, QUERY if query is None else query, now)
    except InvalidPageToken as exc:
        assert (exc.status, exc.details[0].code, exc.details[0].reference) == (400, 1003, "nextToken")
        return True
    return False


def test_a_token_opens_where_it_was_sealed_and_is_compact_and_url_safe():
    sealed = token()

    assert unseal(sealed, KEY, ORG, QUERY, NOW + 60) == AFTER
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}", sealed)  # a 128-bit tag
    assert len(sealed) < 100


def test_unset_filters_are_no_part_of_the_query():
    assert unseal(token(), KEY, ORG, {"list": "badges", "limit": 20, "status": "LIVE"}, NOW) == AFTER


@pytest.mark.parametrize("position", range(len(token())))
def test_any_altered_byte_is_refused(position):
    sealed = token()
    for replacement in "A_-.0z=!":
        if replacement != sealed[position]:
            assert refused(sealed[:position] + replacement + sealed[position + 1:]), (position, replacement)


def test_a_token_of_another_org_is_refused():
    assert refused(token(), org_id=ORG + 1)


@pytest.mark.parametrize("other", [
    {**QUERY, "status": "EXPIRED"},  # another filter value
    {**QUERY, "earn_type": "EARN"},  # a filter added
    {"list": "badges", "limit": 20},  # a filter dropped
    {**QUERY, "limit": 21},  # another page size
    {**QUERY, "list": "groups"},  # another listing
])
def test_a_token_sealed_for_another_query_is_refused(other):
    assert refused(token(), query=other)


def test_a_token_sealed_under_another_key_is_refused():
    assert refused(token(key=b"another key"))


def test_a_token_opens_for_a_day_and_not_a_second_longer():
    assert not refused(token(), now=NOW + TTL_SECONDS - 1)
    assert refused(token(), now=NOW + TTL_SECONDS)
    assert refused(token(now=NOW + 3600), now=NOW)  # sealed an hour ahead of our clock: not one of ours


def test_a_payload_rewritten_to_a_later_expiry_is_refused():
    tag = token().split(".")[1]
    later = base64.urlsafe_b64encode(json.dumps({"a": AFTER, "e": NOW + 10 * TTL_SECONDS}).encode()).decode()
    assert refused(f"{later.rstrip('=')}.{tag}", now=NOW + 2 * TTL_SECONDS)


def unsigned(after: str) -> str:
    """The format before tokens were sealed: base64url of {"after": sort key}."""
    return base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode().rstrip("=")


@pytest.mark.parametrize("garbage", [
    "", ".", "..", "garbage", "x.y", "a.b.c", token() + ".", "." + token(), token() + "=", " " + token(),
    unsigned("GROUP#zzzz"), unsigned(AFTER), "é.é", "\x00." + token().split(".")[1],
    "A" * (MAX_TOKEN_LENGTH + 1),
])
def test_garbage_and_the_old_unsigned_format_are_refused(garbage):
    assert refused(garbage)


def test_a_signed_payload_that_is_not_ours_is_still_refused():
    """Were the key ever used for something else, a well-signed payload of another shape must not open."""
    for payload in ({"a": 7, "e": NOW + 60}, {"a": AFTER, "e": "soon"}, {"a": AFTER}, [1, 2]):
        encoded = _b64(json.dumps(payload).encode())
        assert refused(f"{encoded}.{_tag(KEY, ORG, QUERY, encoded)}")


# --- the store's side: the key, and the kind of item a token may name ---------------------------------------


def test_a_configured_key_seals_tokens_any_process_with_it_opens(monkeypatch):
    monkeypatch.setenv(PAGE_TOKEN_KEY_ENV, "shared-local-key")
    settings.cache_clear()

    assert page_token_key() == b"shared-local-key"
    sealed = PageTokens(clock=lambda: NOW).seal(ORG, QUERY, AFTER)
    assert unseal(sealed, b"shared-local-key", ORG, QUERY, NOW) == AFTER


def test_without_a_secret_or_a_key_each_process_draws_its_own(monkeypatch):
    monkeypatch.delenv(PAGE_TOKEN_KEY_ENV, raising=False)
    settings.cache_clear()

    key = page_token_key()
    assert len(key) == 32 and page_token_key() == key  # the same for the life of the process


def test_the_store_opens_only_tokens_naming_its_kind_of_item():
    tokens = PageTokens(key=lambda: KEY, clock=lambda: NOW)
    sealed = tokens.seal(ORG, QUERY, "NAME#BADGE#Gold")

    with pytest.raises(InvalidPageToken):
        tokens.open(sealed, ORG, QUERY, "BADGE#")
    assert tokens.open(tokens.seal(ORG, QUERY, AFTER), ORG, QUERY, "BADGE#") == AFTER

