"""What the hypothesis model tests share: the service on a fresh moto DynamoDB per example, and its answers as codes."""
from __future__ import annotations

import calendar
import itertools
import os
from datetime import UTC, date, datetime
from decimal import Decimal

import boto3
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine
from moto import mock_aws

from badges.config import settings as app_settings
from badges.config import table_env_var
from badges.domain.errors import BadgesError
from badges.domain.identity import Caller
from badges.service import earning
from badges.store.badges import badge_store
from badges.store.earning import earn_store
from badges.store.groups import group_store
from badges.store.items import dynamodb_client
from badges.store.tables import TABLES
from local_dynamodb import install_engine

HOUR, DAY = 3600, 86_400
CALLER = Caller(org_id=1, user_id=1)
_RUNS = itertools.count()
# How many examples each model test runs: its own few in `make test`; more by hand, e.g. MODEL_EXAMPLES=200.
MODEL_EXAMPLES = os.environ.get("MODEL_EXAMPLES")
_CACHED = (app_settings, dynamodb_client, badge_store, earn_store, group_store)
# The turns a model's clock is started just before (up to three days, so that events, windows and waits straddle
# them): month ends of 30 and 31 days, year ends, 28 February in a common year and 29 February on both sides; or
# anywhere in ten years. Never the wall clock's moment.
TURNS = [calendar.timegm(day) for day in (
    (2027, 1, 1, 0, 0, 0), (2027, 3, 1, 0, 0, 0), (2027, 5, 1, 0, 0, 0), (2027, 8, 1, 0, 0, 0),
    (2028, 1, 1, 0, 0, 0), (2028, 2, 29, 0, 0, 0), (2028, 3, 1, 0, 0, 0), (2029, 1, 1, 0, 0, 0),
    (2032, 2, 29, 0, 0, 0), (2032, 3, 1, 0, 0, 0))]
CLOCKS = st.one_of(st.builds(lambda turn, before: turn - before, st.sampled_from(TURNS), st.integers(0, 3 * DAY)),
                   st.integers(calendar.timegm((2024, 1, 1, 0, 0, 0)), calendar.timegm((2034, 1, 1, 0, 0, 0))))


def day_of(moment: Decimal) -> date:
    """The UTC day of a moment."""
    return datetime.fromtimestamp(float(moment), tz=UTC).date()


class ServiceMachine(RuleBasedStateMachine):
    """Each example starts on empty tables of its own, with the service's caches cleared, on the local model's
    engine as the integration tests run (one request at a time: a definition change walks the shards in threads)."""

    def __init__(self):
        super().__init__()
        install_engine()
        self.mock = mock_aws()
        self.mock.start()
        client = boto3.client("dynamodb", region_name="us-east-1")
        suffix = next(_RUNS)
        for table in TABLES:
            name = f"model-{table.logical_name}-{suffix}"
            os.environ[table_env_var(table.logical_name)] = name
            client.create_table(**table.create_table_kwargs(name))
        for cached in _CACHED:
            cached.cache_clear()
        earning.badge_cache.clear()
        self.serial = 0

    def teardown(self):
        self.mock.stop()
        for table in TABLES:
            os.environ.pop(table_env_var(table.logical_name), None)
        for cached in _CACHED:
            cached.cache_clear()
        earning.badge_cache.clear()

    @staticmethod
    def _code(action) -> set[int]:
        """The codes of the errors the action was refused with (none when it succeeded)."""
        try:
            action()
            return set()
        except BadgesError as refused:
            return {d.code for d in refused.details}

    @staticmethod
    def _answer(action) -> tuple[int, list[tuple[int, str | None]]]:
        """What a caller is answered: the HTTP status, and each error's code and reference (sorted)."""
        try:
            action()
            return 200, []
        except BadgesError as refused:
            return refused.status, sorted((d.code, d.reference) for d in refused.details)

    def _request(self) -> str:
        self.serial += 1
        return f"req-{self.serial}"


def examples(default: int) -> int:
    """The model test's number of examples: `default`, or MODEL_EXAMPLES if set."""
    return int(MODEL_EXAMPLES) if MODEL_EXAMPLES else default
