"""OAuth access tokens: JWTs signed with HMAC-SHA256 under a key id, valid for at most an hour.

Only HS256 is accepted: a token naming any other algorithm (`none` included) is refused before its signature is
looked at, so a forged header cannot choose how it is checked.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from decimal import Decimal

ALGORITHM = "HS256"
MAX_TTL_SECONDS = 3600
ISSUER = "badges"
_SKEW = 30  # seconds a token's iat may run ahead of our clock


@dataclass(frozen=True)
class TokenClaims:
    username: str
    org_id: int
    user_id: int
    expires_at: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(signing_input: bytes, key: str) -> str:
    return _b64(hmac.new(key.encode(), signing_input, hashlib.sha256).digest())


def issue(claims: TokenClaims, issued_at: int, kid: str, key: str) -> str:
    header = {"alg": ALGORITHM, "typ": "JWT", "kid": kid}
    payload = {"iss": ISSUER, "sub": claims.username, "org": claims.org_id, "uid": claims.user_id,
               "iat": issued_at, "exp": claims.expires_at}
    signing_input = ".".join(_b64(json.dumps(part, separators=(",", ":")).encode()) for part in (header, payload))
    return f"{signing_input}.{_sign(signing_input.encode(), key)}"


def verify(token: str, keys: dict[str, str], now: Decimal | int) -> TokenClaims | None:
    """The token's claims if it is well formed, HS256, signed by one of `keys` (by kid), issued by us and
    unexpired at `now`; None otherwise."""
    try:
        encoded_header, encoded_payload, signature = token.strip().split(".")
        header = json.loads(_unb64(encoded_header))
        if header.get("alg") != ALGORITHM or not isinstance(header.get("kid"), str) or header["kid"] not in keys:
            return None
        expected = _sign(f"{encoded_header}.{encoded_payload}".encode(), keys[header["kid"]])
        if not hmac.compare_digest(expected, signature):
            return None
        payload = json.loads(_unb64(encoded_payload))
        claims = TokenClaims(str(payload["sub"])[:256], int(payload["org"]), int(payload["uid"]), int(payload["exp"]))
        issued_at = int(payload["iat"])
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error, UnicodeDecodeError):
        return None
    if payload.get("iss") != ISSUER or claims.expires_at <= now or issued_at > now + _SKEW:
        return None
    if claims.expires_at - issued_at > MAX_TTL_SECONDS:
        return None
    return claims


def key_id_of(token: str) -> str | None:
    """The kid a token names, unverified: to know whether the signing keys must be read again."""
    try:
        kid = json.loads(_unb64(token.split(".")[0])).get("kid")
    except (ValueError, AttributeError, binascii.Error, UnicodeDecodeError):
        return None
    return kid if isinstance(kid, str) else None
