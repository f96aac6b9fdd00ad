"""cdk-nag acknowledgments, checkov skips and policy-lint acknowledgments: each names its finding and says why it
stands."""
from __future__ import annotations

from aws_cdk import Acknowledgment, CfnResource, Validations
from constructs import IConstruct

from infra.policy_lint import LINT_METADATA


def acknowledge(construct: IConstruct, finding: str, reason: str) -> None:
    """Acknowledge one AwsSolutions finding (e.g. "IAM5[Resource::*]") on this construct and its children."""
    Validations.of(construct).acknowledge(Acknowledgment(id=f"AwsSolutions::AwsSolutions-{finding}", reason=reason))


def checkov_skip(resource: CfnResource, check_id: str, reason: str) -> None:
    """Record a checkov check that does not apply to this resource in its template metadata, where checkov reads
    it: the scan then reports the check as skipped with this reason instead of failed."""
    metadata = resource.get_metadata("checkov") or {}
    skips = [*metadata.get("skip", []), {"id": check_id, "comment": reason}]
    resource.add_metadata("checkov", {**metadata, "skip": skips})


def lint_acknowledge(resource: CfnResource, tool: str, finding: str, reason: str) -> None:
    """Acknowledge one finding of a policy linter (parliament, cfn-lint or cfn-guard, by its rule id) on this
    resource, in its template metadata, where infra.policy_lint reads it."""
    metadata = resource.get_metadata(LINT_METADATA) or {}
    entries = [*metadata.get("acknowledge", []), {"tool": tool, "id": finding, "reason": reason}]
    resource.add_metadata(LINT_METADATA, {**metadata, "acknowledge": entries})
