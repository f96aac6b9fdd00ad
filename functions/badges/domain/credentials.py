"""Credentials: only a salted scrypt hash of a secret is ever stored, so md5(password) secrets work as well."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import cache

_N, _R, _P, _LEN = 2**14, 8, 1, 32
MAX_USERNAME_BYTES = 256


@dataclass(frozen=True)
class Credential:
    username: str
    secret_hash: str  # scrypt$N$r$p$salt$hash, base64 parts
    org_id: int
    user_id: int


def hash_secret(secret: str, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=_LEN)
    return f"scrypt${_N}${_R}${_P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_secret(secret: str, secret_hash: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = secret_hash.split("$")
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(secret.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                                dklen=len(expected))
    except (ValueError, binascii.Error):
        return False
    return scheme == "scrypt" and hmac.compare_digest(actual, expected)


@cache
def _decoy_hash() -> str:
    """Verified against when the username is unknown, so a miss costs the same time as a wrong secret."""
    return hash_secret("decoy", salt=b"badges-decoy-salt")


def parse_basic(authorization: str | None) -> tuple[str, str] | None:
    """'Basic base64(user:secret)' -> (user, secret); None for anything else."""
    if not authorization:
        return None
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except ValueError:  # not base64 (binascii.Error), not ASCII, not UTF-8 (UnicodeDecodeError)
        return None
    username, sep, secret = decoded.partition(":")
    # A username longer than a key DynamoDB can look up is no credential of ours.
    return (username, secret) if sep and username and len(username.encode()) <= MAX_USERNAME_BYTES else None


def check(credential: Credential | None, secret: str) -> bool:
    """True when the credential exists and the secret matches it; same cost either way."""
    if credential is None:
        verify_secret(secret, _decoy_hash())
        return False
    return verify_secret(secret, credential.secret_hash)
