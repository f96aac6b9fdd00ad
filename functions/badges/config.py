"""Settings from the environment: the only module that reads os.environ."""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

# The variable that names each table: BADGES_TABLE_BADGES, BADGES_TABLE_CREDENTIALS.
TABLE_ENV_PREFIX = "BADGES_TABLE_"
# The secret (ARN or name) holding the OAuth signing keys, and how long the authorizer keeps what it verified.
OAUTH_SECRET_ENV = "BADGES_OAUTH_SECRET_ID"
AUTH_CACHE_TTL_ENV = "BADGES_AUTH_CACHE_TTL"
# The secret (ARN or name) holding the page tokens' HMAC key, set by the stack on the functions that list pages;
# without it, a key given in PAGE_TOKEN_KEY_ENV (local runs), else one drawn at random per process.
PAGE_TOKEN_SECRET_ENV = "BADGES_PAGE_TOKEN_SECRET_ID"
PAGE_TOKEN_KEY_ENV = "BADGES_PAGE_TOKEN_KEY"
_TRUTHY = {"1", "y", "yes", "t", "true", "on"}


def table_env_var(logical_name: str) -> str:
    return TABLE_ENV_PREFIX + logical_name.upper()


@dataclass(frozen=True)
class Settings:
    table_names: dict[str, str]  # logical name -> the table's name where the environment names it
    dynamodb_endpoint: str | None  # set for the local server: an embedded or external DynamoDB-compatible store
    region: str
    oauth_secret_id: str = "badges-oauth-keys"  # the Secrets Manager secret holding the OAuth signing keys
    secrets_endpoint: str | None = None  # set for the local server: its embedded Secrets Manager
    auth_cache_ttl: int = 300  # seconds the authorizer keeps a verified credential or token in memory
    page_token_secret_id: str | None = None  # the Secrets Manager secret holding the page tokens' key (deployed)
    page_token_key: str | None = None  # the page tokens' key itself, for local runs without the secret

    def table(self, logical_name: str) -> str:
        """The table's name: as its variable names it (store.tables lists them), else its logical name."""
        return self.table_names.get(logical_name, logical_name)


@cache
def settings() -> Settings:
    """Read once per process; tests call settings.cache_clear() after changing the environment."""
    return Settings(
        table_names={name[len(TABLE_ENV_PREFIX):].lower(): value for name, value in os.environ.items()
                     if name.startswith(TABLE_ENV_PREFIX)},
        dynamodb_endpoint=os.environ.get("BADGES_DYNAMODB_ENDPOINT") or None,
        region=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
        oauth_secret_id=os.environ.get(OAUTH_SECRET_ENV, "badges-oauth-keys"),
        secrets_endpoint=os.environ.get("BADGES_SECRETS_ENDPOINT") or None,
        auth_cache_ttl=int(os.environ.get(AUTH_CACHE_TTL_ENV, "300")),
        page_token_secret_id=os.environ.get(PAGE_TOKEN_SECRET_ENV) or None,
        page_token_key=os.environ.get(PAGE_TOKEN_KEY_ENV) or None,
    )


def tracing_enabled() -> bool:
    """Whether the functions trace to X-Ray, by Powertools' own rule: in Lambda (not under SAM or Chalice local),
    unless POWERTOOLS_TRACE_DISABLED is true."""
    if os.environ.get("POWERTOOLS_TRACE_DISABLED", "false").strip().lower() in _TRUTHY:
        return False
    return bool(os.environ.get("LAMBDA_TASK_ROOT")) and not (
        os.environ.get("AWS_SAM_LOCAL") or os.environ.get("AWS_CHALICE_CLI_MODE"))


@dataclass(frozen=True)
class LocalSettings:
    """What `make run` reads: where to listen, which credentials to seed, which store to use."""

    host: str
    port: int
    credentials_file: str | None
    dynamodb_endpoint: str | None
    authorizer_cache_ttl: int
    contention: bool = True  # the embedded DynamoDB's holds, conflicts and throttling (local_dynamodb)
    hold_ms: float = 10.0  # how long each write holds its items
    item_write_units: float = 1000.0  # write units per second one item takes before it is throttled


def local_settings() -> LocalSettings:
    return LocalSettings(
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "3000")),
        credentials_file=os.environ.get("BADGES_LOCAL_CREDENTIALS") or None,
        dynamodb_endpoint=os.environ.get("BADGES_DYNAMODB_ENDPOINT") or None,
        authorizer_cache_ttl=int(os.environ.get(AUTH_CACHE_TTL_ENV, "300")),
        contention=os.environ.get("BADGES_LOCAL_CONTENTION", "on").lower() not in {"off", "0", "false", "no"},
        hold_ms=float(os.environ.get("BADGES_LOCAL_HOLD_MS", "10")),
        item_write_units=float(os.environ.get("BADGES_LOCAL_ITEM_WCU", "1000")),
    )


def configure_local_process(table_names: dict[str, str], endpoint: str, secrets_endpoint: str,
                            auth_cache_ttl: int) -> None:
    """Point this process's app code at local stores, as the stack's environment would in Lambda."""
    for logical_name, name in table_names.items():
        os.environ[table_env_var(logical_name)] = name
    os.environ["BADGES_DYNAMODB_ENDPOINT"] = endpoint
    os.environ["BADGES_SECRETS_ENDPOINT"] = secrets_endpoint
    os.environ[AUTH_CACHE_TTL_ENV] = str(auth_cache_ttl)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    settings.cache_clear()
