"""The Lambda side: the domain, libraries and Powertools layers, and one least-privilege function per handler."""
from __future__ import annotations

import hashlib
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path

import jsii
from aws_cdk import (
    AssetHashType,
    BundlingOptions,
    CfnResource,
    DockerImage,
    Duration,
    ILocalBundling,
    RemovalPolicy,
)
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from badges.config import AUTH_CACHE_TTL_ENV, OAUTH_SECRET_ENV, PAGE_TOKEN_SECRET_ENV, table_env_var
from badges.events import ENRICHMENT_TABLE_ACTIONS, EVENTS
from badges.routes import (
    AUTHORIZER_HANDLER,
    AUTHORIZER_READS_OAUTH_KEY,
    AUTHORIZER_TABLE_ACTIONS,
    FALLBACK_HANDLER,
    ROUTES,
    function_id,
)
from infra.nag import acknowledge, checkov_skip, lint_acknowledge
from infra.settings import StackSettings

FUNCTIONS_DIR = Path(__file__).resolve().parent.parent / "functions"
RUNTIME = lambda_.Runtime.PYTHON_3_13
ARCHITECTURES = {"arm64": lambda_.Architecture.ARM_64, "x86_64": lambda_.Architecture.X86_64}
TIMEOUT = Duration.seconds(10)
# What badges.config reads: the OAuth signing keys' secret, and how long the authorizer keeps a verified caller.
POWERTOOLS_ENVIRONMENT = {
    "POWERTOOLS_SERVICE_NAME": "badges",
    "POWERTOOLS_METRICS_NAMESPACE": "Badges",
    "POWERTOOLS_LOG_LEVEL": "INFO",
}
_SKIP = ("__pycache__", "*.pyc")
# What the functions import beyond the runtime (boto3) and the Powertools layer (Powertools, pydantic, the X-Ray
# SDK): pure-Python distributions, so the copies `make install` put in this environment serve either architecture.
LIBRARIES = ("PyJWT", "cachetools")


def powertools_parameter_name(version: str, architecture: lambda_.Architecture) -> str:
    """The public SSM parameter holding the ARN of the AWS-published Powertools v3 layer for this runtime
    and architecture."""
    return f"/aws/service/powertools/python/{architecture.name}/{RUNTIME.name}/{version}"


def log_retention(days: int) -> logs.RetentionDays:
    """The RetentionDays member for a number of days CloudWatch Logs accepts (settings checked the number)."""
    return _RETENTION[days]


_RETENTION = {
    1: logs.RetentionDays.ONE_DAY, 3: logs.RetentionDays.THREE_DAYS, 5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK, 14: logs.RetentionDays.TWO_WEEKS, 30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS, 90: logs.RetentionDays.THREE_MONTHS, 120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS, 180: logs.RetentionDays.SIX_MONTHS, 365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS, 545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS, 1096: logs.RetentionDays.THREE_YEARS, 1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS, 2557: logs.RetentionDays.SEVEN_YEARS, 2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS, 3653: logs.RetentionDays.TEN_YEARS,
}


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


def _pure_python(name: str) -> metadata.Distribution:
    distribution = metadata.distribution(name)
    wheel = distribution.read_text("WHEEL") or ""
    if "Root-Is-Purelib: true" not in wheel:
        raise ValueError(f"{name} is not pure Python: copying this machine's build would not run in Lambda")
    return distribution


@jsii.implements(ILocalBundling)
class _DistributionsCopy:
    """Bundles installed pure-Python distributions as a layer by copying their files: no Docker, no network. They
    go to python/lib/<runtime>/site-packages/, which Lambda puts ahead of the Powertools layer's python/."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self._names = names

    def try_bundle(self, output_dir: str, options: BundlingOptions) -> bool:  # jsii passes the options positionally
        target = Path(output_dir) / "python" / "lib" / RUNTIME.name / "site-packages"
        for distribution in map(_pure_python, self._names):
            for file in distribution.files or []:
                # Skip what lies outside site-packages (console scripts) and compiled bytecode.
                if file.parts[0] == ".." or "__pycache__" in file.parts or file.suffix == ".pyc":
                    continue
                destination = target / file
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(Path(str(distribution.locate_file(file))), destination)
        return True


def libraries_layer_code(names: tuple[str, ...] = LIBRARIES) -> lambda_.Code:
    """The libraries as installed here, hashed by name and version: a new version makes a new layer version."""
    pinned = [f"{name}=={_pure_python(name).version}" for name in names]
    return lambda_.Code.from_asset(
        str(Path(str(metadata.distribution(names[0]).locate_file("")))),  # never read: the bundler copies
        asset_hash_type=AssetHashType.CUSTOM,
        asset_hash=hashlib.sha256(" ".join(pinned).encode()).hexdigest(),
        bundling=BundlingOptions(
            image=DockerImage.from_registry("dummy"),  # never pulled: the local bundler always succeeds
            local=_DistributionsCopy(names),
        ),
    )


def handler_code(functions_dir: Path, handler: str) -> lambda_.Code:
    """Only functions/handlers/<handler>.py, at the root of the bundle; everything else comes from the layers."""
    source = functions_dir / "handlers" / f"{handler}.py"
    if not source.is_file():
        raise FileNotFoundError(f"{source} is missing: the route table names the handler {handler!r}")
    return lambda_.Code.from_asset(str(source.parent), exclude=["*", f"!{source.name}"])


@dataclass(frozen=True)
class FunctionSpec:
    """What one handler's Lambda is given: its tables' actions, memory, reserved concurrency, the OAuth key
    secret or not, the page token key's secret or not, and any environment beyond the table names."""

    handler: str
    table_actions: Mapping[str, tuple[str, ...]]
    memory_size: int
    reads_oauth_key: bool = False
    reads_page_token_key: bool = False
    reserved_concurrency: int | None = None
    environment: Mapping[str, str] = field(default_factory=dict)
    transactions: bool = False  # calls TransactWriteItems on its tables (for the monitoring, not IAM)


