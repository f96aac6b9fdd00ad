"""The policy linters `make scan` runs (infra.policy_lint): the template passes them, every finding acknowledged on
its resource with a reason, no acknowledgment left over; and each linter still catches what it is there for."""
import json

import pytest

from infra.policy_lint import Finding, acknowledged, lint

pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
def findings(synthesized) -> list[Finding]:
    return lint(synthesized.outdir / "BadgesStack.template.json")


def test_every_finding_is_acknowledged_with_its_reason(synthesized, findings):
    assert [str(f) for f in findings if acknowledged(synthesized.raw, f) is None] == []
    assert all(len(acknowledged(synthesized.raw, f)) > 40 for f in findings)
    # the deliberate ones, as the README's "What the checks accept" lists them
    assert {(f.tool, f.rule) for f in findings} == {
        ("cfn-guard", "cloudwatch_log_group_retention_period_check"),
        ("cfn-guard", "cloudwatch_log_group_encrypted_check"),
        ("cfn-guard", "lambda_inside_vpc_check"),
        ("cfn-guard", "lambda_function_public_access_prohibited_check"),
        ("cfn-guard", "sqs_dlq_check"),
        ("parliament", "RESOURCE_STAR"),
    }


def test_no_acknowledgment_outlives_its_finding(synthesized, findings):
    reported = {(f.resource, f.tool, f.rule) for f in findings}
    listed = {(logical_id, entry["tool"], entry["id"]) for logical_id, resource in synthesized.resources.items()
              for entry in resource.get("Metadata", {}).get("lint", {}).get("acknowledge", [])}
    assert listed - reported == set()


def test_each_linter_catches_what_it_is_there_for(tmp_path):
    """A template of three mistakes, none acknowledged: a misspelt action, ListStreams on a stream's ARN, and a
    log group kept a week."""
    stream = "arn:aws:dynamodb:us-east-1:123456789012:table/T/stream/2026-01-01T00:00:00.000"
    template = {"Resources": {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17",
                 "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                "Principal": {"Service": "lambda.amazonaws.com"}}]}}},
        "Policy": {"Type": "AWS::IAM::Policy", "Properties": {
            "PolicyName": "p", "Roles": [{"Ref": "Role"}], "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "dynamodb:GetItems",
                 "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/T"},
                {"Effect": "Allow", "Action": "dynamodb:ListStreams", "Resource": stream}]}}},
        "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 7}},
    }}
    path = tmp_path / "template.json"
    path.write_text(json.dumps(template))

    found = {(f.tool, f.rule, f.resource) for f in lint(path)}

    assert ("cfn-lint", "W3037", "Policy") in found  # the unknown action, as an error
    assert ("parliament", "UNKNOWN_ACTION", "Policy") in found
    assert ("parliament", "RESOURCE_MISMATCH", "Policy") in found  # ListStreams takes "*" only
    assert ("cfn-guard", "cloudwatch_log_group_retention_period_check", "Logs") in found
    assert not any(acknowledged(template, f) for f in lint(path))
