"""Authentication: Basic credentials or an OAuth token in, the caller they prove out (or None)."""
from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Protocol

from cachetools import TLRUCache

from badges.domain import credentials, tokens
from badges.domain.credentials import Credential
from badges.domain.identity import Caller
from badges.domain.tokens import MAX_TTL_SECONDS, TokenClaims

OAUTH_HEADER = "x-cap-api-oauth-token"


class CredentialLookup(Protocol):
    def get(self, username: str) -> Credential | None: ...


class SigningKeys(Protocol):
    def current(self) -> tuple[str, str]: ...

    def keys(self, wanted_kid: str | None = None) -> dict[str, str]: ...


def authenticate(authorization: str | None, store: CredentialLookup) -> tuple[str, Caller] | None:
    """(username, caller) when the header carries a known username and its secret; None otherwise."""
    parsed = credentials.parse_basic(authorization)
    if parsed is None:
        return None
    return _check_secret(*parsed, store)


def _check_secret(username: str, secret: str, store: CredentialLookup) -> tuple[str, Caller] | None:
    if len(username.encode()) > credentials.MAX_USERNAME_BYTES:
        return None  # no credential of ours has such a name, and no DynamoDB key is that long
    credential = store.get(username)
    if not credentials.check(credential, secret):
        return None
    return username, Caller(org_id=credential.org_id, user_id=credential.user_id)


def generate_token(key: str, secret: str, store: CredentialLookup, signing: SigningKeys,
                   now: int) -> tuple[str, int] | None:
    """A token for the credential `key`/`secret`, good for an hour, and its lifetime; None if they are wrong."""
    proven = _check_secret(key, secret, store)
    if proven is None:
        return None
    username, caller = proven
    kid, signing_key = signing.current()
    claims = TokenClaims(username, caller.org_id, caller.user_id, now + MAX_TTL_SECONDS)
    return tokens.issue(claims, now, kid, signing_key), MAX_TTL_SECONDS


def authenticate_token(token: str, store: CredentialLookup, signing: SigningKeys,
                       now: Decimal | int) -> tuple[str, Caller, int] | None:
    """(username, caller, expiry) for a valid token whose credential still exists with the same org and user;
    a token for an org its credential no longer belongs to is refused like a forged one."""
    claims = tokens.verify(token, signing.keys(tokens.key_id_of(token)), now)
    if claims is None:
        return None
    credential = store.get(claims.username)
    if credential is None or (credential.org_id, credential.user_id) != (claims.org_id, claims.user_id):
        return None
    return claims.username, Caller(claims.org_id, claims.user_id), claims.expires_at


class VerifiedCallers:
    """What the authorizer proved recently, by a hash of the header that proved it, for `ttl` seconds (a
    token's entry never outlives the token), the `size` most recently used. It saves the slow hash of Basic
    secrets on warm calls."""

    def __init__(self, ttl: int, size: int = 1024, clock: Callable[[], float] = time.time):
        self._ttl, self._clock = ttl, clock
        # An entry is (until, proven): cachetools drops it at `until` (wall-clock, as a token's exp is), and the
        # least recently used entry when the cache is full.
        self._entries: TLRUCache[str, tuple[float, tuple[str, Caller]]] = TLRUCache(
            maxsize=size, ttu=lambda _key, entry, _now: entry[0], timer=clock)
        self._lock = threading.Lock()  # the local server runs the authorizer in threads

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def resolve(self, headers: dict[str, str], store: CredentialLookup,
                signing: SigningKeys) -> tuple[str, Caller] | None:
        lowered = {name.lower(): value for name, value in headers.items() if value}
        token, basic = lowered.get(OAUTH_HEADER), lowered.get("authorization")
        proof = token or basic
        if not proof:
            return None
        key = hashlib.sha256(f"{bool(token)}:{proof}".encode()).hexdigest()
        with self._lock:
            cached = self._entries.get(key)
        if cached is not None:
            return cached[1]
        now = self._clock()  # the slow checks run outside the lock: other callers need not wait for them
        if token:
            found = authenticate_token(token, store, signing, int(now))
            result, until = (found[:2], min(now + self._ttl, found[2])) if found else (None, 0)
        else:
            result, until = authenticate(basic, store), now + self._ttl
        if result is not None and self._ttl > 0:
            with self._lock:
                self._entries[key] = (until, result)
        return result


def add_credential(store, username: str, secret: str, org_id: int, user_id: int, replace: bool = False) -> None:
    """The store holds the username with a fresh salted hash of the secret (CredentialExists unless replace)."""
    store.put(Credential(username, credentials.hash_secret(secret), org_id, user_id), replace=replace)