class HandlerFunction(Construct):
    """One handler's Lambda with its own role (exactly its table actions, and the OAuth key or page token key
    secret if it reads them), its own log group, and X-Ray."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: FunctionSpec,
        tables: Mapping[str, dynamodb.ITable],
        oauth_secret: secretsmanager.ISecret,
        page_token_secret: secretsmanager.ISecret,
        layers: list[lambda_.ILayerVersion],
        code: lambda_.Code,
        architecture: lambda_.Architecture,
        retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        handler = spec.handler
        unknown = set(spec.table_actions) - set(tables)
        if unknown:
            raise KeyError(f"handler {handler!r} names tables that TABLES does not define: {sorted(unknown)}")

        self.spec = spec
        self.log_group = logs.LogGroup(self, "Logs", retention=retention, removal_policy=removal_policy)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"The {handler} Lambda: its own tables' declared actions, log group and X-Ray",
        )
        for logical_name, actions in spec.table_actions.items():
            self.role.add_to_principal_policy(
                iam.PolicyStatement(actions=sorted(set(actions)), resources=[tables[logical_name].table_arn])
            )
        environment = {table_env_var(name): tables[name].table_name for name in spec.table_actions}
        if spec.reads_oauth_key:
            # Reading the keys only: rotating them is the admin CLI's job, under the operator's own credentials.
            self.role.add_to_principal_policy(
                iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=[oauth_secret.secret_arn])
            )
            environment[OAUTH_SECRET_ENV] = oauth_secret.secret_arn
        if spec.reads_page_token_key:
            self.role.add_to_principal_policy(
                iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"],
                                    resources=[page_token_secret.secret_arn])
            )
            environment[PAGE_TOKEN_SECRET_ENV] = page_token_secret.secret_arn
        self.log_group.grant_write(self.role)

        self.function = lambda_.Function(
            self,
            "Function",
            runtime=RUNTIME,
            architecture=architecture,
            handler=f"{handler}.lambda_handler",
            code=code,
            layers=layers,
            role=self.role,
            memory_size=spec.memory_size,
            timeout=TIMEOUT,
            reserved_concurrent_executions=spec.reserved_concurrency,
            tracing=lambda_.Tracing.ACTIVE,  # adds the X-Ray statement to this role's policy
            log_group=self.log_group,
            environment={**environment, **spec.environment, **POWERTOOLS_ENVIRONMENT},
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
        skip_function_checks(self.function.node.default_child, reserved=spec.reserved_concurrency is not None)
        skip_log_group_checks(self.log_group.node.default_child)


def skip_function_checks(function: CfnResource, *, reserved: bool) -> None:
    """The checkov checks a route function does not meet, and why each does not apply."""
    checkov_skip(function, "CKV_AWS_116", "Invoked synchronously only (by API Gateway, or by an event pipe as its "
                 "enrichment, whose failed batches go to the pipe's dead-letter queue); a Lambda dead-letter queue "
                 "catches failed asynchronous invocations, which this function never has.")
    no_vpc = ("Reaches only DynamoDB, Secrets Manager, X-Ray and CloudWatch, over AWS endpoints with IAM "
              "authentication; a VPC would add NAT or endpoint cost and cold-start time and guard nothing here.")
    checkov_skip(function, "CKV_AWS_117", no_vpc)
    lint_acknowledge(function, "cfn-guard", "lambda_inside_vpc_check", no_vpc)
    checkov_skip(function, "CKV_AWS_173", "The environment holds table names, a secret's ARN and settings, "
                 "nothing secret; Lambda encrypts it at rest under an AWS owned key.")
    if not reserved:
        checkov_skip(function, "CKV_AWS_115", "Reserved concurrency is opted into per function with the context "
                     "value reservedConcurrency; reserving for every function would carve the account's pool into "
                     "fixed slices. Stage throttling caps the API as a whole.")


def skip_log_group_checks(log_group: CfnResource) -> None:
    """The checks a log group of the stack does not meet, for checkov and cfn-guard, and why each does not apply."""
    no_key = ("CloudWatch Logs encrypts every log group at rest; these hold request metadata, never bodies or "
              "credentials (API data tracing is off, the functions do not log events), so a customer managed key "
              "would add a key policy to keep right and protect nothing more.")
    checkov_skip(log_group, "CKV_AWS_158", no_key)
    lint_acknowledge(log_group, "cfn-guard", "cloudwatch_log_group_encrypted_check", no_key)
    lint_acknowledge(log_group, "cfn-guard", "cloudwatch_log_group_retention_period_check",
                     "Kept logRetentionDays (30 by default) on purpose: request metadata read while debugging and by "
                     "the alarms' investigations, not an audit trail (CloudTrail is the account's); a deploy that "
                     "must keep a year sets -c logRetentionDays=365, and the finding goes away.")


def function_specs(settings: StackSettings) -> list[FunctionSpec]:
    """Every function the stack makes: one per route, then the fallback, the authorizer and the event pipes'
    enrichments."""
    handlers = [route.handler for route in ROUTES]
    repeated = {handler for handler in handlers if handlers.count(handler) > 1}
    if repeated:
        raise ValueError(f"one Lambda per route: handlers serve several routes: {sorted(repeated)}")
    specs = [
        FunctionSpec(route.handler, route.table_actions, settings.lambda_memory_size,
                     reads_oauth_key=route.reads_oauth_key, reads_page_token_key=route.reads_page_token_key,
                     transactions=route.transactions)
        for route in ROUTES
    ]
    specs.append(FunctionSpec(FALLBACK_HANDLER, {}, settings.lambda_memory_size))
    specs.append(FunctionSpec(
        AUTHORIZER_HANDLER, AUTHORIZER_TABLE_ACTIONS, settings.authorizer_memory_size,
        reads_oauth_key=AUTHORIZER_READS_OAUTH_KEY,
        # API Gateway's own result cache is off (callers send one of two headers); the authorizer caches instead.
        environment={AUTH_CACHE_TTL_ENV: str(settings.authorizer_cache_ttl_seconds)},
    ))
    specs += [FunctionSpec(handler, ENRICHMENT_TABLE_ACTIONS, settings.lambda_memory_size)
              for handler in enrichment_handlers()]
    unknown = set(settings.reserved_concurrency) - {spec.handler for spec in specs}
    if unknown:
        raise KeyError(f"reservedConcurrency names handlers the stack does not have: {sorted(unknown)}")
    return [replace(spec, reserved_concurrency=settings.reserved_concurrency.get(spec.handler)) for spec in specs]


def enrichment_handlers() -> list[str]:
    """The handlers of the event pipes' enrichment Lambdas, in EVENTS order."""
    return list(dict.fromkeys(spec.enrichment for spec in EVENTS if spec.enrichment))


