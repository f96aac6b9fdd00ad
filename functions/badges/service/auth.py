"""Authentication: an Authorization header in, the caller it proves out (or None)."""
from __future__ import annotations

from typing import Protocol

from badges.domain import credentials
from badges.domain.credentials import Credential
from badges.domain.identity import Caller


class CredentialLookup(Protocol):
    def get(self, username: str) -> Credential | None: ...


def authenticate(authorization: str | None, store: CredentialLookup) -> tuple[str, Caller] | None:
    """(username, caller) when the header carries a known username and its secret; None otherwise."""
    parsed = credentials.parse_basic(authorization)
    if parsed is None:
        return None
    username, secret = parsed
    credential = store.get(username)
    if not credentials.check(credential, secret):
        return None
    return username, Caller(org_id=credential.org_id, user_id=credential.user_id)


def add_credential(store, username: str, secret: str, org_id: int, user_id: int, replace: bool = False) -> None:
    """The store holds the username with a fresh salted hash of the secret (CredentialExists unless replace)."""
    store.put(Credential(username, credentials.hash_secret(secret), org_id, user_id), replace=replace)
