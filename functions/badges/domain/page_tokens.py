"""Page tokens: the sort key to resume after, sealed with HMAC-SHA256 to the org and the query that made them."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping

from badges.domain.errors import InvalidPageToken

TTL_SECONDS = 24 * 3600  # a token opens this long after it was made, then the caller lists again from the start
MAX_TOKEN_LENGTH = 1024  # ours are about 100 characters; anything far longer is refused before any work
_TAG_BYTES = 16  # HMAC-SHA256 truncated to 128 bits (RFC 2104 section 5): short in a URL, far beyond guessing
_VERSION = 1  # in the signed input only: a change of format makes every earlier token fail its check


def query_digest(query: Mapping[str, object]) -> str:
    """What a listing's query looks like to a token: its parameters as canonical JSON, hashed; None means unset."""
    canonical = json.dumps({k: v for k, v in query.items() if v is not None}, sort_keys=True, separators=(",", ":"),
                           default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _tag(key: bytes, org_id: int, query: Mapping[str, object], encoded_payload: str) -> str:
    # The org and the query are signed but never carried: the request names them, so a token sent by another org
    # or with other parameters is checked against those, and fails. The payload is signed as it is carried, and
    # the tag compared as text, so no two spellings of one token both open.
    signed = f"badges-page-token/v{_VERSION}\n{int(org_id)}\n{query_digest(query)}\n{encoded_payload}"
    return _b64(hmac.new(key, signed.encode(), hashlib.sha256).digest()[:_TAG_BYTES])


def seal(key: bytes, org_id: int, query: Mapping[str, object], after: str, now: int) -> str:
    """A URL-safe token resuming after `after`, for this org and query only, that opens until now + TTL_SECONDS."""
    payload = _b64(json.dumps({"a": after, "e": int(now) + TTL_SECONDS}, separators=(",", ":")).encode())
    return f"{payload}.{_tag(key, org_id, query, payload)}"


def unseal(token: str, key: bytes, org_id: int, query: Mapping[str, object], now: int) -> str:
    """The sort key a token resumes after, if `key` sealed it for this org and query and it has not expired;
    InvalidPageToken (1003) otherwise, whatever is wrong with it."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise InvalidPageToken()
    encoded_payload, tag = token.split(".")
    if not hmac.compare_digest(tag.encode(), _tag(key, org_id, query, encoded_payload).encode()):
        raise InvalidPageToken()
    try:  # signed by us, so well formed unless the format changed without a new _VERSION
        payload = json.loads(_unb64(encoded_payload))
        after, expires_at = payload["a"], payload["e"]
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidPageToken() from exc
    if not isinstance(after, str) or type(expires_at) is not int:
        raise InvalidPageToken()
    # After the signature, so this is our own expiry: never further ahead than TTL_SECONDS unless the TTL was cut.
    if not now < expires_at <= now + TTL_SECONDS:
        raise InvalidPageToken()
    return after
