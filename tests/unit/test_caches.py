"""The in-memory caches: the authorizer's verified callers and the earn's badges, bounded, timed, thread-safe."""
from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from badges.domain import credentials
from badges.domain.credentials import Credential
from badges.domain.errors import BadgeNotFound
from badges.domain.identity import Caller
from badges.domain.tokens import TokenClaims, issue
from badges.service.auth import VerifiedCallers
from badges.service.earning import BadgeCache

NOW = 1_800_000_000.0
KEY = "k" * 64


class Credentials:
    """A credential lookup that counts its reads: a read means the cache did not answer."""

    def __init__(self, *usernames: str):
        self.credentials = {u: Credential(u, credentials.hash_secret(f"{u}-secret"), 50156, 1) for u in usernames}
        self.reads = 0

    def get(self, username: str) -> Credential | None:
        self.reads += 1
        return self.credentials.get(username)


class Keys:
    def current(self) -> tuple[str, str]:
        return "k1", KEY

    def keys(self, wanted_kid: str | None = None) -> dict[str, str]:
        return {"k1": KEY}


class Clock:
    def __init__(self):
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def basic(user: str, secret: str | None = None) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{secret or user + '-secret'}".encode()).decode()}


def oauth(user: str, expires_in: int) -> dict[str, str]:
    claims = TokenClaims(user, 50156, 1, int(NOW) + expires_in)
    return {"X-CAP-API-OAUTH-TOKEN": issue(claims, int(NOW), "k1", KEY)}


@pytest.fixture
def clock():
    return Clock()


def test_a_proven_caller_is_kept_for_the_ttl(clock):
    store, verified = Credentials("till"), VerifiedCallers(ttl=300, clock=clock)
    assert verified.resolve(basic("till"), store, Keys()) == ("till", Caller(50156, 1))
    clock.now += 299
    assert verified.resolve(basic("till"), store, Keys()) == ("till", Caller(50156, 1))
    assert store.reads == 1
    clock.now += 1
    assert verified.resolve(basic("till"), store, Keys()) == ("till", Caller(50156, 1))
    assert store.reads == 2


def test_a_tokens_entry_never_outlives_the_token(clock):
    store, verified = Credentials("till"), VerifiedCallers(ttl=300, clock=clock)
    assert verified.resolve(oauth("till", expires_in=10), store, Keys()) == ("till", Caller(50156, 1))
    clock.now += 9
    assert verified.resolve(oauth("till", expires_in=10), store, Keys()) is not None
    assert store.reads == 1
    clock.now += 1
    assert verified.resolve(oauth("till", expires_in=10), store, Keys()) is None  # expired, checked again
    assert store.reads == 1  # refused before the credential was looked up


def test_refusals_are_not_kept_and_a_ttl_of_zero_keeps_nothing(clock):
    store = Credentials("till")
    verified = VerifiedCallers(ttl=300, clock=clock)
    assert verified.resolve(basic("till", "wrong"), store, Keys()) is None
    assert verified.resolve(basic("till", "wrong"), store, Keys()) is None
    assert store.reads == 2
    uncached = VerifiedCallers(ttl=0, clock=clock)
    for _ in range(2):
        assert uncached.resolve(basic("till"), store, Keys()) is not None
    assert store.reads == 4


def test_the_cache_keeps_the_most_recently_used_callers_up_to_its_size(clock):
    store, verified = Credentials("a", "b", "c"), VerifiedCallers(ttl=300, size=2, clock=clock)
    for user in ("a", "b", "a", "c"):  # c pushes out b, the least recently used
        verified.resolve(basic(user), store, Keys())
    assert store.reads == 3
    verified.resolve(basic("a"), store, Keys())
    assert store.reads == 3
    verified.resolve(basic("b"), store, Keys())
    assert store.reads == 4


def test_callers_in_threads_each_get_their_own_answer(clock):
    users = [f"u{i}" for i in range(4)]
    store, verified = Credentials(*users), VerifiedCallers(ttl=300, size=2, clock=clock)
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda user: verified.resolve(basic(user), store, Keys()), users * 2))
    assert [a[0] for a in answers] == users * 2


class Badges:
    """A badge store that counts reads and can lose a badge."""

    def __init__(self, *ids: str):
        self.badges, self.reads = dict.fromkeys(ids, "badge"), 0

    def get_badge(self, org_id: int, badge_id: str, counted: bool = True):
        assert counted is False
        self.reads += 1
        found = self.badges.get(badge_id)
        return None if found is None else (org_id, badge_id, found, Decimal(self.reads))


def test_a_badge_is_read_once_until_fresh_is_asked_for():
    store, cache = Badges("b1"), BadgeCache()
    first = cache.get(7, "b1", store)
    assert cache.get(7, "b1", store) is first and store.reads == 1
    assert cache.get(7, "b1", store, fresh=True) != first and store.reads == 2
    assert cache.get(7, "b1", store) == cache.get(7, "b1", store, fresh=False) and store.reads == 2
    assert cache.get(8, "b1", store)[0] == 8 and store.reads == 3  # another org is another entry


def test_a_badge_gone_is_forgotten_and_not_found():
    store, cache = Badges("b1"), BadgeCache()
    cache.get(7, "b1", store)
    del store.badges["b1"]
    assert cache.get(7, "b1", store)  # still the cached definition: the earn's conditions catch a stale one
    with pytest.raises(BadgeNotFound):
        cache.get(7, "b1", store, fresh=True)
    with pytest.raises(BadgeNotFound):
        cache.get(7, "b1", store)
    assert store.reads == 3


def test_the_badge_cache_keeps_the_most_recently_used_up_to_its_size():
    store, cache = Badges("a", "b", "c"), BadgeCache(size=2)
    for badge in ("a", "b", "a", "c"):
        cache.get(1, badge, store)
    assert store.reads == 3
    cache.get(1, "a", store)
    assert store.reads == 3
    cache.get(1, "b", store)
    assert store.reads == 4


def test_a_cached_badge_is_read_again_after_its_time():
    """A change that stopped half-way tells no more shards: an old definition cached for ever would count on them."""
    now = [0.0]
    store, cache = Badges("b1"), BadgeCache(seconds=10, clock=lambda: now[0])
    first = cache.get(7, "b1", store)
    now[0] = 9.9
    assert cache.get(7, "b1", store) is first and store.reads == 1
    now[0] = 10.1
    assert cache.get(7, "b1", store) != first and store.reads == 2
