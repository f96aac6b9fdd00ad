"""Tracing: on in Lambda, by Powertools' rule; where it is off, a handler's import leaves the X-Ray SDK unloaded."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from badges.config import tracing_enabled

PROBE = (
    "import json, sys; import handlers.earn; patcher = sys.modules.get('aws_xray_sdk.core.patcher'); "
    "print(json.dumps({'xray': 'aws_xray_sdk.core' in sys.modules, "
    "'patched': sorted(patcher._PATCHED_MODULES) if patcher else []}))"
)


def import_earn(**env: str) -> dict:
    """What a fresh interpreter holds after importing the earn handler with `env` on top of a clean environment."""
    base = {k: v for k, v in os.environ.items() if k not in {"LAMBDA_TASK_ROOT", "POWERTOOLS_TRACE_DISABLED"}}
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True,
                          env={**base, **env})
    return json.loads(done.stdout)


@pytest.mark.parametrize(("env", "expected"), [
    ({}, False),
    ({"LAMBDA_TASK_ROOT": "/var/task"}, True),
    ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "true"}, False),
    ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "0"}, True),
    ({"LAMBDA_TASK_ROOT": "/var/task", "AWS_SAM_LOCAL": "true"}, False),
])
def test_tracing_is_on_in_lambda_unless_disabled(monkeypatch, env, expected):
    for name in ("LAMBDA_TASK_ROOT", "POWERTOOLS_TRACE_DISABLED", "AWS_SAM_LOCAL", "AWS_CHALICE_CLI_MODE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    assert tracing_enabled() is expected


def test_an_untraced_handler_never_imports_the_xray_sdk():
    assert import_earn() == {"xray": False, "patched": []}
    assert import_earn(LAMBDA_TASK_ROOT="/var/task", POWERTOOLS_TRACE_DISABLED="true") == {"xray": False, "patched": []}


def test_a_traced_handler_patches_botocore_at_import():
    assert import_earn(LAMBDA_TASK_ROOT="/var/task") == {"xray": True, "patched": ["botocore"]}
