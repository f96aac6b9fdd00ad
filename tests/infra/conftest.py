"""The stack synthesized twice per session at most: once with cdk.json's defaults (every template test), once
with every context value changed (the context tests, WAF off), cdk-nag included both times."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

# jsii starts node on first import of aws_cdk; this keeps its end-of-life banner out of the test output.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from aws_cdk import App
from aws_cdk.assertions import Template

from infra.stack import STACK_ID, BadgesStack, build_app

# Every context value away from its default, so one synth shows each one reaching the template.
VARIANT_CONTEXT = {
    "stage": "prod",
    "authorizerCacheTtlSeconds": 45,
    "lambdaMemorySize": 1024,
    "authorizerMemorySize": 768,
    "lambdaArchitecture": "x86_64",
    "logRetentionDays": 14,
    "reservedConcurrency": '{"earn": 50, "authorizer": 20}',  # as `-c reservedConcurrency='{...}'` hands it over
    "throttleRateLimit": 123,
    "throttleBurstLimit": 456,
    # WAF off: the limits below cannot reach this template; test_context builds the web ACL alone to show they do.
    "wafEnabled": "false",
    "wafRateLimit": 700,
    "wafTokenRateLimit": 50,
    "wafBasicAuthRateLimit": 400,
    "apiLatencyP99Ms": 1500,
    "alarmEmail": "oncall@example.com",
}


@dataclass(frozen=True)
class Synthesized:
    app: App
    stack: BadgesStack
    outdir: Path
    template: Template
    resources: dict  # the raw template's Resources, for walks the assertions API does not offer
    raw: dict  # the whole template

    def logical_id(self, construct) -> str:
        """The CloudFormation logical id of an L2 construct's main resource (or of an L1 resource)."""
        resource = getattr(construct.node, "default_child", None) or construct
        return self.stack.get_logical_id(resource)


_failures: dict[str, BaseException] = {}  # a failed synth fails its tests at once instead of re-running per test


def _synthesize(name: str, tmp_path_factory: pytest.TempPathFactory, context: dict | None) -> Synthesized:
    if name in _failures:
        raise _failures[name]
    try:
        outdir = tmp_path_factory.mktemp(f"cdk.out.{name}")
        app, stack = build_app(App(outdir=str(outdir), context=context))
        # Raises when cdk-nag reports an unacknowledged finding, exactly as `cdk synth` fails.
        assembly = app.synth()
    except Exception as exc:
        _failures[name] = exc
        raise
    raw = assembly.get_stack_by_name(STACK_ID).template
    return Synthesized(app, stack, outdir, Template.from_json(raw), raw["Resources"], raw)


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return _synthesize("default", tmp_path_factory, None)


@pytest.fixture(scope="session")
def variant(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return _synthesize("variant", tmp_path_factory, VARIANT_CONTEXT)


@pytest.fixture(scope="session")
def template(synthesized: Synthesized) -> Template:
    return synthesized.template
