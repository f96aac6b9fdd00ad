"""`make bench`: DynamoDB calls per request, in-process latency against moto, and cold-start import time.

Numbers from moto are for comparing changes to this code, not a forecast of DynamoDB's own latency: the
column that matters for cost is calls per request; handler overhead is latency minus time inside DynamoDB calls.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))
ROOT = Path(__file__).resolve().parents[2]


class CallMeter:
    """Counts DynamoDB API calls and the time spent inside them, through botocore's event hooks."""

    def __init__(self, client) -> None:
        self.calls: list[str] = []
        self.seconds = 0.0
        self._started: float | None = None
        client.meta.events.register("before-call.dynamodb.*", self._before)
        client.meta.events.register("after-call.dynamodb.*", self._after)

    def _before(self, model, **_) -> None:
        self.calls.append(model.name)
        self._started = time.perf_counter()

    def _after(self, **_) -> None:
        self.seconds += time.perf_counter() - (self._started or time.perf_counter())

    def reset(self) -> None:
        self.calls, self.seconds = [], 0.0


def measure(name: str, meter: CallMeter, request: Callable[[int], dict]) -> dict:
    latencies, dynamo, calls = [], [], []
    for i in range(ROUNDS):
        meter.reset()
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
        "overhead_ms": round(statistics.median((t - d) * 1000 for t, d in zip(latencies, dynamo, strict=True)), 2),
        "call_names": sorted(set(meter.calls)),
    }


def cold_start_ms(module: str, repeats: int = 5) -> float:
    """Median wall time to import a handler module in a fresh interpreter: the cold start our code adds."""
    code = f"import time; t=time.perf_counter(); import {module}; print(time.perf_counter()-t)"
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'functions'}:{ROOT}"}
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                                 check=True).stdout) for _ in range(repeats)]
    return round(statistics.median(runs) * 1000, 1)


def main() -> None:
    import boto3
    from moto import mock_aws

    from badges.config import table_env_var
    from badges.store.tables import TABLES

    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                       "AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_METRICS_DISABLED": "true",
                       "POWERTOOLS_LOG_LEVEL": "WARNING"})
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        for table in TABLES:
            os.environ[table_env_var(table.logical_name)] = table.logical_name
            client.create_table(**table.create_table_kwargs(table.logical_name))
        from badges.api.observability import metrics
        from badges.domain.credentials import hash_secret, verify_secret
        from badges.store.dynamo import dynamodb_client
        from handlers import create_group, get_group, list_groups, update_group
        from local_api.gateway import LambdaContext, proxy_event

        meter = CallMeter(dynamodb_client())
        auth = {"principalId": "bench", "orgId": "1", "userId": "1"}
        json_header = {"Content-Type": ["application/json"]}

        def invoke(module, method: str, path: str, body: dict | None = None) -> dict:
            raw = json.dumps(body).encode() if body is not None else None
            event = proxy_event(method, "/api_gateway/v1/badges" + path, json_header, raw, auth)
            result = module.lambda_handler(event, LambdaContext(module.__name__))
            metrics.clear_metrics()  # disabled metrics are kept, not flushed: drop them between requests
            return result

        seed = json.loads(invoke(create_group, "POST", "/group", {"name": "seed", "rank": 1})["body"])["data"]["id"]
        rows = [
            measure("POST /group", meter,
                    lambda i: invoke(create_group, "POST", "/group", {"name": f"g{i}", "rank": 1})),
            measure("GET /group/{id}", meter, lambda i: invoke(get_group, "GET", f"/group/{seed}")),
            measure("GET /group?limit=20", meter, lambda i: invoke(list_groups, "GET", "/group?limit=20")),
            measure("PUT /group/{id} (rank)", meter,
                    lambda i: invoke(update_group, "PUT", f"/group/{seed}", {"name": "seed", "rank": i})),
            measure("PUT /group/{id} (rename)", meter,
                    lambda i: invoke(update_group, "PUT", f"/group/{seed}", {"name": f"seed{i}", "rank": 1})),
        ]
        stored = hash_secret("bench")
        started = time.perf_counter()
        for _ in range(10):
            verify_secret("bench", stored)
        scrypt_ms = (time.perf_counter() - started) * 100

    print(f"{'operation':<28}{'DynamoDB calls':>15}{'p50 ms':>9}{'p95 ms':>9}{'overhead ms':>13}  calls")
    for row in rows:
        print(f"{row['operation']:<28}{row['dynamodb_calls']:>15.1f}{row['p50_ms']:>9}{row['p95_ms']:>9}"
              f"{row['overhead_ms']:>13}  {', '.join(row['call_names'])}")
    print(f"\nauthorizer: scrypt verify {scrypt_ms:.1f} ms per uncached credential check "
          f"(API Gateway caches the result per Authorization header)")
    print("cold start (import of the handler module, fresh interpreter, median of 5):")
    for module in ("handlers.create_group", "handlers.list_groups", "handlers.authorizer"):
        print(f"  {module:<28}{cold_start_ms(module):>8} ms")
    print(f"\n{ROUNDS} rounds per operation, in-process against moto (python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
