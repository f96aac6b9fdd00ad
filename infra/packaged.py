"""The functions as a deploy runs them, rebuilt offline: each one's asset and layers from `cdk synth`'s output, a
stand-in for the public Powertools layer built as AWS builds it, the python3.13 runtime's boto3, and its role's
policy from the template."""
from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STACK_ID = "BadgesStack"  # infra.stack's (importing it would start the CDK's node process)
BUILD = ROOT / "build" / "packaging"
RUNTIME_VERSION = "3.13"
RUNNER = Path(__file__).resolve().parent / "lambda_runner.py"
# The lowest boto3 the project supports (pyproject: boto3>=1.35): what an older runtime image may still carry.
RUNTIME_BOTO3 = "1.35.0"
# What AWS's layer build (powertools-lambda-python, layer_v3/docker/Dockerfile) installs, then deletes: the
# runtime provides boto3 and its dependencies.
POWERTOOLS_EXTRAS = "all"
POWERTOOLS_REMOVED = ("boto*", "s3transfer*", "*dateutil*", "urllib3*", "six*", "jmespath*")
# Stand-ins for what CloudFormation resolves at deploy time.
ACCOUNT, REGION, PARTITION = "123456789012", "us-east-1", "aws"
# The pseudo parameters as Ref and Fn::Sub read them in that fake account.
PSEUDO = {"AWS::AccountId": ACCOUNT, "AWS::Region": REGION, "AWS::Partition": PARTITION,
          "AWS::StackName": STACK_ID, "AWS::URLSuffix": "amazonaws.com"}
_POWERTOOLS_PARAMETER = re.compile(r"^/aws/service/powertools/python/[^/]+/python[\d.]+/(?P<version>[\d.]+)$")


def python313() -> str:
    """A Python 3.13 interpreter: $PYTHON313, python3.13 on PATH (when it runs: a pyenv shim may not), or pyenv's."""
    candidates = [os.environ.get("PYTHON313"), shutil.which("python3.13")]
    pyenv_root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    candidates += sorted(glob.glob(f"{pyenv_root}/versions/{RUNTIME_VERSION}*/bin/python{RUNTIME_VERSION}"),
                         reverse=True)
    for candidate in filter(None, candidates):
        run = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"],
                             capture_output=True, text=True)
        if run.returncode == 0 and run.stdout.strip() == "(3, 13)":
            return candidate
    raise RuntimeError("no Python 3.13 found: `make test` installs one with pyenv, or set PYTHON313 to one")


