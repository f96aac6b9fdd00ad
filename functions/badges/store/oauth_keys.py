"""The OAuth signing keys, kept in one Secrets Manager secret: {"current": kid, kid: key, ..., "retired": {...}}.

A rotation adds a new key and makes it current; the keys it replaced stay until every token they signed has
expired, so a rotation never refuses a token issued before it.
"""
from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.utilities.parameters import SecretsProvider

from badges.config import settings
from badges.domain.tokens import MAX_TTL_SECONDS

_REREAD_AFTER = 1  # second: a token with an unknown kid reads the secret again, at most this often
_REFRESH_AFTER = 60  # seconds: how long the keys read are used before they are read again


class OAuthKeys:
    """The secret as Powertools' SecretsProvider keeps it: read at most once a minute, so a retired or withdrawn
    key stops working that soon; read at once when a token names a kid it lacks (a rotation since), at most once
    a second, so forged kids cannot drive the reads."""

    def __init__(self, provider: SecretsProvider, secret_id: str, clock: Callable[[], float] = time.monotonic):
        self._provider, self._secret_id, self._clock = provider, secret_id, clock
        self._forced_at: float | None = None
        self._lock = threading.Lock()  # the local server runs handlers in threads

    def _value(self, force: bool = False) -> dict:
        return self._provider.get(self._secret_id, max_age=_REFRESH_AFTER, transform="json", force_fetch=force)

    def current(self) -> tuple[str, str]:
        """The kid and key new tokens are signed with."""
        value = self._value()
        return value["current"], value[value["current"]]

    def keys(self, wanted_kid: str | None = None) -> dict[str, str]:
        """Every key that may verify a token; read again if `wanted_kid` is unknown (a rotation since)."""
        value = self._value()
        if wanted_kid and wanted_kid not in value and self._may_force():
            value = self._value(force=True)
        return {kid: key for kid, key in value.items() if kid not in ("current", "retired")}

    def _may_force(self) -> bool:
        with self._lock:
            now = self._clock()
            if self._forced_at is not None and now - self._forced_at < _REREAD_AFTER:
                return False
            self._forced_at = now
            return True


def rotate(client: Any, secret_id: str, now: float | None = None) -> str:
    """Make a new key current; forget keys retired longer ago than a token lives. Returns the new kid."""
    now = now or time.time()
    value = json.loads(client.get_secret_value(SecretId=secret_id)["SecretString"])
    retired = {kid: at for kid, at in value.get("retired", {}).items() if now - at <= 2 * MAX_TTL_SECONDS}
    retired[value["current"]] = now
    kept = {kid: value[kid] for kid in [*retired, value["current"]] if kid in value}
    kid = f"k{int(now * 1000)}"
    client.put_secret_value(SecretId=secret_id, SecretString=json.dumps(
        {**kept, kid: secrets.token_urlsafe(48), "current": kid, "retired": retired}))
    return kid


def initial_secret() -> str:
    return json.dumps({"current": "k1", "k1": secrets.token_urlsafe(48)})


@cache
def secrets_client() -> Any:
    cfg = settings()
    return boto3.client("secretsmanager", region_name=cfg.region, endpoint_url=cfg.secrets_endpoint)


@cache
def oauth_keys() -> OAuthKeys:
    return OAuthKeys(SecretsProvider(boto3_client=secrets_client()), settings().oauth_secret_id)
