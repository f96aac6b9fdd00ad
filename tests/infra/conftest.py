"""One synth of the whole app, cdk-nag included, shared by every infra test in the session."""
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


@dataclass(frozen=True)
class Synthesized:
    app: App
    stack: BadgesStack
    outdir: Path
    template: Template
    resources: dict  # the raw template's Resources, for walks the assertions API does not offer

    def logical_id(self, construct) -> str:
        """The CloudFormation logical id of an L2 construct's main resource."""
        return self.stack.get_logical_id(construct.node.default_child)


_failure: list[BaseException] = []  # a failed synth fails every test at once instead of re-running per test


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    if _failure:
        raise _failure[0]
    try:
        outdir = tmp_path_factory.mktemp("cdk.out")
        app, stack = build_app(App(outdir=str(outdir)))
        # Raises when cdk-nag reports an unacknowledged finding, exactly as `cdk synth` fails.
        assembly = app.synth()
    except Exception as exc:
        _failure.append(exc)
        raise
    raw = assembly.get_stack_by_name(STACK_ID).template
    return Synthesized(app, stack, outdir, Template.from_json(raw), raw["Resources"])


@pytest.fixture(scope="session")
def template(synthesized: Synthesized) -> Template:
    return synthesized.template
