"""`make bench`: DynamoDB calls, items and write units per request, the item most requests share, in-process
latency against moto, and cold-start import time.

moto runs on the local DynamoDB's engine and storage (a transaction costs the items it touches, not the table),
without its contention rules: `make bench-load` measures those over HTTP.
Numbers from moto are for comparing changes to this code, not a forecast of DynamoDB's own latency: the
column that matters for cost is calls per request; "in DynamoDB" is the median time inside the raw DynamoDB
calls (moto's), and the overhead is the rest of the request: our code.
"""
from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.writes import WriteMeter
from local_api.gateway import LambdaContext, proxy_event

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))
ROOT = Path(__file__).resolve().parents[2]


class CallMeter:
    """Counts DynamoDB API calls and the wall time with at least one of them in flight (calls made side by side
    count once), through botocore's event hooks."""

    def __init__(self, client) -> None:
        self.calls: list[str] = []
        self.seconds = 0.0
        self._in_flight = 0
        self._since = 0.0
        self._lock = threading.Lock()
        client.meta.events.register("before-call.dynamodb.*", self._before)
        client.meta.events.register("after-call.dynamodb.*", self._after)

    def _before(self, model, **_) -> None:
        with self._lock:
            self.calls.append(model.name)
            if self._in_flight == 0:
                self._since = time.perf_counter()
            self._in_flight += 1

    def _after(self, **_) -> None:
        with self._lock:
            self._in_flight -= 1
            if self._in_flight == 0:
                self.seconds += time.perf_counter() - self._since

    def reset(self) -> None:
        self.calls, self.seconds = [], 0.0


def measure(name: str, meter: CallMeter, writes: WriteMeter, request: Callable[[int], dict]) -> dict:
    """ROUNDS requests, round `i` by customer `i` where the operation has one, so the hottest share is the share
    of distinct customers' requests that wrote one item."""
    latencies, dynamo, calls = [], [], []
    writes.requests = []
    for i in range(ROUNDS):
        meter.reset()
        writes.begin()
        started = time.perf_counter()
        result = request(i)
        latencies.append(time.perf_counter() - started)
        assert result["statusCode"] == 200, result
        dynamo.append(meter.seconds)
        calls.append(len(meter.calls))
    ms = sorted(x * 1000 for x in latencies)
    return {
        "operation": name,
        "dynamodb_calls": statistics.mean(calls),
        "p50_ms": round(statistics.median(ms), 2),
        "p95_ms": round(ms[int(len(ms) * 0.95) - 1], 2),
        "dynamodb_ms": round(statistics.median(d * 1000 for d in dynamo), 2),
        "overhead_ms": round(statistics.median((t - d) * 1000 for t, d in zip(latencies, dynamo, strict=True)), 2),
        "call_names": sorted(set(meter.calls)),
        "items": statistics.mean(len(w.units) for w in writes.requests),
        "write_units": statistics.mean(w.write_units for w in writes.requests),
        "hottest": writes.hottest()[1],
    }


BADGE_WIDE = {  # a badge-wide limit of each kind, none reached in the bench
    "all": [{"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": 1_000_000},
            {"constraintType": "BADGE_ROLLING_WINDOW", "rollType": "DAYS", "rollValue": 1, "maxEarnLimit": 1_000_000}],
    "none": [],
    "cap": [{"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": 1_000_000}],
    "30-day window": [{"constraintType": "BADGE_ROLLING_WINDOW", "rollType": "DAYS", "rollValue": 30,
                       "maxEarnLimit": 1_000_000}],
}


def _live_badge(invoke, create_badge, claim_badge, earn_type: str, badge_wide: str = "all") -> str:
    """A LIVE badge with customer limits and `badge_wide` ones (none reached in the bench), claimed by
    Loyalty/bench."""
    now = int(time.time())
    body = {
        "name": f"bench-{earn_type}-{badge_wide}", "startOn": now - 86_400, "expiresOn": now + 30 * 86_400,
        "earnType": earn_type,
        "earnedBadgeExpiry": {"expiryType": "NEVER"}, "ownership": {"restrictedToOwners": ["Loyalty", "Journeys"]},
        "customerConstraints": [
            {"constraintType": "CUSTOMER_BADGE_FIXED_VALUE", "maxEarnLimit": 5},
            {"constraintType": "CUSTOMER_BADGE_FIXED_WINDOW", "durationType": "WEEKS", "maxEarnLimit": 5}],
        "badgeConstraints": BADGE_WIDE[badge_wide],
    }
    event = proxy_event("POST", "/api_gateway/v1/badges/badgeMeta",
                        {"Content-Type": ["application/json"], "X-CAP-BADGES-MIGRATION": ["migration"]},
                        json.dumps(body).encode(), {"principalId": "bench", "orgId": "1", "userId": "1"})
    badge_id = json.loads(create_badge.lambda_handler(event, LambdaContext("create_badge"))["body"])["data"]["id"]
    invoke(claim_badge, "POST", f"/badgeMeta/{badge_id}/claim", {"ownerType": "Loyalty", "referenceId": "bench"})
    return badge_id


