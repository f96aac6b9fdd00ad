"""BadgesStack as CloudFormation sees it: least-privilege roles, tables, authorizer, envelope, cdk-nag."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Match, Template

from badges.config import table_env_var
from badges.routes import AUTHORIZER_HANDLER, AUTHORIZER_TABLE_ACTIONS, BASE_PATH, FALLBACK_HANDLER, ROUTES
from badges.store.tables import TABLES
from infra.data import DataTables, table_construct_id
from infra.functions import (
    ARCHITECTURE,
    POWERTOOLS_ENVIRONMENT,
    RUNTIME,
    function_id,
    powertools_parameter_name,
)
from infra.settings import DEFAULTS, StackSettings

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

# Every function the stack must have, with the table actions it declares.
HANDLERS: dict[str, dict[str, tuple[str, ...]]] = {
    **{route.handler: route.table_actions for route in ROUTES},
    FALLBACK_HANDLER: {},
    AUTHORIZER_HANDLER: AUTHORIZER_TABLE_ACTIONS,
}
ROOT = Path(__file__).resolve().parents[2]


def of_type(resources: dict, kind: str) -> dict[str, dict]:
    return {name: resource for name, resource in resources.items() if resource["Type"] == kind}


def function_for(synthesized, handler: str) -> tuple[str, dict]:
    functions = synthesized.stack.functions
    built = {FALLBACK_HANDLER: functions.fallback, AUTHORIZER_HANDLER: functions.authorizer, **functions.routes}
    logical_id = synthesized.logical_id(built[handler].function)
    return logical_id, synthesized.resources[logical_id]


def table_ids(synthesized) -> dict[str, str]:
    """CloudFormation logical id -> logical table name."""
    return {synthesized.logical_id(table): name for name, table in synthesized.stack.data.tables.items()}


def role_statements(resources: dict, role_id: str) -> list[dict]:
    """Every statement of every policy attached to the role, inline or as AWS::IAM::Policy."""
    role = resources[role_id]["Properties"]
    statements = [s for policy in role.get("Policies", []) for s in policy["PolicyDocument"]["Statement"]]
    for policy in of_type(resources, "AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def resource_paths(resources: dict) -> dict[str, str]:
    """API Gateway resource logical id -> its full path; the root is the empty string."""
    nodes = of_type(resources, "AWS::ApiGateway::Resource")

    def path(logical_id: str) -> str:
        properties = nodes[logical_id]["Properties"]
        parent = properties["ParentId"]
        prefix = path(parent["Ref"]) if "Ref" in parent else ""  # Fn::GetAtt RootResourceId: the root
        return f"{prefix}/{properties['PathPart']}"

    return {logical_id: path(logical_id) for logical_id in nodes}


def methods(resources: dict) -> dict[tuple[str, str], dict]:
    """(HTTP method, full path) -> the method's properties."""
    paths = resource_paths(resources)
    found = {}
    for method in of_type(resources, "AWS::ApiGateway::Method").values():
        properties = method["Properties"]
        resource = properties["ResourceId"]
        full_path = paths[resource["Ref"]] if "Ref" in resource else "/"
        found[(properties["HttpMethod"], full_path)] = properties
    return found


def integration_target(properties: dict) -> str:
    """The logical id of the Lambda a proxy integration invokes."""
    parts = properties["Integration"]["Uri"]["Fn::Join"][1]
    return next(part["Fn::GetAtt"][0] for part in parts if isinstance(part, dict) and "Fn::GetAtt" in part)


# --- functions --------------------------------------------------------------------------------------


def test_one_function_per_route_plus_the_fallback_and_the_authorizer(synthesized):
    handlers = [f["Properties"]["Handler"] for f in of_type(synthesized.resources, "AWS::Lambda::Function").values()]

    assert sorted(handlers) == sorted(f"{handler}.lambda_handler" for handler in HANDLERS)


