"""Stack settings read from CDK context (cdk.json defaults, `-c key=value` overrides), typed once."""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from constructs import Node

# Mirrors cdk.json, so a test or script that builds the stack without cdk.json gets the same defaults.
DEFAULTS: dict[str, object] = {
    "stage": "dev",
    "deletionProtection": False,
    "authorizerCacheTtlSeconds": 300,
    "powertoolsVersion": "3.37.0",
    "lambdaMemorySize": 256,
    "authorizerMemorySize": 512,
    "lambdaArchitecture": "arm64",
    "logRetentionDays": 30,
    "reservedConcurrency": {},
    "throttleRateLimit": 500,
    "throttleBurstLimit": 1000,
    "wafEnabled": True,
    "wafRateLimit": 30000,
    "wafTokenRateLimit": 100,
    "wafBasicAuthRateLimit": 6000,
    "apiLatencyP99Ms": 2000,
    "alarmEmail": "",
}

ARCHITECTURES = ("arm64", "x86_64")
# What a WAF rate-based rule accepts as its limit (requests per evaluation window per client IP).
WAF_RATE_LIMIT_RANGE = (10, 2_000_000_000)
# The retention periods CloudWatch Logs accepts.
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
                      2922, 3288, 3653)


def _as_bool(value: object) -> bool:
    # `cdk synth -c deletionProtection=true` hands over the string "true".
    return value if isinstance(value, bool) else str(value).strip().lower() in {"1", "true", "yes"}


def _as_mapping(value: object) -> dict[str, int]:
    # `-c reservedConcurrency='{"earn": 50}'` hands over a JSON string; cdk.json a JSON object.
    parsed = json.loads(value) if isinstance(value, str) else value
    if not isinstance(parsed, Mapping):
        raise ValueError(f"reservedConcurrency must be a JSON object of handler -> count, not {value!r}")
    counts = {str(handler): int(count) for handler, count in parsed.items()}
    bad = {handler: count for handler, count in counts.items() if count < 1}
    if bad:
        raise ValueError(f"reservedConcurrency counts must be at least 1 (0 would switch a route off): {bad}")
    return counts


def _rate_limit(key: str, value: object) -> int:
    limit = int(value)
    low, high = WAF_RATE_LIMIT_RANGE
    if not low <= limit <= high:
        raise ValueError(f"context {key}={value!r}: a WAF rate limit is {low} to {high:,} requests")
    return limit


def _within(key: str, limit: int, overall: int) -> int:
    # Every request the narrower rule counts, the per-IP rule counts too: above it, the narrower rule never acts.
    if limit > overall:
        raise ValueError(f"context {key}={limit} is above wafRateLimit={overall}, which would block first: "
                         f"lower {key} or raise wafRateLimit")
    return limit


def _one_of(key: str, value: object, allowed: tuple) -> object:
    if value not in allowed:
        raise ValueError(f"context {key}={value!r}: must be one of {', '.join(map(str, allowed))}")
    return value


@dataclass(frozen=True)
class StackSettings:
    stage: str
    deletion_protection: bool  # the tables refuse deletion and outlive the stack
    authorizer_cache_ttl_seconds: int  # how long the authorizer keeps a verified caller in memory
    powertools_version: str  # a pinned Powertools release; its public SSM parameter names the layer ARN
    lambda_memory_size: int
    authorizer_memory_size: int  # the authorizer verifies a slow hash: CPU, hence memory, sets its latency
    lambda_architecture: str = "arm64"  # arm64 or x86_64, for every function and both layers
    log_retention_days: int = 30
    reserved_concurrency: dict[str, int] = field(default_factory=dict)  # handler -> reserved executions
    throttle_rate_limit: int = 500  # the stage's steady requests per second
    throttle_burst_limit: int = 1000
    waf_enabled: bool = True  # the web ACL on the stage; off only by -c wafEnabled=false
    # Requests per client IP per 5 minutes before the WAF answers 429, when it is on: every request, the token
    # endpoint's, and those carrying Basic credentials (each of the latter two also counts towards the first).
    waf_rate_limit: int = 30000
    waf_token_rate_limit: int = 100
    waf_basic_auth_rate_limit: int = 6000
    api_latency_p99_ms: int = 2000  # the p99 latency alarm's threshold
    alarm_email: str = ""  # subscribed to the alarm topic when set

    @property
    def is_prod(self) -> bool:
        return self.stage == "prod"

    @classmethod
    def from_context(cls, node: Node) -> StackSettings:
        def get(key: str) -> object:
            value = node.try_get_context(key)
            return DEFAULTS[key] if value is None else value

        stage = str(get("stage"))
        waf_rate_limit = _rate_limit("wafRateLimit", get("wafRateLimit"))
        return cls(
            stage=stage,
            deletion_protection=stage == "prod" or _as_bool(get("deletionProtection")),
            authorizer_cache_ttl_seconds=int(get("authorizerCacheTtlSeconds")),
            powertools_version=str(get("powertoolsVersion")),
            lambda_memory_size=int(get("lambdaMemorySize")),
            authorizer_memory_size=int(get("authorizerMemorySize")),
            lambda_architecture=str(_one_of("lambdaArchitecture", str(get("lambdaArchitecture")), ARCHITECTURES)),
            log_retention_days=int(_one_of("logRetentionDays", int(get("logRetentionDays")), LOG_RETENTION_DAYS)),
            reserved_concurrency=_as_mapping(get("reservedConcurrency")),
            throttle_rate_limit=int(get("throttleRateLimit")),
            throttle_burst_limit=int(get("throttleBurstLimit")),
            waf_enabled=_as_bool(get("wafEnabled")),
            waf_rate_limit=waf_rate_limit,
            waf_token_rate_limit=_within(
                "wafTokenRateLimit", _rate_limit("wafTokenRateLimit", get("wafTokenRateLimit")), waf_rate_limit),
            waf_basic_auth_rate_limit=_within(
                "wafBasicAuthRateLimit", _rate_limit("wafBasicAuthRateLimit", get("wafBasicAuthRateLimit")),
                waf_rate_limit),
            api_latency_p99_ms=int(get("apiLatencyP99Ms")),
            alarm_email=str(get("alarmEmail")).strip(),
        )
