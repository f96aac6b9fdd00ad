"""OAuth access tokens: PyJWT HS256 JWTs under a key id, valid for at most an hour; only HS256 is accepted."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import jwt

ALGORITHM = "HS256"
MAX_TTL_SECONDS = 3600
ISSUER = "badges"
_SKEW = 30  # seconds a token's iat may run ahead of our clock
_REQUIRED = ["exp", "iat", "iss", "sub"]
# PyJWT checks the signature, the algorithm, the claims' presence and types and the issuer. The times are checked
# here, against the caller's `now`: PyJWT reads only the wall clock, and its leeway would stretch exp as well as iat.
_DECODE_OPTIONS = {"require": _REQUIRED, "verify_exp": False, "verify_iat": False, "verify_nbf": False}


@dataclass(frozen=True)
class TokenClaims:
    username: str
    org_id: int
    user_id: int
    expires_at: int


def issue(claims: TokenClaims, issued_at: int, kid: str, key: str) -> str:
    payload = {"iss": ISSUER, "sub": claims.username, "org": claims.org_id, "uid": claims.user_id,
               "iat": issued_at, "exp": claims.expires_at}
    return jwt.encode(payload, key, algorithm=ALGORITHM, headers={"kid": kid})


def verify(token: str, keys: dict[str, str], now: Decimal | int) -> TokenClaims | None:
    """The token's claims if it is well formed, HS256, signed by one of `keys` (by kid), issued by us, unexpired
    at `now`, issued no later than `now` (give or take the skew) and for at most an hour; None otherwise."""
    try:
        token = token.strip()
        kid = key_id_of(token)
        if kid is None or kid not in keys:
            return None
        # algorithms=[HS256]: a header naming any other algorithm, `none` included, is refused before the
        # signature is looked at, so a forged header cannot choose how it is checked.
        payload = jwt.decode(token, keys[kid], algorithms=[ALGORITHM], issuer=ISSUER, options=_DECODE_OPTIONS)
        claims = TokenClaims(str(payload["sub"])[:256], int(payload["org"]), int(payload["uid"]), int(payload["exp"]))
        issued_at = int(payload["iat"])
    except (jwt.PyJWTError, ValueError, KeyError, TypeError, AttributeError, UnicodeError):
        return None
    if claims.expires_at <= now or issued_at > now + _SKEW:
        return None
    if claims.expires_at - issued_at > MAX_TTL_SECONDS:
        return None
    return claims


def key_id_of(token: str) -> str | None:
    """The kid a token names, unverified: to know whether the signing keys must be read again."""
    try:
        kid = jwt.get_unverified_header(token.strip()).get("kid")
    except (jwt.PyJWTError, ValueError, AttributeError, TypeError, UnicodeError):
        return None
    return kid if isinstance(kid, str) else None