@pytest.mark.parametrize("handler", list(HANDLERS))
def test_function_runtime_layers_tracing_and_environment(synthesized, handler):
    _, function = function_for(synthesized, handler)
    properties = function["Properties"]
    domain_layer = synthesized.logical_id(synthesized.stack.functions.domain_layer)
    parameters = synthesized.template.to_json()["Parameters"]
    pinned = powertools_parameter_name(DEFAULTS["powertoolsVersion"])
    powertools = next(name for name, p in parameters.items() if p["Default"] == pinned)

    assert properties["Runtime"] == RUNTIME.name
    assert properties["Architectures"] == [ARCHITECTURE.name]
    assert properties["Timeout"] == 10
    assert properties["TracingConfig"] == {"Mode": "Active"}
    assert properties["Layers"] == [{"Ref": domain_layer}, {"Ref": powertools}]
    assert parameters[powertools]["Type"] == "AWS::SSM::Parameter::Value<String>"
    assert "LogGroup" in properties["LoggingConfig"]
    variables = properties["Environment"]["Variables"]
    assert {k: v for k, v in variables.items() if k.startswith("POWERTOOLS_")} == POWERTOOLS_ENVIRONMENT
    table_vars = {k: v for k, v in variables.items() if k not in POWERTOOLS_ENVIRONMENT}
    by_name = {name: logical_id for logical_id, name in table_ids(synthesized).items()}
    assert table_vars == {table_env_var(name): {"Ref": by_name[name]} for name in HANDLERS[handler]}


def test_the_powertools_layer_is_pinned_not_latest():
    assert powertools_parameter_name("3.37.0") == "/aws/service/powertools/python/arm64/python3.13/3.37.0"
    assert DEFAULTS["powertoolsVersion"] != "latest"


@pytest.mark.parametrize("handler", list(HANDLERS))
def test_each_function_role_allows_exactly_its_declared_table_actions(synthesized, handler):
    _, function = function_for(synthesized, handler)
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    statements = role_statements(synthesized.resources, role_id)
    tables = table_ids(synthesized)

    granted: dict[str, set[str]] = {}
    for statement in statements:
        actions = as_list(statement["Action"])
        if not any(action.startswith("dynamodb:") for action in actions):
            continue
        assert all(action.startswith("dynamodb:") and "*" not in action for action in actions)
        assert statement["Effect"] == "Allow"
        for resource in as_list(statement["Resource"]):
            # Only a table's own ARN, never a wildcard or another table's index.
            assert set(resource) == {"Fn::GetAtt"} and resource["Fn::GetAtt"][1] == "Arn", resource
            granted.setdefault(tables[resource["Fn::GetAtt"][0]], set()).update(actions)

    assert granted == {name: set(actions) for name, actions in HANDLERS[handler].items()}
    assert "ManagedPolicyArns" not in synthesized.resources[role_id]["Properties"]