BARE_CLIENT = 'import boto3; boto3.client("dynamodb", region_name="us-east-1")'
HANDLERS = ("handlers.earn", "handlers.create_badge", "handlers.authorizer")
COLD_RUNS = int(os.environ.get("BENCH_COLD_RUNS", "7"))


def cold_starts_ms(candidates: dict[str, tuple[str, dict[str, str]]], runs: int = COLD_RUNS) -> dict[str, float]:
    """Median wall time of each candidate's code (with its extra environment) in a fresh interpreter, start-up not
    counted; the candidates take turns run after run, so the machine's noise falls on each of them alike."""
    timings: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(runs):
        for name, (code, extra_env) in candidates.items():
            timed = f"import time; t=time.perf_counter(); {code}; print(time.perf_counter()-t)"
            env = {**os.environ, "PYTHONPATH": f"{ROOT / 'functions'}:{ROOT}", **extra_env}
            done = subprocess.run([sys.executable, "-c", timed], capture_output=True, text=True, env=env, check=True)
            timings[name].append(float(done.stdout))
    return {name: round(statistics.median(times) * 1000, 1) for name, times in timings.items()}


def print_cold_starts() -> None:
    """Each handler module's import against a bare boto3 DynamoDB client's import and creation, side by side."""
    candidates = {"bare boto3 DynamoDB client": (BARE_CLIENT, {})}
    candidates |= {module: (f"import {module}", {}) for module in HANDLERS}
    # In Lambda tracing is on, and the X-Ray SDK is loaded at import: shown apart, as a Lambda cold start pays it.
    candidates["handlers.earn, traced as in Lambda"] = ("import handlers.earn", {"LAMBDA_TASK_ROOT": str(ROOT)})
    medians = cold_starts_ms(candidates)
    bare = medians["bare boto3 DynamoDB client"]
    print(f"cold start (fresh interpreter, start-up not counted, median of {COLD_RUNS} alternated runs):")
    for name, ms in medians.items():
        print(f"  {name:<36}{ms:>8} ms{ms / bare:>7.2f}x the bare client")


