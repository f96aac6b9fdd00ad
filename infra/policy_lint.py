"""The policy linters over a synthesized template: parliament over every IAM policy, cfn-lint with an action IAM
does not know (W3037) as an error, and cfn-guard with AWS Control Tower's proactive rules (shipped with
cdklabs-cdk-validator-cfnguard). Each finding is fixed, or acknowledged on its resource with a reason
(infra.nag.lint_acknowledge); `python -m infra.policy_lint TEMPLATE` prints the rest and fails on any."""
from __future__ import annotations

import importlib.util
import json
import platform
import re
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from infra.packaged import BUILD, resolve

# Where a resource's template metadata lists the findings it acknowledges (infra.nag.lint_acknowledge).
LINT_METADATA = "lint"
CFN_LINT_AS_ERRORS = ("W3037",)  # an action IAM does not know: a misspelt grant that would silently grant nothing
GUARD_PACKAGE = "cdklabs.cdk-validator-cfnguard"
GUARD_RULES = "rules/control-tower/cfn-guard"
_POLICY_PROPERTIES = {  # resource type -> where its policy documents are
    "AWS::IAM::Policy": ("PolicyDocument",),
    "AWS::IAM::ManagedPolicy": ("PolicyDocument",),
    "AWS::SQS::QueuePolicy": ("PolicyDocument",),
    "AWS::SNS::TopicPolicy": ("PolicyDocument",),
    "AWS::KMS::Key": ("KeyPolicy",),
    "AWS::SecretsManager::ResourcePolicy": ("ResourcePolicy",),
}


@dataclass(frozen=True)
class Finding:
    tool: str  # parliament, cfn-lint, cfn-guard
    rule: str  # the tool's id of the check
    resource: str  # the logical id it is about
    message: str

    def __str__(self) -> str:
        return f"{self.tool} {self.rule} on {self.resource}: {self.message}"


def policy_documents(template: dict) -> list[tuple[str, dict]]:
    """Every policy document of the template, with the logical id holding it, its intrinsics resolved."""
    resources, parameters = template["Resources"], template.get("Parameters", {})
    found = []
    for logical_id, resource in resources.items():
        props = resource.get("Properties", {})
        for name in _POLICY_PROPERTIES.get(resource["Type"], ()):
            found.append((logical_id, resolve(props[name], resources, parameters)))
        if resource["Type"] == "AWS::IAM::Role":
            found += [(logical_id, resolve(policy["PolicyDocument"], resources, parameters))
                      for policy in props.get("Policies", [])]
    return found


# A stream ARN's label is a timestamp with colons (table/T/stream/2026-01-01T00:00:00.000); parliament splits an
# ARN at every colon and then reads the documented stream ARN format as a mismatch, so the label's colons are
# masked before it reads a policy. Nothing else is changed.
_STREAM_LABEL = re.compile(r"(/stream/[0-9T:.-]+)")


def parliament_findings(template: dict) -> list[Finding]:
    from parliament import analyze_policy_string

    findings = []
    for logical_id, document in policy_documents(template):
        text = _STREAM_LABEL.sub(lambda m: m.group(1).replace(":", "."), json.dumps(document))
        policy = analyze_policy_string(text, ignore_private_auditors=True)
        findings += [Finding("parliament", f.issue, logical_id, json.dumps(f.detail, default=str))
                     for f in policy.findings]
    return findings


def cfn_lint_findings(template_path: Path) -> list[Finding]:
    """cfn-lint's errors, and the warnings this project reads as errors."""
    run = subprocess.run([str(Path(sys.executable).parent / "cfn-lint"), "--format", "json", str(template_path)],
                         capture_output=True, text=True)
    if run.returncode not in (0, 2, 4, 6, 8, 10, 12, 14):  # bit 1: a crash; 2, 4, 8: errors, warnings, infos
        raise RuntimeError(f"cfn-lint failed: {run.stderr}")
    findings = []
    for match in json.loads(run.stdout or "[]"):
        rule = match["Rule"]["Id"]
        if match["Level"] == "Error" or rule in CFN_LINT_AS_ERRORS:
            path = match["Location"]["Path"]
            resource = path[1] if len(path) > 1 and path[0] == "Resources" else "template"
            findings.append(Finding("cfn-lint", rule, resource, match["Message"]))
    return findings


