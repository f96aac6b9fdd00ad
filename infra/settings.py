"""Stack settings read from CDK context (cdk.json defaults, `-c key=value` overrides), typed once."""
from __future__ import annotations

from dataclasses import dataclass

from constructs import Node

# Mirrors cdk.json, so a test or script that builds the stack without cdk.json gets the same defaults.
DEFAULTS = {
    "stage": "dev",
    "deletionProtection": False,
    "authorizerCacheTtlSeconds": 300,
    "powertoolsVersion": "3.37.0",
    "lambdaMemorySize": 256,
    "authorizerMemorySize": 512,
}


def _as_bool(value: object) -> bool:
    # `cdk synth -c deletionProtection=true` hands over the string "true".
    return value if isinstance(value, bool) else str(value).strip().lower() in {"1", "true", "yes"}


@dataclass(frozen=True)
class StackSettings:
    stage: str
    deletion_protection: bool  # the tables refuse deletion and outlive the stack
    authorizer_cache_ttl_seconds: int
    powertools_version: str  # a pinned Powertools release; its public SSM parameter names the layer ARN
    lambda_memory_size: int
    authorizer_memory_size: int  # the authorizer verifies a slow hash: CPU, hence memory, sets its latency

    @property
    def is_prod(self) -> bool:
        return self.stage == "prod"

    @classmethod
    def from_context(cls, node: Node) -> StackSettings:
        def get(key: str) -> object:
            value = node.try_get_context(key)
            return DEFAULTS[key] if value is None else value

        stage = str(get("stage"))
        return cls(
            stage=stage,
            deletion_protection=stage == "prod" or _as_bool(get("deletionProtection")),
            authorizer_cache_ttl_seconds=int(get("authorizerCacheTtlSeconds")),
            powertools_version=str(get("powertoolsVersion")),
            lambda_memory_size=int(get("lambdaMemorySize")),
            authorizer_memory_size=int(get("authorizerMemorySize")),
        )