@pytest.mark.parametrize("handler", list(HANDLERS))
def test_each_function_writes_only_its_own_log_group_and_traces(synthesized, handler):
    _, function = function_for(synthesized, handler)
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    log_group = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    others = [s for s in role_statements(synthesized.resources, role_id) if "dynamodb:" not in str(s["Action"])]

    assert sorted(others, key=str) == sorted(
        [
            {"Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Effect": "Allow",
             "Resource": {"Fn::GetAtt": [log_group, "Arn"]}},
            {"Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "Effect": "Allow", "Resource": "*"},
        ],
        key=str,
    )
    assert synthesized.resources[log_group]["Properties"]["RetentionInDays"] == 30


def test_no_two_functions_share_a_role(synthesized):
    roles = [f["Properties"]["Role"]["Fn::GetAtt"][0]
             for f in of_type(synthesized.resources, "AWS::Lambda::Function").values()]

    assert len(set(roles)) == len(roles) == len(HANDLERS)


def test_layer_and_handler_bundles_hold_only_what_they_should(synthesized):
    layer = synthesized.resources[synthesized.logical_id(synthesized.stack.functions.domain_layer)]["Properties"]
    layer_dir = synthesized.outdir / f"asset.{layer['Content']['S3Key'].removesuffix('.zip')}"
    layer_files = {p.relative_to(layer_dir).as_posix() for p in layer_dir.rglob("*") if p.is_file()}

    assert layer["CompatibleRuntimes"] == [RUNTIME.name]
    assert layer["CompatibleArchitectures"] == [ARCHITECTURE.name]
    assert "python/badges/__init__.py" in layer_files
    assert "python/badges/routes.py" in layer_files
    assert all(f.startswith("python/badges/") and "__pycache__" not in f for f in layer_files)
    for handler in HANDLERS:
        _, function = function_for(synthesized, handler)
        code_dir = synthesized.outdir / f"asset.{function['Properties']['Code']['S3Key'].removesuffix('.zip')}"
        assert [p.name for p in code_dir.iterdir()] == [f"{handler}.py"]


# --- tables -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("definition", TABLES, ids=lambda d: d.logical_name)
def test_tables_match_their_definitions(synthesized, definition):
    table = synthesized.resources[synthesized.logical_id(synthesized.stack.data.tables[definition.logical_name])]
    properties = table["Properties"]
    keys = [(definition.partition_key, "HASH")] + ([(definition.sort_key, "RANGE")] if definition.sort_key else [])

    assert properties["KeySchema"] == [{"AttributeName": name, "KeyType": kind} for name, kind in keys]
    assert properties["AttributeDefinitions"] == [{"AttributeName": name, "AttributeType": "S"} for name, _ in keys]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties.get("TimeToLiveSpecification") == (
        {"AttributeName": definition.ttl_attribute, "Enabled": True} if definition.ttl_attribute else None
    )
    assert "GlobalSecondaryIndexes" not in properties
    assert "TableName" not in properties  # CloudFormation names it; Lambdas learn the name by env
    assert properties["DeletionProtectionEnabled"] is False
    assert table["DeletionPolicy"] == "Delete"


def test_prod_tables_are_protected_and_retained():
    app = App(context={"stage": "prod"})
    stack = Stack(app, "Prod")
    DataTables(stack, "Data", deletion_protection=StackSettings.from_context(stack.node).deletion_protection)
    template = Template.from_stack(stack)

    template.resource_count_is("AWS::DynamoDB::Table", len(TABLES))
    template.all_resources(
        "AWS::DynamoDB::Table",
        {"DeletionPolicy": "Retain", "Properties": Match.object_like({"DeletionProtectionEnabled": True})},
    )


def test_settings_read_cli_strings():
    context = {"deletionProtection": "true", "authorizerCacheTtlSeconds": "0"}
    settings = StackSettings.from_context(App(context=context).node)

    assert settings.deletion_protection is True
    assert settings.authorizer_cache_ttl_seconds == 0


def test_cdk_json_context_is_the_settings_defaults():
    context = json.loads((ROOT / "cdk.json").read_text())["context"]

    assert {k: v for k, v in context.items() if k in DEFAULTS} == DEFAULTS


# --- API --------------------------------------------------------------------------------------------


def test_every_method_uses_the_request_authorizer(synthesized, template):
    authorizer_id = synthesized.logical_id(synthesized.stack.api.authorizer)
    authorizer_fn, _ = function_for(synthesized, AUTHORIZER_HANDLER)
    found = methods(synthesized.resources)

    assert found
    for (http_method, path), properties in found.items():
        if http_method == "OPTIONS":
            continue
        assert properties["AuthorizationType"] == "CUSTOM", (http_method, path)
        assert properties["AuthorizerId"] == {"Ref": authorizer_id}, (http_method, path)
    template.has_resource_properties(
        "AWS::ApiGateway::Authorizer",
        {
            "Type": "REQUEST",
            "IdentitySource": "method.request.header.Authorization",
            "AuthorizerResultTtlInSeconds": DEFAULTS["authorizerCacheTtlSeconds"],
            "AuthorizerUri": {"Fn::Join": ["", Match.array_with([{"Fn::GetAtt": [authorizer_fn, "Arn"]}])]},
        },
    )


def test_each_route_is_a_proxy_to_its_own_function(synthesized):
    found = methods(synthesized.resources)

    for route in ROUTES:
        properties = found[(route.method, route.full_path)]
        assert properties["Integration"]["Type"] == "AWS_PROXY"
        assert integration_target(properties) == function_for(synthesized, route.handler)[0]


def test_the_fallback_answers_any_other_method_and_path(synthesized):
    found = methods(synthesized.resources)
    fallback, _ = function_for(synthesized, FALLBACK_HANDLER)
    under_base = {path for path in resource_paths(synthesized.resources).values() if path.startswith(BASE_PATH)}

    assert BASE_PATH + "/{proxy+}" in under_base
    for path in under_base:
        assert integration_target(found[("ANY", path)]) == fallback, path
    routed = {(route.method, route.full_path) for route in ROUTES}
    assert {key for key in found if key[0] != "ANY"} == routed


def test_stage_logs_traces_and_validates(synthesized, template):
    stage = next(iter(of_type(synthesized.resources, "AWS::ApiGateway::Stage").values()))["Properties"]

    assert stage["StageName"] == DEFAULTS["stage"]
    assert stage["TracingEnabled"] is True
    assert stage["MethodSettings"] == [
        {"DataTraceEnabled": False, "HttpMethod": "*", "LoggingLevel": "INFO", "MetricsEnabled": True,
         "ResourcePath": "/*"}
    ]
    access_log = json.loads(stage["AccessLogSetting"]["Format"])
    assert access_log["requestId"] == "$context.requestId"
    assert access_log["status"] == "$context.status"
    template.has_resource_properties(
        "AWS::ApiGateway::RequestValidator", {"ValidateRequestBody": True, "ValidateRequestParameters": True}
    )
    template.resource_count_is("AWS::ApiGateway::Account", 1)


EXPECTED_GATEWAY_RESPONSES = {
    "UNAUTHORIZED": ("401", 401, "Invalid or missing credentials"),
    "ACCESS_DENIED": ("403", 403, "Forbidden"),
    "MISSING_AUTHENTICATION_TOKEN": ("404", 404, "Resource not found"),
    "THROTTLED": ("429", 429, "Too many requests"),
    "DEFAULT_4XX": (None, 400, None),
    "DEFAULT_5XX": (None, 500, None),
}


def test_gateway_responses_answer_in_the_envelope(synthesized):
    responses = {
        r["Properties"]["ResponseType"]: r["Properties"]
        for r in of_type(synthesized.resources, "AWS::ApiGateway::GatewayResponse").values()
    }

    assert set(EXPECTED_GATEWAY_RESPONSES) <= set(responses)
    for response_type, properties in responses.items():
        body = json.loads(properties["ResponseTemplates"]["application/json"])
        assert body["data"] is None and body["warnings"] == [], response_type
        [error] = body["errors"]
        assert isinstance(error["code"], int) and isinstance(error["message"], str), response_type
        assert error["reference"] is None
        if properties.get("StatusCode"):
            assert error["code"] == int(properties["StatusCode"]), response_type
        expected = EXPECTED_GATEWAY_RESPONSES.get(response_type)
        if expected:
            status, code, message = expected
            assert properties.get("StatusCode") == status
            assert error["code"] == code
            assert message is None or error["message"] == message


def test_outputs_name_the_api_and_every_table(template):
    outputs = template.to_json()["Outputs"]

    assert {"ApiUrl", "ApiBaseUrl"} <= set(outputs)
    for definition in TABLES:
        assert f"{table_construct_id(definition.logical_name)}TableName" in outputs


# --- cdk-nag ----------------------------------------------------------------------------------------


def test_cdk_nag_reports_no_unacknowledged_finding(synthesized):
    report = json.loads((synthesized.outdir / "validation-report.json").read_text())
    [nag] = [r for r in report["pluginReports"] if r["pluginName"] == "AwsSolutions"]

    assert nag["conclusion"] == "success"
    assert nag["violations"] == []
    suppressed = {(s["ruleName"], s["acknowledgedAt"]) for s in nag["suppressedViolations"]}
    expected = {
        ("AwsSolutions-APIG3", "BadgesStack/Api/RestApi/DeploymentStage.dev"),
        ("AwsSolutions-COG4", "BadgesStack/Api/RestApi"),
        (
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonAPIGatewayPushToCloudWatchLogs]",
            "BadgesStack/Api/RestApi/CloudWatchRole",
        ),
    }
    # Per function: the X-Ray wildcard on its role, the pinned runtime on the function.
    for handler in HANDLERS:
        function_path = f"BadgesStack/Functions/{function_id(handler)}"
        expected |= {("AwsSolutions-IAM5[Resource::*]", f"{function_path}/Role"),
                     ("AwsSolutions-L1", f"{function_path}/Function")}
    assert suppressed == expected
    assert all(s["reason"].strip() for s in nag["suppressedViolations"])