def synthesize(outdir: Path) -> Path:
    """`cdk synth`'s output, as `python app.py` writes it (no AWS, no Docker), into outdir."""
    shutil.rmtree(outdir, ignore_errors=True)
    env = {**os.environ, "CDK_OUTDIR": str(outdir), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
           "PYTHONPATH": f"{ROOT / 'functions'}:{ROOT}"}
    subprocess.run([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env, check=True, capture_output=True)
    return outdir


def resolve(value, resources: dict, parameters: dict | None = None):
    """A template value with its intrinsics resolved as CloudFormation would in a fake account: Ref, Fn::GetAtt
    (Arn, StreamArn), Fn::Join, Fn::Sub of pseudo parameters."""
    if isinstance(value, list):
        return [resolve(item, resources, parameters) for item in value]
    if not isinstance(value, dict):
        return value
    if "Ref" in value:
        return _ref(value["Ref"], resources, parameters or {})
    if "Fn::GetAtt" in value:
        logical_id, attribute = value["Fn::GetAtt"]
        return _get_att(logical_id, attribute, resources)
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(str(resolve(part, resources, parameters)) for part in parts)
    if "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
        return re.sub(r"\$\{([^}]+)\}", lambda m: PSEUDO[m.group(1)], value["Fn::Sub"])
    return {key: resolve(item, resources, parameters) for key, item in value.items()}


def physical_name(logical_id: str) -> str:
    """The name CloudFormation would give a resource with no name of its own (stack-logicalid-suffix)."""
    return f"{STACK_ID}-{logical_id}-FAKE"


def _ref(name: str, resources: dict, parameters: dict) -> str:
    if name in PSEUDO:
        return PSEUDO[name]
    if name in parameters:
        return f"resolved:{parameters[name].get('Default', name)}"
    kind = resources[name]["Type"]
    if kind == "AWS::SecretsManager::Secret":  # Ref is the ARN; a partial ARN (no random suffix) names it too
        return f"arn:{PARTITION}:secretsmanager:{REGION}:{ACCOUNT}:secret:{physical_name(name)}"
    if kind == "AWS::SNS::Topic":  # Ref is the ARN
        return f"arn:{PARTITION}:sns:{REGION}:{ACCOUNT}:{physical_name(name)}"
    if kind == "AWS::SQS::Queue":  # Ref is the URL
        return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{physical_name(name)}"
    return physical_name(name)


def _get_att(logical_id: str, attribute: str, resources: dict) -> str:
    kind = resources[logical_id]["Type"]
    name = physical_name(logical_id)
    arns = {
        ("AWS::DynamoDB::Table", "Arn"): f"arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT}:table/{name}",
        ("AWS::DynamoDB::Table", "StreamArn"):
            f"arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT}:table/{name}/stream/2026-01-01T00:00:00.000",
        ("AWS::Logs::LogGroup", "Arn"): f"arn:{PARTITION}:logs:{REGION}:{ACCOUNT}:log-group:{name}:*",
        ("AWS::Lambda::Function", "Arn"): f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT}:function:{name}",
        ("AWS::IAM::Role", "Arn"): f"arn:{PARTITION}:iam::{ACCOUNT}:role/{name}",
        ("AWS::Events::EventBus", "Arn"): f"arn:{PARTITION}:events:{REGION}:{ACCOUNT}:event-bus/{name}",
        ("AWS::SQS::Queue", "Arn"): f"arn:{PARTITION}:sqs:{REGION}:{ACCOUNT}:{name}",
    }
    return arns.get((kind, attribute), f"{name}.{attribute}")


@dataclass(frozen=True)
class PackagedFunction:
    """One function as deployed: its handler, its code's directories in Lambda's path order, its environment and
    its role's policy statements, every intrinsic resolved."""

    logical_id: str
    handler: str  # the module: generate_token for generate_token.lambda_handler
    asset: Path
    layers: tuple[Path, ...]  # the project's layers, in the function's order (each holds python/)
    environment: dict[str, str]
    statements: tuple[dict, ...]  # Allow statements of its role's policies, Action and Resource as lists
    runtime: str

    def sys_path(self, dependencies: Dependencies) -> list[str]:
        """Lambda's order: the function's code, then the layers' python/lib/python3.13/site-packages, then their
        python/, then the runtime's own (boto3). The layers are merged into /opt in their order, so the
        Powertools layer's python/ comes after the project's layers' python/."""
        site = f"python/lib/python{RUNTIME_VERSION}/site-packages"
        layers = [*self.layers, dependencies.powertools]
        return [str(self.asset), *(str(layer / site) for layer in layers if (layer / site).is_dir()),
                *(str(layer / "python") for layer in layers if (layer / "python").is_dir()),
                str(dependencies.boto3)]


@dataclass(frozen=True)
class Dependencies:
    """What AWS provides beyond the stack's own assets: the Powertools layer's stand-in (a directory holding
    python/) and the runtime's boto3 (a directory on the path)."""

    powertools: Path
    boto3: Path
    python: str


