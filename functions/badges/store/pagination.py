"""Page tokens as the stores hand them out: sealed under the key from Secrets Manager, or a local one."""
from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from functools import cache

from aws_lambda_powertools.utilities.parameters import SecretsProvider

from badges.config import settings
from badges.domain import page_tokens
from badges.domain.errors import InvalidPageToken
from badges.store.oauth_keys import secrets_client

# Seconds a function keeps the key it read: a replaced key reaches every function within this, and until then
# tokens sealed under one key are refused by a function holding the other (the caller lists again).
KEY_MAX_AGE = 300


@cache
def key_secrets() -> SecretsProvider:
    """Powertools' Secrets Manager provider on our client (the local endpoint, if any), made on first use."""
    return SecretsProvider(boto3_client=secrets_client())


@cache
def _process_key() -> bytes:
    # Without a secret or a configured key: tokens open only in the process that sealed them, so a restarted local
    # server refuses the tokens it gave out before (1003), and the caller lists again.
    return secrets.token_bytes(32)


def page_token_key() -> bytes:
    """The HMAC key of page tokens: the deployed secret's value, else BADGES_PAGE_TOKEN_KEY, else a per-process key."""
    cfg = settings()
    if cfg.page_token_secret_id:
        return key_secrets().get(cfg.page_token_secret_id, max_age=KEY_MAX_AGE).encode()
    if cfg.page_token_key:
        return cfg.page_token_key.encode()
    return _process_key()


class PageTokens:
    """Seals the sort key a page ends at into a nextToken and opens it again, for one org and one query.

    The key is asked for only when a token is sealed or opened, so a function that never pages (or pages only
    inside itself) never reads the secret.
    """

    def __init__(self, key: Callable[[], bytes] = page_token_key, clock: Callable[[], float] = time.time) -> None:
        self._key = key
        self._clock = clock

    def seal(self, org_id: int, query: Mapping[str, object], after: str) -> str:
        return page_tokens.seal(self._key(), org_id, query, after, int(self._clock()))

    def open(self, token: str, org_id: int, query: Mapping[str, object], prefix: str) -> str:
        """The sort key to resume after; 1003 unless this org sealed it for this query, within a day, and it names
        an item of the listing's kind."""
        after = page_tokens.unseal(token, self._key(), org_id, query, int(self._clock()))
        if not after.startswith(prefix):  # only by a bug: the listing's kind is part of the query signed
            raise InvalidPageToken()
        return after
