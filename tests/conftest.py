"""Shared test setup: no real AWS, fresh caches between tests."""
from __future__ import annotations

import pytest

from badges.config import settings
from badges.service.earning import badge_cache
from badges.store.badges import badge_store
from badges.store.credentials import credential_store
from badges.store.custom_fields import custom_field_store
from badges.store.customer_ids import customer_directory
from badges.store.earning import earn_store
from badges.store.groups import group_store
from badges.store.items import dynamodb_client
from badges.store.oauth_keys import oauth_keys, secrets_client
from badges.store.org_meta import org_meta_store
from badges.store.pagination import key_secrets
from handlers.authorizer import verified

# Fails a run in which a collected test was never reported (see the module).
pytest_plugins = ["tests.reporting_guard"]


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch):
    """Dummy credentials so no test can reach a real account, and app caches reset around every test."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    monkeypatch.delenv("BADGES_DYNAMODB_ENDPOINT", raising=False)
    caches = (settings, dynamodb_client, group_store, badge_store, earn_store, credential_store, secrets_client,
              oauth_keys, key_secrets, custom_field_store, org_meta_store, customer_directory)
    for cached in caches:
        cached.cache_clear()
    badge_cache.clear()
    verified.clear()
    yield
    for cached in caches:
        cached.cache_clear()
    badge_cache.clear()
    verified.clear()