class Synthesized:
    """A synthesized stack's template and asset manifest, read as CloudFormation and Lambda would use them."""

    def __init__(self, outdir: Path) -> None:
        self.outdir = outdir
        self.template = json.loads((outdir / f"{STACK_ID}.template.json").read_text())
        self.assets = json.loads((outdir / f"{STACK_ID}.assets.json").read_text())["files"]
        self.resources: dict = self.template["Resources"]
        self.parameters: dict = self.template.get("Parameters", {})

    def resolve(self, value):
        return resolve(value, self.resources, self.parameters)

    def asset_dir(self, code: dict) -> Path:
        """The staged directory of a Code or Content property (S3Key <hash>.zip)."""
        digest = code["S3Key"].removesuffix(".zip")
        source = self.assets[digest]["source"]
        if source.get("packaging") != "zip":
            raise ValueError(f"asset {digest} is not a zipped directory: {source}")
        return self.outdir / source["path"]

    @cached_property
    def powertools_version(self) -> str:
        versions = {match.group("version") for parameter in self.parameters.values()
                    if (match := _POWERTOOLS_PARAMETER.match(str(parameter.get("Default", ""))))}
        if len(versions) != 1:
            raise ValueError(f"expected one Powertools layer parameter, found versions {sorted(versions)}")
        return versions.pop()

    def role_statements(self, role_logical_id: str) -> tuple[dict, ...]:
        """Every Allow statement attached to a role: its inline policies and the AWS::IAM::Policy resources
        naming it, resolved, with Action and Resource as lists."""
        documents = [policy["PolicyDocument"]
                     for policy in self.resources[role_logical_id]["Properties"].get("Policies", [])]
        documents += [resource["Properties"]["PolicyDocument"] for resource in self.resources.values()
                      if resource["Type"] == "AWS::IAM::Policy"
                      and {"Ref": role_logical_id} in resource["Properties"].get("Roles", [])]
        if self.resources[role_logical_id]["Properties"].get("ManagedPolicyArns"):
            raise ValueError(f"{role_logical_id} has managed policies, which this reading cannot see")
        statements = []
        for document in documents:
            for statement in document["Statement"]:
                if statement.get("Effect") != "Allow" or "NotAction" in statement or "NotResource" in statement:
                    raise ValueError(f"{role_logical_id}: only plain Allow statements are read: {statement}")
                resolved = self.resolve(statement)
                statements.append({
                    "Action": _as_list(resolved["Action"]), "Resource": _as_list(resolved["Resource"]),
                    **({"Condition": resolved["Condition"]} if "Condition" in resolved else {}),
                })
        return tuple(statements)

    def functions(self) -> dict[str, PackagedFunction]:
        """Every Lambda function of the stack, keyed by its handler module."""
        found = {}
        for logical_id, resource in self.resources.items():
            if resource["Type"] != "AWS::Lambda::Function":
                continue
            props = resource["Properties"]
            if "ZipFile" in props["Code"]:
                raise ValueError(f"{logical_id} has inline code, which this packaging test does not run")
            layers = []
            for layer in props.get("Layers", []):
                if isinstance(layer, dict) and layer.get("Ref") in self.parameters:
                    continue  # the public Powertools layer: a stand-in takes its place
                layers.append(self.asset_dir(self.resources[layer["Ref"]]["Properties"]["Content"]))
            module = props["Handler"].rsplit(".", 1)[0]
            role = props["Role"]["Fn::GetAtt"][0]
            found[module] = PackagedFunction(
                logical_id=logical_id,
                handler=module,
                asset=self.asset_dir(props["Code"]),
                layers=tuple(layers),
                environment={k: str(v) for k, v in
                             self.resolve(props.get("Environment", {}).get("Variables", {})).items()},
                statements=self.role_statements(role),
                runtime=props["Runtime"],
            )
        return found


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _pip_install(python: str, target: Path, *requirements: str) -> None:
    """Install into target, once: a finished install leaves a stamp; a half-finished one is started over."""
    stamp = target / ".installed"
    if stamp.is_file():
        return
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
                    "--target", str(target), *requirements], check=True, capture_output=True)
    stamp.write_text(" ".join(requirements) + "\n")


def dependencies(powertools_version: str, build: Path = BUILD) -> Dependencies:
    """The Powertools layer and the runtime's boto3, installed under build/ by this Python 3.13's pip, once per
    version."""
    python = python313()
    powertools = build / f"powertools-{powertools_version}-py{RUNTIME_VERSION}"
    stamp = powertools / ".installed"
    if not stamp.is_file():
        _pip_install(python, powertools / "python", f"aws-lambda-powertools[{POWERTOOLS_EXTRAS}]=={powertools_version}")
        for pattern in POWERTOOLS_REMOVED:
            for path in (powertools / "python").glob(pattern):
                shutil.rmtree(path) if path.is_dir() else path.unlink()
        stamp.write_text("removed: " + " ".join(POWERTOOLS_REMOVED) + "\n")
    boto3 = build / f"boto3-{RUNTIME_BOTO3}-py{RUNTIME_VERSION}"
    _pip_install(python, boto3, f"boto3=={RUNTIME_BOTO3}")
    return Dependencies(powertools=powertools, boto3=boto3, python=python)