def cfn_guard(build: Path = BUILD) -> tuple[Path, Path]:
    """The cfn-guard binary and the Control Tower rules, unpacked once from the installed package."""
    version = metadata.version(GUARD_PACKAGE)
    target = build / f"cfn-guard-{version}"
    system = {"Linux": "ubuntu", "Darwin": "macos"}[platform.system()]
    machine = {"x86_64": "x86_64", "AMD64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}[platform.machine()]
    binary, rules = target / "package" / "bin" / system / machine / "cfn-guard", target / "package" / GUARD_RULES
    if not binary.is_file():
        spec = importlib.util.find_spec("cdklabs.cdk_validator_cfnguard")  # found, not imported: no node started
        [tgz] = Path(spec.submodule_search_locations[0]).glob("_jsii/*.jsii.tgz")
        shutil.rmtree(target, ignore_errors=True)
        with tarfile.open(tgz) as archive:
            archive.extractall(target, filter="data")
        binary.chmod(0o755)
    return binary, rules


def reported_types(rule_file: Path) -> set[str]:
    """The resource types a Control Tower rule reports on, from its header ("# Reports on:" and the next line)."""
    lines = rule_file.read_text().splitlines()
    at = next((i for i, line in enumerate(lines) if line.strip() == "# Reports on:"), None)
    if at is None or at + 1 >= len(lines):
        raise ValueError(f"{rule_file} names no resource type it reports on")
    return {kind.strip() for kind in lines[at + 1].lstrip("#").split(",") if kind.strip()}


def cfn_guard_findings(template_path: Path) -> list[Finding]:
    """Every Control Tower rule about a resource type the template has (the rest could only skip): all 237 take a
    minute on this template, these a few seconds."""
    binary, rules = cfn_guard()
    types = {resource["Type"] for resource in json.loads(template_path.read_text())["Resources"].values()}
    chosen = [f for f in sorted(rules.rglob("*.guard")) if reported_types(f) & types]
    run = subprocess.run([str(binary), "validate", *(arg for f in chosen for arg in ("--rules", str(f))),
                          "--data", str(template_path), "--output-format", "json", "--show-summary", "none"],
                         capture_output=True, text=True)
    if run.returncode not in (0, 19):  # 19: some rule failed
        raise RuntimeError(f"cfn-guard failed ({run.returncode}): {run.stderr}")
    findings, decoder, at, text = [], json.JSONDecoder(), 0, run.stdout
    while (at := _skip_space(text, at)) < len(text):
        report, at = decoder.raw_decode(text, at)
        for failed in report.get("not_compliant", []):
            rule = failed["Rule"]["name"]
            details = json.dumps(failed)
            message = next(iter(re.findall(r"\[(CT\.[A-Z0-9.]+)\]: ([^\\\\]+)", details)), ("", ""))
            for resource in sorted(set(re.findall(r"/Resources/([A-Za-z0-9]+)", details))):
                findings.append(Finding("cfn-guard", rule, resource, " ".join(message).strip()))
    return findings


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at].isspace():
        at += 1
    return at


def acknowledged(template: dict, finding: Finding) -> str | None:
    """The reason a finding stands, if its resource acknowledges it."""
    resource = template["Resources"].get(finding.resource, {})
    for entry in resource.get("Metadata", {}).get(LINT_METADATA, {}).get("acknowledge", []):
        if (entry["tool"], entry["id"]) == (finding.tool, finding.rule):
            return entry["reason"]
    return None


def lint(template_path: Path) -> list[Finding]:
    """Every finding of the three linters on this template."""
    template = json.loads(template_path.read_text())
    return [*parliament_findings(template), *cfn_lint_findings(template_path), *cfn_guard_findings(template_path)]


def main(argv: list[str]) -> int:
    template_path = Path(argv[0] if argv else "cdk.out/BadgesStack.template.json")
    template = json.loads(template_path.read_text())
    findings = lint(template_path)
    standing = [f for f in findings if acknowledged(template, f) is None]
    print(f"policy lint: {len(findings)} findings, {len(findings) - len(standing)} acknowledged in the template "
          f"with their reasons, {len(standing)} open")
    for finding in standing:
        print(f"  {finding}")
    return 1 if standing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