def main() -> None:
    began = time.perf_counter()
    import boto3
    from moto import mock_aws

    from badges.config import table_env_var
    from badges.store.tables import TABLES
    from local_dynamodb import install_engine

    install_engine()  # the local DynamoDB's engine and storage, as make run's

    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                       "AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_METRICS_DISABLED": "true",
                       "POWERTOOLS_LOG_LEVEL": "WARNING"})
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        for table in TABLES:
            os.environ[table_env_var(table.logical_name)] = table.logical_name
            client.create_table(**table.create_table_kwargs(table.logical_name))
        import warnings

        from badges.observability import metrics

        warnings.filterwarnings("ignore", "No application metrics")
        from badges.domain.credentials import hash_secret, verify_secret
        from badges.store.items import dynamodb_client
        from handlers import (
            claim_badge,
            create_badge,
            create_group,
            earn,
            get_customer_badges,
            get_group,
            issue_bulk,
            list_groups,
            revoke_earn,
            unclaim_badge,
            update_group,
        )

        meter, writes = CallMeter(dynamodb_client()), WriteMeter(dynamodb_client())
        auth = {"principalId": "bench", "orgId": "1", "userId": "1"}
        json_header = {"Content-Type": ["application/json"]}

        def invoke(module, method: str, path: str, body: dict | None = None) -> dict:
            raw = json.dumps(body).encode() if body is not None else None
            event = proxy_event(method, "/api_gateway/v1/badges" + path, json_header, raw, auth)
            result = module.lambda_handler(event, LambdaContext(module.__name__))
            metrics.clear_metrics()  # disabled metrics are kept, not flushed: drop them between requests
            return result

        seed = json.loads(invoke(create_group, "POST", "/group", {"name": "seed", "rank": 1})["body"])["data"]["id"]
        plain, issued = (_live_badge(invoke, create_badge, claim_badge, kind) for kind in ("EARN", "ISSUE_EARN"))
        by_limit = {kind: _live_badge(invoke, create_badge, claim_badge, "EARN", kind)
                    for kind in ("none", "cap", "30-day window")}
        for customer in range(ROUNDS):
            invoke(issue_bulk, "POST", "/badgeMeta/customer/issueBulk",
                   {"badgeMetaId": issued, "customers": [customer], "requestId": f"setup{customer}"})
        owner = {"ownerType": "Loyalty", "referenceId": "bench"}

        def earn_body(badge_id: str, i: int, prefix: str) -> dict:
            return {"badgeMetaId": badge_id, "customerId": i, "requestId": f"{prefix}{i}", "triggeredBy": owner}

        earned: list[str] = []

        def earn_plain(i: int) -> dict:
            result = invoke(earn, "POST", "/customer/earn", earn_body(plain, i, "e"))
            earned.append(json.loads(result["body"])["data"]["earnedBadgeId"])
            return result

        rows = [
            measure("POST /group", meter, writes,
                    lambda i: invoke(create_group, "POST", "/group", {"name": f"g{i}", "rank": 1})),
            measure("GET /group/{id}", meter, writes, lambda i: invoke(get_group, "GET", f"/group/{seed}")),
            measure("GET /group?limit=20", meter, writes, lambda i: invoke(list_groups, "GET", "/group?limit=20")),
            measure("PUT /group/{id} (rank)", meter, writes,
                    lambda i: invoke(update_group, "PUT", f"/group/{seed}", {"name": "seed", "rank": i})),
            measure("PUT /group/{id} (rename)", meter, writes,
                    lambda i: invoke(update_group, "PUT", f"/group/{seed}", {"name": f"seed{i}", "rank": 1})),
            # claim and unclaim by turns: a badge keeps at most 100 owner references, and both write the same
            measure("POST /badgeMeta/{id}/claim, /unclaim", meter, writes, lambda i: invoke(
                (claim_badge, unclaim_badge)[i % 2], "POST", f"/badgeMeta/{plain}/{('claim', 'unclaim')[i % 2]}",
                {"ownerType": "Journeys", "referenceId": f"j{i // 2 % 50}"})),
            measure("POST /customer/earn", meter, writes, earn_plain),
            *(measure(f"POST /customer/earn (badge: {kind})", meter, writes, lambda i, badge=badge, kind=kind: invoke(
                earn, "POST", "/customer/earn", earn_body(badge, i, kind))) for kind, badge in by_limit.items()),
            measure("POST /customer/earn (ISSUE_EARN)", meter, writes,
                    lambda i: invoke(earn, "POST", "/customer/earn", earn_body(issued, i, "x"))),
            measure("POST .../issueBulk (1 customer)", meter, writes, lambda i: invoke(
                issue_bulk, "POST", "/badgeMeta/customer/issueBulk",
                {"badgeMetaId": issued, "customers": [ROUNDS + i], "requestId": f"i{i}"})),
            measure("POST /customer/revokeEarn", meter, writes, lambda i: invoke(
                revoke_earn, "POST", "/customer/revokeEarn",
                {"badgeMetaId": plain, "customerId": i, "earnedBadgeId": earned[i]})),
            measure("GET /customer/{id}", meter, writes,
                    lambda i: invoke(get_customer_badges, "GET", f"/customer/{i}")),
        ]
        stored = hash_secret("bench")
        started = time.perf_counter()
        for _ in range(10):
            verify_secret("bench", stored)
        scrypt_ms = (time.perf_counter() - started) * 100

    print(f"{'operation':<44}{'round trips':>12}{'items':>7}{'WCU':>7}{'hottest':>9}{'p50 ms':>8}{'p95 ms':>8}"
          f"{'in DynamoDB':>12}{'overhead':>9}  calls")
    for row in rows:
        print(f"{row['operation']:<44}{row['dynamodb_calls']:>12.1f}{row['items']:>7.1f}{row['write_units']:>7.1f}"
              f"{row['hottest']:>9.1%}{row['p50_ms']:>8}{row['p95_ms']:>8}{row['dynamodb_ms']:>12}"
              f"{row['overhead_ms']:>9}  {', '.join(row['call_names'])}")
    print("items and WCU: items written per request and their write units (transactional: 2 per started KB);"
          "\nhottest: the share of the requests that wrote the item most of them wrote (round i is customer i's)")
    print(f"\nauthorizer: scrypt verify {scrypt_ms:.1f} ms per uncached credential check "
          f"(the authorizer keeps a verified credential in memory for BADGES_AUTH_CACHE_TTL)")
    print_cold_starts()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"\n{ROUNDS} rounds per operation, in-process against moto (python {sys.version.split()[0]}): "
          f"{time.perf_counter() - began:.0f} s, peak memory {peak_mib} MiB")


if __name__ == "__main__":
    main()