class BadgesFunctions(Construct):
    """The shared layers (domain, libraries, Powertools) and one function per route, plus the fallback, the
    authorizer and the event pipes' enrichments."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        tables: Mapping[str, dynamodb.ITable],
        oauth_secret: secretsmanager.ISecret,
        page_token_secret: secretsmanager.ISecret,
        settings: StackSettings,
        functions_dir: Path = FUNCTIONS_DIR,
    ) -> None:
        super().__init__(scope, construct_id)
        architecture = ARCHITECTURES[settings.lambda_architecture]
        self.domain_layer = lambda_.LayerVersion(
            self,
            "DomainLayer",
            code=domain_layer_code(functions_dir),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[architecture],
            description="The badges domain package, shared by every handler",
        )
        self.libraries_layer = lambda_.LayerVersion(
            self,
            "LibrariesLayer",
            code=libraries_layer_code(),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[architecture],
            description="The libraries the handlers use beyond Powertools': " + ", ".join(LIBRARIES),
        )
        # Resolved by CloudFormation at deploy time, so synth stays offline and the version stays pinned.
        self.powertools_layer = lambda_.LayerVersion.from_layer_version_arn(
            self,
            "PowertoolsLayer",
            ssm.StringParameter.value_for_string_parameter(
                self, powertools_parameter_name(settings.powertools_version, architecture)
            ),
        )
        removal_policy = RemovalPolicy.RETAIN if settings.is_prod else RemovalPolicy.DESTROY

        built = {
            spec.handler: HandlerFunction(
                self,
                function_id(spec.handler),
                spec=spec,
                tables=tables,
                oauth_secret=oauth_secret,
                page_token_secret=page_token_secret,
                layers=[self.domain_layer, self.libraries_layer, self.powertools_layer],
                code=handler_code(functions_dir, spec.handler),
                architecture=architecture,
                retention=log_retention(settings.log_retention_days),
                removal_policy=removal_policy,
            )
            for spec in function_specs(settings)
        }
        self.fallback = built.pop(FALLBACK_HANDLER)
        self.authorizer = built.pop(AUTHORIZER_HANDLER)
        self.enrichments: dict[str, HandlerFunction] = {handler: built.pop(handler)
                                                        for handler in enrichment_handlers()}
        # Keyed by handler name (Route holds a dict, so it is not hashable).
        self.routes: dict[str, HandlerFunction] = built

    @property
    def all(self) -> list[HandlerFunction]:
        """Every function: the routes in table order, then the fallback, the authorizer and the enrichments."""
        return [*self.routes.values(), self.fallback, self.authorizer, *self.enrichments.values()]
