"""The Lambda side: the domain layer, the Powertools layer, and one least-privilege function per handler."""
from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

import jsii
from aws_cdk import BundlingOptions, DockerImage, Duration, ILocalBundling, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from badges.config import table_env_var
from badges.routes import AUTHORIZER_HANDLER, AUTHORIZER_TABLE_ACTIONS, FALLBACK_HANDLER, ROUTES, function_id
from infra.nag import acknowledge
from infra.settings import StackSettings

FUNCTIONS_DIR = Path(__file__).resolve().parent.parent / "functions"
RUNTIME = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE = lambda_.Architecture.ARM_64
TIMEOUT = Duration.seconds(10)
LOG_RETENTION = logs.RetentionDays.ONE_MONTH
POWERTOOLS_ENVIRONMENT = {
    "POWERTOOLS_SERVICE_NAME": "badges",
    "POWERTOOLS_METRICS_NAMESPACE": "Badges",
    "POWERTOOLS_LOG_LEVEL": "INFO",
}
_SKIP = ("__pycache__", "*.pyc")


def powertools_parameter_name(version: str) -> str:
    """The public SSM parameter holding the ARN of the AWS-published Powertools v3 layer for this runtime."""
    return f"/aws/service/powertools/python/{ARCHITECTURE.name}/{RUNTIME.name}/{version}"


@jsii.implements(ILocalBundling)
class _LayerCopy:
    """Bundles a package as a Python layer (python/<package>/...) by copying it: no Docker, no network."""

    def __init__(self, package_dir: Path) -> None:
        self._package_dir = package_dir

    def try_bundle(self, output_dir: str, options: BundlingOptions) -> bool:  # jsii passes the options positionally
        target = Path(output_dir) / "python" / self._package_dir.name
        shutil.copytree(self._package_dir, target, ignore=shutil.ignore_patterns(*_SKIP))
        return True


def domain_layer_code(functions_dir: Path) -> lambda_.Code:
    package_dir = functions_dir / "badges"
    return lambda_.Code.from_asset(
        str(package_dir),
        exclude=[f"**/{pattern}" for pattern in _SKIP],
        bundling=BundlingOptions(
            image=DockerImage.from_registry("dummy"),  # never pulled: the local bundler always succeeds
            local=_LayerCopy(package_dir),
        ),
    )


def handler_code(functions_dir: Path, handler: str) -> lambda_.Code:
    """Only functions/handlers/<handler>.py, at the root of the bundle; everything else comes from the layers."""
    source = functions_dir / "handlers" / f"{handler}.py"
    if not source.is_file():
        raise FileNotFoundError(f"{source} is missing: the route table names the handler {handler!r}")
    return lambda_.Code.from_asset(str(source.parent), exclude=["*", f"!{source.name}"])


class HandlerFunction(Construct):
    """One handler's Lambda with its own role (exactly its table actions), its own log group, and X-Ray."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handler: str,
        table_actions: Mapping[str, tuple[str, ...]],
        tables: Mapping[str, dynamodb.ITable],
        layers: list[lambda_.ILayerVersion],
        code: lambda_.Code,
        memory_size: int,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        unknown = set(table_actions) - set(tables)
        if unknown:
            raise KeyError(f"handler {handler!r} names tables that TABLES does not define: {sorted(unknown)}")

        self.log_group = logs.LogGroup(self, "Logs", retention=LOG_RETENTION, removal_policy=removal_policy)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"The {handler} Lambda: its own tables' declared actions, log group and X-Ray",
        )
        for logical_name, actions in table_actions.items():
            self.role.add_to_principal_policy(
                iam.PolicyStatement(actions=sorted(set(actions)), resources=[tables[logical_name].table_arn])
            )
        self.log_group.grant_write(self.role)

        environment = {table_env_var(name): tables[name].table_name for name in table_actions}
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=f"{handler}.lambda_handler",
            code=code,
            layers=layers,
            role=self.role,
            memory_size=memory_size,
            timeout=TIMEOUT,
            tracing=lambda_.Tracing.ACTIVE,  # adds the X-Ray statement to this role's policy
            log_group=self.log_group,
            environment={**environment, **POWERTOOLS_ENVIRONMENT},
            description=f"Badges {handler}",
        )
        acknowledge(
            self.function,
            "L1",
            f"Pinned to {RUNTIME.name} on purpose: the Powertools layer is resolved for this exact runtime; "
            "moving to a newer runtime is a deliberate change of RUNTIME, tested first.",
        )
        acknowledge(
            self.role,
            "IAM5[Resource::*]",
            "xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions; "
            "every other statement of this role names its own tables and log group.",
        )


class BadgesFunctions(Construct):
    """The shared layers and one function per route, plus the fallback and the authorizer."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        tables: Mapping[str, dynamodb.ITable],
        settings: StackSettings,
        functions_dir: Path = FUNCTIONS_DIR,
    ) -> None:
        super().__init__(scope, construct_id)
        self.domain_layer = lambda_.LayerVersion(
            self,
            "DomainLayer",
            code=domain_layer_code(functions_dir),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="The badges domain package, shared by every handler",
        )
        # Resolved by CloudFormation at deploy time, so synth stays offline and the version stays pinned.
        self.powertools_layer = lambda_.LayerVersion.from_layer_version_arn(
            self,
            "PowertoolsLayer",
            ssm.StringParameter.value_for_string_parameter(
                self, powertools_parameter_name(settings.powertools_version)
            ),
        )
        removal_policy = RemovalPolicy.RETAIN if settings.is_prod else RemovalPolicy.DESTROY

        def build(handler: str, table_actions: Mapping[str, tuple[str, ...]], memory_size: int) -> HandlerFunction:
            return HandlerFunction(
                self,
                function_id(handler),
                handler=handler,
                table_actions=table_actions,
                tables=tables,
                layers=[self.domain_layer, self.powertools_layer],
                code=handler_code(functions_dir, handler),
                memory_size=memory_size,
                removal_policy=removal_policy,
            )

        handlers = [route.handler for route in ROUTES]
        repeated = {handler for handler in handlers if handlers.count(handler) > 1}
        if repeated:
            raise ValueError(f"one Lambda per route: handlers serve several routes: {sorted(repeated)}")

        # Keyed by handler name (Route holds a dict, so it is not hashable).
        self.routes: dict[str, HandlerFunction] = {
            route.handler: build(route.handler, route.table_actions, settings.lambda_memory_size)
            for route in ROUTES
        }
        self.fallback = build(FALLBACK_HANDLER, {}, settings.lambda_memory_size)
        self.authorizer = build(AUTHORIZER_HANDLER, AUTHORIZER_TABLE_ACTIONS, settings.authorizer_memory_size)
