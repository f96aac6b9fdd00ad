"""The OAuth signing keys, kept in one Secrets Manager secret: {"current": kid, kid: key, ..., "retired": {...}}.

A rotation adds a new key and makes it current; the keys it replaced stay until every token they signed has
expired, so a rotation never refuses a token issued before it.
"""
from __future__ import annotations

import json
import secrets
import time
from functools import cache
from typing import Any

import boto3

from badges.config import settings
from badges.domain.tokens import MAX_TTL_SECONDS

_REREAD_AFTER = 1  # second: a token with an unknown kid reads the secret again, at most this often
_REFRESH_AFTER = 60  # seconds: how long the keys read are used before they are read again


class OAuthKeys:
    def __init__(self, client: Any, secret_id: str):
        self._client = client
        self._secret_id = secret_id
        self._value: dict | None = None
        self._read_at = 0.0

    def _read(self) -> dict:
        self._value = json.loads(self._client.get_secret_value(SecretId=self._secret_id)["SecretString"])
        self._read_at = time.monotonic()
        return self._value

    def _fresh(self) -> dict:
        """The secret as read within the last minute: a retired or withdrawn key stops working that soon."""
        return self._value if self._value and time.monotonic() - self._read_at < _REFRESH_AFTER else self._read()

    def current(self) -> tuple[str, str]:
        """The kid and key new tokens are signed with."""
        value = self._fresh()
        return value["current"], value[value["current"]]

    def keys(self, wanted_kid: str | None = None) -> dict[str, str]:
        """Every key that may verify a token; read again if `wanted_kid` is unknown (a rotation since)."""
        value = self._fresh()
        if wanted_kid and wanted_kid not in value and time.monotonic() - self._read_at > _REREAD_AFTER:
            value = self._read()
        return {kid: key for kid, key in value.items() if kid not in ("current", "retired")}


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
    return OAuthKeys(secrets_client(), settings().oauth_secret_id)
