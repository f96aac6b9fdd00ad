"""The first deploy, rehearsed offline: every function as `cdk synth` packages it (its asset, the domain and
libraries layers, a Powertools layer built as AWS builds it, the python3.13 runtime's boto3, nothing else) imports,
answers the traffic exactly as the source tree does, and makes only the AWS calls its role in the template allows.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from badges.config import table_env_var
from badges.events import EVENTS
from badges.routes import AUTHORIZER_HANDLER, FALLBACK_HANDLER, ROUTES
from infra.packaged import BUILD, RUNTIME_BOTO3, Synthesized, dependencies, synthesize
from tests.packaging import harness, iam, traffic

RENAMED = ("BadgesStack-", "Source-")  # the source tree's deployment: the same stores under other names

# Grants the traffic never uses, (handler, action) -> why it stays. The test fails when one of them becomes used
# (drop it from here) and when a grant not listed goes unused (remove it from the role, or list it with its
# reason). None today: every grant is used by the traffic.
EXPECTED_UNUSED: dict[tuple[str, str], str] = {}
# Used by Lambda and the X-Ray daemon on the function's behalf, never by its code: no boto3 call shows them.
RUNTIME_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords")


class Rehearsal:
    """The synthesized stack, both deployments on one local AWS, and the transcript of each."""

    def __init__(self, workdir: Path) -> None:
        self.synthesized = Synthesized(synthesize(BUILD / "cdk.out"))
        self.functions = self.synthesized.functions()
        self.dependencies = dependencies(self.synthesized.powertools_version)
        self.aws = harness.LocalAWS()
        env: dict[str, str] = {}
        for function in self.functions.values():
            env.update(function.environment)
        self.packaged = harness.packaged(self.functions, self.dependencies, self.aws, workdir)  # imports begin
        self.source = harness.source(self.functions, self.aws, workdir, RENAMED)
        harness.provision(self.aws, env, traffic.CREDENTIALS)
        harness.provision(self.aws, {k: v.replace(*RENAMED) for k, v in env.items()}, traffic.CREDENTIALS)
        badges_table = env[table_env_var("badges")]
        self.source_transcript = traffic.run(self.source, self.aws, badges_table.replace(*RENAMED))
        self.packaged_transcript = traffic.run(self.packaged, self.aws, badges_table)

    def stop(self) -> None:
        self.packaged.stop()
        self.source.stop()
        self.aws.stop()

    def requests(self, handler: str) -> list[iam.Request]:
        return [request for call in self.packaged.calls.get(handler, []) for request in iam.requests_of(call)]


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory):
    run = Rehearsal(tmp_path_factory.mktemp("packaging"))
    yield run
    run.stop()


def test_the_stack_packages_every_handler_on_the_python313_runtime(rehearsal):
    expected = {r.handler for r in ROUTES} | {FALLBACK_HANDLER, AUTHORIZER_HANDLER} | {
        e.enrichment for e in EVENTS if e.enrichment}
    assert set(rehearsal.functions) == expected
    for function in rehearsal.functions.values():
        assert function.runtime == "python3.13"
        assert sorted(p.name for p in function.asset.iterdir()) == [f"{function.handler}.py"]
        assert len(function.layers) == 2  # the domain and libraries layers; Powertools is the public one


def test_every_packaged_handler_imports_from_its_layers_and_the_runtime_alone(rehearsal):
    imported = rehearsal.packaged.imported()
    assert set(imported) == set(rehearsal.functions) and all(ms > 0 for ms in imported.values())
    deps, loaded = rehearsal.dependencies, {}
    for handler, runner in rehearsal.packaged.runners.items():
        function = rehearsal.functions[handler]
        domain, libraries = function.layers
        origins = {name: Path(file) for name, file in runner.origins.items() if file}
        assert origins["badges"].is_relative_to(domain / "python"), handler
        assert origins["botocore"].is_relative_to(deps.boto3), handler  # every function's calls are recorded
        assert "boto3" not in origins or origins["boto3"].is_relative_to(deps.boto3), handler
        assert origins["aws_lambda_powertools"].is_relative_to(deps.powertools / "python"), handler
        for name in ("pydantic", "pydantic_core", "aws_xray_sdk"):  # loaded by the handlers that use them only
            assert name not in origins or origins[name].is_relative_to(deps.powertools / "python"), (handler, name)
        for name in ("jwt", "cachetools"):
            assert name not in origins or origins[name].is_relative_to(libraries / "python"), (handler, name)
        loaded.update(origins)
    assert {"pydantic", "pydantic_core", "aws_xray_sdk", "jwt", "cachetools"} <= set(loaded)
    assert (deps.boto3 / f"boto3-{RUNTIME_BOTO3}.dist-info").is_dir()
    assert not list((deps.powertools / "python").glob("boto*")), "the Powertools layer carries no boto3"


def test_every_function_is_sent_traffic(rehearsal):
    assert rehearsal.packaged.invoked == set(rehearsal.functions)
    assert rehearsal.source.invoked == set(rehearsal.functions)


def test_each_packaged_answer_equals_the_source_trees(rehearsal):
    source = traffic.comparable(rehearsal.source_transcript)
    packaged = traffic.comparable(rehearsal.packaged_transcript)
    assert len(packaged) == len(source) > 60
    for ours, theirs in zip(packaged, source, strict=True):
        assert ours == theirs
    assert all(status < 500 for _, status, _ in packaged), [a for a in packaged if a[1] >= 500]
    events = packaged[-1][2]
    assert len(events) >= 8 and {event["eventName"] for event in events} == {"badgeEarned"}


def test_packaged_and_source_functions_make_the_same_kinds_of_call(rehearsal):
    def kinds(calls: dict[str, list[dict]]) -> dict[str, set[str]]:
        return {handler: {f"{c['service']}:{c['operation']}" for c in made} for handler, made in calls.items()}

    assert kinds(rehearsal.packaged.calls) == kinds(rehearsal.source.calls)


def test_every_aws_call_is_allowed_by_its_functions_role(rehearsal):
    denied = {handler: [str(r) for r in rehearsal.requests(handler)
                        if not iam.allowed(rehearsal.functions[handler].statements, r)]
              for handler in rehearsal.functions}
    assert {h: d for h, d in denied.items() if d} == {}
    assert sum(len(rehearsal.requests(h)) for h in rehearsal.functions) > 500


def test_the_checker_denies_what_a_role_does_not_grant(rehearsal):
    """A negative control: each of these calls is one IAM would refuse the function's role."""
    functions = rehearsal.functions
    badges = functions["get_group"].environment[table_env_var("badges")]
    credentials = functions["authorizer"].environment[table_env_var("credentials")]

    def call(operation: str, params: dict, service: str = "dynamodb") -> list[iam.Request]:
        return iam.requests_of({"service": service, "operation": operation, "params": params,
                                "region": "us-east-1"})

    refused = {
        "get_group": call("DeleteItem", {"TableName": badges, "Key": {}}),  # an action it was not given
        "create_group": call("TransactWriteItems", {"TransactItems": [  # one item of a transaction beyond it
            {"Put": {"TableName": badges}}, {"Delete": {"TableName": badges}}]}),
        "earn": call("GetItem", {"TableName": credentials, "Key": {}}),  # another table
        "list_groups": call("Query", {"TableName": badges, "IndexName": "byName"}),  # an index, not the table
        "get_badge": call("GetSecretValue", {"SecretId": functions["authorizer"].environment[
            "BADGES_OAUTH_SECRET_ID"]}, service="secretsmanager"),  # a secret it does not read
    }
    for handler, requests in refused.items():
        statements = functions[handler].statements
        assert not all(iam.allowed(statements, r) for r in requests), handler
    # ... and the same checker allows what the role does grant
    assert all(iam.allowed(functions["create_group"].statements, r)
               for r in call("TransactWriteItems", {"TransactItems": [{"Put": {"TableName": badges}}] * 2}))


def unused_grants(rehearsal) -> dict[str, set[tuple[str, str]]]:
    unused = {}
    for handler, function in rehearsal.functions.items():
        requests = rehearsal.requests(handler)
        unused[handler] = {grant for grant in iam.grants(function.statements)
                           if grant[0] not in RUNTIME_ACTIONS and not iam.used(grant, requests)}
    return unused


def test_every_grant_is_used_or_listed_with_its_reason(rehearsal):
    unused = {(handler, action) for handler, grants in unused_grants(rehearsal).items() for action, _ in grants}
    assert unused == set(EXPECTED_UNUSED), json.dumps(sorted(unused))
