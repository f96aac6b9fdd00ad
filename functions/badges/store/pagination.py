"""Opaque page tokens: the sort key to resume after, base64url-encoded; a token never crosses an org."""
from __future__ import annotations

import base64
import binascii
import json

from badges.domain.errors import BadgesError, Err


def encode_token(sort_key: str) -> str:
    raw = json.dumps({"after": sort_key}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, prefix: str) -> str:
    """The sort key a token resumes after; 1003 unless it decodes to a key of the expected kind.

    The partition key is never in the token: it comes from the caller's org, so a token from another org
    can only ever resume inside the caller's own org.
    """
    try:
        padded = token + "=" * (-len(token) % 4)
        after = json.loads(base64.urlsafe_b64decode(padded.encode()))["after"]
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadgesError(Err.INVALID_PAGE_TOKEN, reference="nextToken") from exc
    if not isinstance(after, str) or not after.startswith(prefix):
        raise BadgesError(Err.INVALID_PAGE_TOKEN, reference="nextToken")
    return after
