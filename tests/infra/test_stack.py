"""BadgesStack as CloudFormation sees it with cdk.json's defaults: least-privilege roles, tables, the authorizer
and the public token route, the key secrets, events, alarms, the dashboard, cdk-nag, checkov and cfn-lint."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from badges.config import PAGE_TOKEN_SECRET_ENV, table_env_var
from badges.domain.credentials import parse_basic
from badges.domain.errors import Err
from badges.events import EVENTS, SOURCE, filter_json
from badges.routes import AUTHORIZER_HANDLER, AUTHORIZER_READS_OAUTH_KEY, BASE_PATH, FALLBACK_HANDLER, ROUTES
from badges.store.tables import TABLES
from infra.data import table_construct_id
from infra.functions import (
    ARCHITECTURES,
    AUTH_CACHE_TTL_ENV,
    OAUTH_SECRET_ENV,
    POWERTOOLS_ENVIRONMENT,
    RUNTIME,
    function_id,
    powertools_parameter_name,
)
from infra.monitoring import (
    AUTHORIZER_REFUSALS_METRIC,
    AUTHORIZER_REFUSED_MESSAGE,
    METRICS_NAMESPACE,
    OPERATIONS,
    WAF_RATE_LIMITED,
)
from infra.pipes import LIST_STREAMS, MAXIMUM_RETRIES, STREAM_ACTIONS, pipe_construct_id
from infra.settings import ARCHITECTURES as SETTINGS_ARCHITECTURES
from infra.settings import DEFAULTS
from infra.waf import (
    RATE_LIMIT_ALL,
    RATE_LIMIT_BASIC_AUTH,
    RATE_LIMIT_TOKEN,
    RETRY_AFTER_SECONDS,
    TOKEN_PATH,
    TOO_MANY_REQUESTS_BODY,
    WAF_COMMON_RULE_SET,
    WAF_KNOWN_BAD_INPUTS_RULE_SET,
)
from tests.infra.template_helpers import (
    HANDLERS,
    alarm_expression,
    alarm_metrics,
    as_list,
    built_functions,
    checkov_skips,
    dimension,
    function_for,
    integration_target,
    methods,
    nag_report,
    of_type,
    resource_paths,
    role_of,
    role_statements,
    stage,
    table_ids,
)

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

ROOT = Path(__file__).resolve().parents[2]
SECRET_READERS = {route.handler for route in ROUTES if route.reads_oauth_key} | (
    {AUTHORIZER_HANDLER} if AUTHORIZER_READS_OAUTH_KEY else set()
)
PAGE_TOKEN_READERS = {route.handler for route in ROUTES if route.reads_page_token_key}
PUBLIC = {(route.method, route.full_path) for route in ROUTES if route.public}


def secret_id(synthesized) -> str:
    return synthesized.logical_id(synthesized.stack.oauth.secret)


def page_token_secret_id(synthesized) -> str:
    return synthesized.logical_id(synthesized.stack.page_tokens.secret)


def secret_statements(synthesized) -> dict[str, list[dict]]:
    """Every role's statements that name a secret or a Secrets Manager action, by role."""
    secrets = {secret_id(synthesized), page_token_secret_id(synthesized)}
    found: dict[str, list[dict]] = {}
    for policy in of_type(synthesized.resources, "AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if any(secret in json.dumps(statement) for secret in secrets) or any(
                    a.startswith("secretsmanager:") for a in as_list(statement["Action"])):
                for role in policy["Properties"]["Roles"]:
                    found.setdefault(role["Ref"], []).append(statement)
    return found


def readers_of(synthesized, secret: str) -> dict[str, list[dict]]:
    return {role: [s for s in statements if secret in json.dumps(s)]
            for role, statements in secret_statements(synthesized).items() if secret in json.dumps(statements)}


# --- functions --------------------------------------------------------------------------------------


def test_one_function_per_route_plus_the_fallback_the_authorizer_and_the_enrichment(synthesized):
    handlers = [f["Properties"]["Handler"] for f in of_type(synthesized.resources, "AWS::Lambda::Function").values()]

    assert sorted(handlers) == sorted(f"{handler}.lambda_handler" for handler in HANDLERS)


@pytest.mark.parametrize("handler", list(HANDLERS))
def test_function_runtime_architecture_memory_layers_and_tracing(synthesized, handler):
    _, function = function_for(synthesized, handler)
    properties = function["Properties"]
    domain_layer = synthesized.logical_id(synthesized.stack.functions.domain_layer)
    libraries_layer = synthesized.logical_id(synthesized.stack.functions.libraries_layer)
    parameters = synthesized.raw["Parameters"]
    pinned = powertools_parameter_name(DEFAULTS["powertoolsVersion"], ARCHITECTURES[DEFAULTS["lambdaArchitecture"]])
    powertools = next(name for name, p in parameters.items() if p["Default"] == pinned)

    assert properties["Runtime"] == RUNTIME.name
    assert properties["Architectures"] == [DEFAULTS["lambdaArchitecture"]] == ["arm64"]
    memory = DEFAULTS["authorizerMemorySize" if handler == AUTHORIZER_HANDLER else "lambdaMemorySize"]
    assert properties["MemorySize"] == memory
    assert "ReservedConcurrentExecutions" not in properties  # reservedConcurrency defaults to {}
    assert properties["Timeout"] == 10
    assert properties["TracingConfig"] == {"Mode": "Active"}
    assert properties["Layers"] == [{"Ref": domain_layer}, {"Ref": libraries_layer}, {"Ref": powertools}]
    assert parameters[powertools]["Type"] == "AWS::SSM::Parameter::Value<String>"
    assert "LogGroup" in properties["LoggingConfig"]


@pytest.mark.parametrize("handler", list(HANDLERS))
def test_environment_comes_only_from_the_stack(synthesized, handler):
    _, function = function_for(synthesized, handler)
    by_name = {name: logical_id for logical_id, name in table_ids(synthesized).items()}
    expected = {table_env_var(name): {"Ref": by_name[name]} for name in HANDLERS[handler]}
    if handler in SECRET_READERS:
        expected[OAUTH_SECRET_ENV] = {"Ref": secret_id(synthesized)}
    if handler in PAGE_TOKEN_READERS:
        expected[PAGE_TOKEN_SECRET_ENV] = {"Ref": page_token_secret_id(synthesized)}
    if handler == AUTHORIZER_HANDLER:
        expected[AUTH_CACHE_TTL_ENV] = str(DEFAULTS["authorizerCacheTtlSeconds"])

    assert function["Properties"]["Environment"]["Variables"] == {**expected, **POWERTOOLS_ENVIRONMENT}


def test_the_powertools_layer_is_pinned_and_follows_the_architecture():
    assert powertools_parameter_name("3.37.0", ARCHITECTURES["arm64"]) == (
        "/aws/service/powertools/python/arm64/python3.13/3.37.0")
    assert powertools_parameter_name("3.37.0", ARCHITECTURES["x86_64"]) == (
        "/aws/service/powertools/python/x86_64/python3.13/3.37.0")
    assert DEFAULTS["powertoolsVersion"] != "latest"
    assert set(ARCHITECTURES) == set(SETTINGS_ARCHITECTURES)


@pytest.mark.parametrize("handler", list(HANDLERS))
def test_each_function_role_allows_exactly_its_declared_table_actions(synthesized, handler):
    role_id = role_of(synthesized, handler)
    tables = table_ids(synthesized)

    granted: dict[str, set[str]] = {}
    for statement in role_statements(synthesized.resources, role_id):
        actions = as_list(statement["Action"])
        if not any(action.startswith("dynamodb:") for action in actions):
            continue
        assert all(action.startswith("dynamodb:") and "*" not in action for action in actions)
        assert statement["Effect"] == "Allow"
        for resource in as_list(statement["Resource"]):
            # Only a table's own ARN, never a wildcard, a stream or another table's index.
            assert set(resource) == {"Fn::GetAtt"} and resource["Fn::GetAtt"][1] == "Arn", resource
            granted.setdefault(tables[resource["Fn::GetAtt"][0]], set()).update(actions)

    assert granted == {name: set(actions) for name, actions in HANDLERS[handler].items()}
    assert "ManagedPolicyArns" not in synthesized.resources[role_id]["Properties"]


@pytest.mark.parametrize("handler", list(HANDLERS))
def test_each_function_writes_only_its_own_log_group_and_traces(synthesized, handler):
    _, function = function_for(synthesized, handler)
    log_group = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    others = [s for s in role_statements(synthesized.resources, role_of(synthesized, handler))
              if not str(s["Action"]).startswith(("dynamodb:", "['dynamodb:", "secretsmanager:"))]

    assert sorted(others, key=str) == sorted(
        [
            {"Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Effect": "Allow",
             "Resource": {"Fn::GetAtt": [log_group, "Arn"]}},
            {"Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "Effect": "Allow", "Resource": "*"},
        ],
        key=str,
    )
    assert synthesized.resources[log_group]["Properties"]["RetentionInDays"] == DEFAULTS["logRetentionDays"] == 30


def test_only_the_token_endpoint_and_the_authorizer_may_read_the_oauth_key_secret(synthesized):
    secret = secret_id(synthesized)
    readers = readers_of(synthesized, secret)

    assert {"generate_token", AUTHORIZER_HANDLER} == SECRET_READERS
    assert set(readers) == {role_of(synthesized, handler) for handler in SECRET_READERS}
    for statements in readers.values():
        assert statements == [{"Action": "secretsmanager:GetSecretValue", "Effect": "Allow",
                               "Resource": {"Ref": secret}}]


def test_only_the_listing_functions_may_read_the_page_token_key(synthesized):
    secret = page_token_secret_id(synthesized)
    readers = readers_of(synthesized, secret)

    assert {"list_groups", "list_badges"} == PAGE_TOKEN_READERS
    assert set(readers) == {role_of(synthesized, handler) for handler in PAGE_TOKEN_READERS}
    for statements in readers.values():
        assert statements == [{"Action": "secretsmanager:GetSecretValue", "Effect": "Allow",
                               "Resource": {"Ref": secret}}]


def test_every_secrets_manager_statement_reads_one_named_secret(synthesized):
    allowed = [{"Action": "secretsmanager:GetSecretValue", "Effect": "Allow", "Resource": {"Ref": secret}}
               for secret in (secret_id(synthesized), page_token_secret_id(synthesized))]
    statements = secret_statements(synthesized)

    assert set(statements) == {role_of(synthesized, h) for h in SECRET_READERS | PAGE_TOKEN_READERS}
    assert all(statement in allowed for found in statements.values() for statement in found)


def test_the_page_token_key_is_one_generated_string(synthesized):
    secret = synthesized.resources[page_token_secret_id(synthesized)]

    assert secret["Properties"]["GenerateSecretString"] == {"PasswordLength": 64, "ExcludePunctuation": True}
    assert "Name" not in secret["Properties"]  # CloudFormation names it; the listing functions get its ARN
    assert secret["DeletionPolicy"] == "Delete"  # dev; prod retains it (test_context)


def test_the_oauth_key_secret_starts_with_one_generated_current_key(synthesized):
    secret = synthesized.resources[secret_id(synthesized)]

    assert secret["Properties"]["GenerateSecretString"] == {
        "SecretStringTemplate": '{"current":"k1"}', "GenerateStringKey": "k1", "PasswordLength": 64,
        "ExcludePunctuation": True,
    }
    assert "Name" not in secret["Properties"]  # CloudFormation names it; the functions get its ARN
    assert of_type(synthesized.resources, "AWS::SecretsManager::RotationSchedule") == {}


def test_no_two_functions_share_a_role(synthesized):
    roles = [f["Properties"]["Role"]["Fn::GetAtt"][0]
             for f in of_type(synthesized.resources, "AWS::Lambda::Function").values()]

    assert len(set(roles)) == len(roles) == len(HANDLERS)


def test_layer_and_handler_bundles_hold_only_what_they_should(synthesized):
    layer = synthesized.resources[synthesized.logical_id(synthesized.stack.functions.domain_layer)]["Properties"]
    layer_dir = synthesized.outdir / f"asset.{layer['Content']['S3Key'].removesuffix('.zip')}"
    layer_files = {p.relative_to(layer_dir).as_posix() for p in layer_dir.rglob("*") if p.is_file()}

    assert layer["CompatibleRuntimes"] == [RUNTIME.name]
    assert layer["CompatibleArchitectures"] == ["arm64"]
    assert "python/badges/__init__.py" in layer_files
    assert "python/badges/routes.py" in layer_files
    assert all(f.startswith("python/badges/") and "__pycache__" not in f for f in layer_files)
    for handler in HANDLERS:
        _, function = function_for(synthesized, handler)
        code_dir = synthesized.outdir / f"asset.{function['Properties']['Code']['S3Key'].removesuffix('.zip')}"
        assert [p.name for p in code_dir.iterdir()] == [f"{handler}.py"]


def test_the_libraries_layer_holds_the_pure_python_libraries_ahead_of_the_powertools_layer(synthesized):
    """Given the stack, the libraries layer holds PyJWT and cachetools where Lambda looks before the Powertools
    layer's python/, and nothing else (no scripts, no bytecode)."""
    layer = synthesized.resources[synthesized.logical_id(synthesized.stack.functions.libraries_layer)]["Properties"]
    layer_dir = synthesized.outdir / f"asset.{layer['Content']['S3Key'].removesuffix('.zip')}"
    site = f"python/lib/{RUNTIME.name}/site-packages/"
    layer_files = {p.relative_to(layer_dir).as_posix() for p in layer_dir.rglob("*") if p.is_file()}

    assert layer["CompatibleRuntimes"] == [RUNTIME.name] == ["python3.13"]
    assert layer["CompatibleArchitectures"] == ["arm64"]
    assert {site + "jwt/__init__.py", site + "jwt/api_jwt.py", site + "cachetools/__init__.py"} <= layer_files
    assert all(f.startswith(site) and "__pycache__" not in f and not f.endswith(".pyc") for f in layer_files)
    tops = {f.removeprefix(site).split("/")[0] for f in layer_files}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"jwt", "cachetools"}


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
    # Encrypted under the AWS managed KMS key, said so in the template rather than left to the default.
    assert properties["SSESpecification"] == {"SSEEnabled": True}
    assert properties.get("TimeToLiveSpecification") == (
        {"AttributeName": definition.ttl_attribute, "Enabled": True} if definition.ttl_attribute else None
    )
    assert properties.get("StreamSpecification") == (
        {"StreamViewType": definition.stream_view} if definition.stream_view else None
    )
    assert "GlobalSecondaryIndexes" not in properties
    assert "TableName" not in properties  # CloudFormation names it; Lambdas learn the name by env
    assert properties["DeletionProtectionEnabled"] is False
    assert table["DeletionPolicy"] == "Delete"


def test_the_badges_table_streams_old_and_new_images_for_the_events(synthesized):
    table = synthesized.resources[synthesized.logical_id(synthesized.stack.data.tables["badges"])]

    assert table["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert table["Properties"]["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}


def test_cdk_json_context_is_the_settings_defaults():
    context = json.loads((ROOT / "cdk.json").read_text())["context"]

    assert {k: v for k, v in context.items() if k != "cli-telemetry"} == DEFAULTS


# --- API --------------------------------------------------------------------------------------------


def test_every_method_but_the_token_endpoint_uses_the_request_authorizer(synthesized):
    authorizer_id = synthesized.logical_id(synthesized.stack.api.authorizer)
    found = methods(synthesized.resources)

    assert {("POST", "/v3/oauth/token/generate")} == PUBLIC
    assert set(found) >= PUBLIC
    for key, properties in found.items():
        if key in PUBLIC:
            assert properties["AuthorizationType"] == "NONE", key
            assert "AuthorizerId" not in properties, key
        else:
            assert properties["AuthorizationType"] == "CUSTOM", key
            assert properties["AuthorizerId"] == {"Ref": authorizer_id}, key


def test_the_authorizer_has_no_gateway_cache_and_no_mandatory_header(synthesized, template):
    """Callers send Basic or an OAuth token; API Gateway's cache would demand both headers, so it is off and the
    function keeps verified callers for authorizerCacheTtlSeconds instead."""
    authorizer_fn, function = function_for(synthesized, AUTHORIZER_HANDLER)
    [authorizer] = of_type(synthesized.resources, "AWS::ApiGateway::Authorizer").values()
    properties = authorizer["Properties"]

    assert properties["Type"] == "REQUEST"
    assert properties["AuthorizerResultTtlInSeconds"] == 0
    assert "IdentitySource" not in properties
    assert {"Fn::GetAtt": [authorizer_fn, "Arn"]} in properties["AuthorizerUri"]["Fn::Join"][1]
    assert function["Properties"]["Environment"]["Variables"][AUTH_CACHE_TTL_ENV] == "300"


def test_each_route_is_a_proxy_to_its_own_function(synthesized):
    found = methods(synthesized.resources)

    for route in ROUTES:
        properties = found[(route.method, route.full_path)]
        assert properties["Integration"]["Type"] == "AWS_PROXY"
        assert integration_target(properties) == function_for(synthesized, route.handler)[0]


def test_the_fallback_answers_any_other_method_and_path_under_the_base_path_only(synthesized):
    found = methods(synthesized.resources)
    fallback, _ = function_for(synthesized, FALLBACK_HANDLER)
    paths = set(resource_paths(synthesized.resources).values())
    under_base = {path for path in paths if path.startswith(BASE_PATH)}

    assert BASE_PATH + "/{proxy+}" in under_base
    for path in under_base:
        assert integration_target(found[("ANY", path)]) == fallback, path
    assert not any(method == "ANY" and not path.startswith(BASE_PATH) for method, path in found)
    routed = {(route.method, route.full_path) for route in ROUTES}
    assert {key for key in found if key[0] != "ANY"} == routed


def test_stage_logs_traces_validates_and_throttles(synthesized, template):
    properties = stage(synthesized.resources)["Properties"]

    assert properties["StageName"] == DEFAULTS["stage"]
    assert properties["TracingEnabled"] is True
    assert properties["MethodSettings"] == [
        {"DataTraceEnabled": False, "HttpMethod": "*", "LoggingLevel": "INFO", "MetricsEnabled": True,
         "ResourcePath": "/*", "ThrottlingRateLimit": DEFAULTS["throttleRateLimit"],
         "ThrottlingBurstLimit": DEFAULTS["throttleBurstLimit"]}
    ]
    assert (DEFAULTS["throttleRateLimit"], DEFAULTS["throttleBurstLimit"]) == (500, 1000)
    access_log = json.loads(properties["AccessLogSetting"]["Format"])
    assert access_log["requestId"] == "$context.requestId"
    assert access_log["status"] == "$context.status"
    access_logs = properties["AccessLogSetting"]["DestinationArn"]["Fn::GetAtt"][0]
    assert synthesized.resources[access_logs]["Properties"]["RetentionInDays"] == 30
    template.has_resource_properties(
        "AWS::ApiGateway::RequestValidator", {"ValidateRequestBody": True, "ValidateRequestParameters": True}
    )
    template.resource_count_is("AWS::ApiGateway::Account", 1)


EXPECTED_GATEWAY_RESPONSES = {
    "UNAUTHORIZED": ("401", 401, "Invalid or missing credentials"),
    "ACCESS_DENIED": ("403", 403, "Forbidden"),
    "MISSING_AUTHENTICATION_TOKEN": ("404", 404, "Resource not found"),
    "THROTTLED": ("429", 429, "Too many requests"),
    "AUTHORIZER_FAILURE": ("503", 503, "Service busy, retry later"),
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


# --- WAF ----------------------------------------------------------------------------------------------


def web_acl(synthesized) -> tuple[str, dict]:
    [(logical_id, acl)] = of_type(synthesized.resources, "AWS::WAFv2::WebACL").items()
    return logical_id, acl["Properties"]


def waf_rules(synthesized) -> dict[str, dict]:
    return {rule["Name"]: rule for rule in web_acl(synthesized)[1]["Rules"]}


def test_waf_is_on_by_default_and_guards_the_stage(synthesized):
    acl_id, properties = web_acl(synthesized)
    [association] = of_type(synthesized.resources, "AWS::WAFv2::WebACLAssociation").values()
    stage_id = synthesized.logical_id(synthesized.stack.api.rest_api.deployment_stage)

    assert DEFAULTS["wafEnabled"] is True
    assert properties["Scope"] == "REGIONAL"
    assert properties["Name"] == synthesized.stack.firewall.name == "BadgesStack-dev-api"
    assert properties["DefaultAction"] == {"Allow": {}}
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    assert {"Ref": stage_id} in association["Properties"]["ResourceArn"]["Fn::Join"][1]


def test_waf_rate_limits_come_first_then_the_managed_rules(synthesized):
    rules = waf_rules(synthesized)

    assert [name for name, _ in sorted(rules.items(), key=lambda item: item[1]["Priority"])] == [
        RATE_LIMIT_TOKEN, RATE_LIMIT_BASIC_AUTH, RATE_LIMIT_ALL, WAF_COMMON_RULE_SET, WAF_KNOWN_BAD_INPUTS_RULE_SET]
    for name in (WAF_COMMON_RULE_SET, WAF_KNOWN_BAD_INPUTS_RULE_SET):
        assert rules[name]["Statement"]["ManagedRuleGroupStatement"]["VendorName"] == "AWS"
        assert rules[name]["Statement"]["ManagedRuleGroupStatement"]["Name"] == name
        assert rules[name]["OverrideAction"] == {"None": {}}
    # Bulk bodies exceed the common rule set's 8 KB body limit; the functions enforce their own (413).
    assert rules[WAF_COMMON_RULE_SET]["Statement"]["ManagedRuleGroupStatement"]["RuleActionOverrides"] == [
        {"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}}]


@pytest.mark.parametrize(("rule", "limit_key"), [
    (RATE_LIMIT_TOKEN, "wafTokenRateLimit"),
    (RATE_LIMIT_BASIC_AUTH, "wafBasicAuthRateLimit"),
    (RATE_LIMIT_ALL, "wafRateLimit"),
])
def test_each_rate_limit_counts_per_client_ip_over_5_minutes_and_answers_429(synthesized, rule, limit_key):
    found = waf_rules(synthesized)[rule]
    statement = found["Statement"]["RateBasedStatement"]

    assert (statement["Limit"], statement["AggregateKeyType"], statement["EvaluationWindowSec"]) == (
        DEFAULTS[limit_key], "IP", 300)
    assert found["Action"] == {"Block": {"CustomResponse": {
        "ResponseCode": 429, "CustomResponseBodyKey": TOO_MANY_REQUESTS_BODY,
        "ResponseHeaders": [{"Name": "Retry-After", "Value": str(RETRY_AFTER_SECONDS)}]}}}


def test_waf_limits_by_default_are_100_token_requests_6000_basic_and_30000_in_all():
    assert (DEFAULTS["wafTokenRateLimit"], DEFAULTS["wafBasicAuthRateLimit"], DEFAULTS["wafRateLimit"]) == (
        100, 6000, 30000)


def test_the_token_limit_counts_only_the_token_path_whatever_its_spelling(synthesized):
    [token_route] = [route for route in ROUTES if route.public]
    match = waf_rules(synthesized)[RATE_LIMIT_TOKEN]["Statement"]["RateBasedStatement"]["ScopeDownStatement"][
        "ByteMatchStatement"]

    assert TOKEN_PATH == token_route.full_path == "/v3/oauth/token/generate"
    assert match["FieldToMatch"] == {"UriPath": {}}
    # CONTAINS: the stage name (/dev/...) may precede the path on the execute-api host, not on a custom domain.
    assert (match["PositionalConstraint"], match["SearchString"]) == ("CONTAINS", "/v3/oauth/token/generate")
    assert [t["Type"] for t in sorted(match["TextTransformations"], key=lambda t: t["Priority"])] == [
        "URL_DECODE", "NORMALIZE_PATH", "LOWERCASE"]


def test_the_basic_limit_counts_requests_whose_authorization_names_the_basic_scheme(synthesized):
    match = waf_rules(synthesized)[RATE_LIMIT_BASIC_AUTH]["Statement"]["RateBasedStatement"]["ScopeDownStatement"][
        "ByteMatchStatement"]

    assert match["FieldToMatch"] == {"SingleHeader": {"Name": "authorization"}}
    assert (match["PositionalConstraint"], match["SearchString"]) == ("CONTAINS", "basic ")
    assert match["TextTransformations"] == [{"Priority": 0, "Type": "LOWERCASE"}]
    # What the rule counts is what the authorizer would take for Basic credentials, in any case of the scheme.
    for header in ("Basic dTpw", "basic dTpw", "BASIC  dTpw"):
        assert parse_basic(header) is not None and "basic " in header.lower(), header
    # The per-IP limit counts every request, Basic and token requests included.
    assert "ScopeDownStatement" not in waf_rules(synthesized)[RATE_LIMIT_ALL]["Statement"]["RateBasedStatement"]


def test_the_429_body_is_the_envelope_api_gateway_throttling_answers_with(synthesized):
    _, properties = web_acl(synthesized)
    [body] = properties["CustomResponseBodies"].values()
    throttled = next(r["Properties"] for r in of_type(synthesized.resources, "AWS::ApiGateway::GatewayResponse")
                     .values() if r["Properties"]["ResponseType"] == "THROTTLED")

    assert list(properties["CustomResponseBodies"]) == [TOO_MANY_REQUESTS_BODY]
    assert body["ContentType"] == "APPLICATION_JSON"
    assert json.loads(body["Content"]) == {
        "data": None, "errors": [{"code": 429, "message": "Too many requests", "reference": None}], "warnings": []}
    assert json.loads(body["Content"]) == json.loads(throttled["ResponseTemplates"]["application/json"])
    assert (Err.TOO_MANY_REQUESTS.code, Err.TOO_MANY_REQUESTS.status) == (429, 429)


def test_every_waf_rule_has_metrics_and_samples_and_blocked_requests_are_logged_without_credentials(synthesized):
    acl_id, properties = web_acl(synthesized)
    visibility = [properties["VisibilityConfig"], *(rule["VisibilityConfig"] for rule in properties["Rules"])]
    [logging] = of_type(synthesized.resources, "AWS::WAFv2::LoggingConfiguration").values()
    log_group_id = synthesized.logical_id(synthesized.stack.firewall.log_group)
    log_group = synthesized.resources[log_group_id]["Properties"]

    assert all(v["CloudWatchMetricsEnabled"] and v["SampledRequestsEnabled"] for v in visibility)
    assert len({v["MetricName"] for v in visibility}) == len(visibility)
    assert logging["Properties"]["ResourceArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    [destination] = logging["Properties"]["LogDestinationConfigs"]
    assert destination["Fn::Join"][1][-2:] == [":log-group:", {"Ref": log_group_id}]  # no ":*" suffix
    assert log_group["LogGroupName"].startswith("aws-waf-logs-")  # WAF refuses any other name
    assert log_group["RetentionInDays"] == DEFAULTS["logRetentionDays"]
    assert logging["Properties"]["LoggingFilter"] == {
        "DefaultBehavior": "DROP",
        "Filters": [{"Behavior": "KEEP", "Requirement": "MEETS_ANY",
                     "Conditions": [{"ActionCondition": {"Action": "BLOCK"}}]}]}
    assert logging["Properties"]["RedactedFields"] == [
        {"SingleHeader": {"Name": "authorization"}}, {"SingleHeader": {"Name": "x-cap-api-oauth-token"}}]


def test_an_alarm_counts_the_requests_the_rate_limits_blocked(synthesized):
    alarm = alarms(synthesized)["WafRateLimited"]
    firewall = synthesized.stack.firewall
    metrics = alarm_metrics(alarm)

    assert {dimension(m, "Rule") for m in metrics} == {rule.metric_name for rule in firewall.rate_rules.values()}
    for metric in metrics:
        assert (metric["Namespace"], metric["MetricName"], metric["Stat"]) == ("AWS/WAFV2", "BlockedRequests", "Sum")
        assert dimension(metric, "WebACL") == web_acl(synthesized)[1]["Name"]
        assert dimension(metric, "Region") == {"Ref": "AWS::Region"}
    assert {rule.metric_name for rule in firewall.rate_rules.values()} <= {
        rule["VisibilityConfig"]["MetricName"] for rule in web_acl(synthesized)[1]["Rules"]}
    assert alarm_expression(alarm) == "FILL(blocked0, 0) + FILL(blocked1, 0) + FILL(blocked2, 0)"
    assert alarm["Properties"]["Threshold"] == WAF_RATE_LIMITED
    assert alarm["Properties"]["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


# --- events -----------------------------------------------------------------------------------------


def pipes_by_detail_type(synthesized) -> dict[str, dict]:
    return {
        pipe["Properties"]["TargetParameters"]["EventBridgeEventBusParameters"]["DetailType"]: pipe
        for pipe in of_type(synthesized.resources, "AWS::Pipes::Pipe").values()
    }


def event_ids(synthesized) -> tuple[str, str, str]:
    """The logical ids of the badges table, the bus and the dead-letter queue."""
    events = synthesized.stack.events
    return (synthesized.logical_id(synthesized.stack.data.tables["badges"]), synthesized.logical_id(events.bus),
            synthesized.logical_id(events.dead_letters))


@pytest.mark.parametrize("spec", EVENTS, ids=lambda s: s.detail_type)
def test_one_pipe_per_event_from_the_stream_through_its_filter_and_template_to_the_bus(synthesized, spec):
    table, bus, queue = event_ids(synthesized)
    properties = pipes_by_detail_type(synthesized)[spec.detail_type]["Properties"]
    stream = properties["SourceParameters"]["DynamoDBStreamParameters"]

    assert properties["Source"] == {"Fn::GetAtt": [table, "StreamArn"]}
    assert stream["StartingPosition"] == "LATEST"
    assert 1 <= stream["BatchSize"] <= 10
    assert stream["MaximumRetryAttempts"] == MAXIMUM_RETRIES == 10
    assert stream["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [queue, "Arn"]}}
    assert properties["SourceParameters"]["FilterCriteria"] == {"Filters": [{"Pattern": filter_json(spec)}]}
    assert properties["Target"] == {"Fn::GetAtt": [bus, "Arn"]}
    shaping = {"InputTemplate": spec.input_template} if spec.input_template else {}
    assert properties["TargetParameters"] == {
        "EventBridgeEventBusParameters": {"DetailType": spec.detail_type, "Source": SOURCE}, **shaping}
    if spec.enrichment:  # the enrichment's answer is the detail, as Capillary documents it
        enrichment, _ = function_for(synthesized, spec.enrichment)
        assert properties["Enrichment"] == {"Fn::GetAtt": [enrichment, "Arn"]}
        assert spec.input_template is None
    else:
        assert "Enrichment" not in properties


def test_the_badge_earned_enrichment_reads_only_the_badges_table_items_it_names():
    [spec] = [spec for spec in EVENTS if spec.enrichment]

    assert (spec.detail_type, spec.enrichment) == ("badgeEarned", "enrich_badge_earned")
    assert HANDLERS[spec.enrichment] == {"badges": ("dynamodb:BatchGetItem",)}  # no write, no query, no scan


def test_exactly_one_pipe_per_event_one_bus_one_dead_letter_queue(template):
    template.resource_count_is("AWS::Pipes::Pipe", len(EVENTS))
    template.resource_count_is("AWS::Events::EventBus", 1)
    template.resource_count_is("AWS::SQS::Queue", 1)


@pytest.mark.parametrize("spec", EVENTS, ids=lambda s: s.detail_type)
def test_each_pipe_role_reads_the_stream_puts_on_the_bus_and_dead_letters_nothing_more(synthesized, spec):
    table, bus, queue = event_ids(synthesized)
    role_id = pipes_by_detail_type(synthesized)[spec.detail_type]["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    role = synthesized.resources[role_id]["Properties"]

    assert role["AssumeRolePolicyDocument"]["Statement"] == [{
        "Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "pipes.amazonaws.com"},
        "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
    }]
    assert "ManagedPolicyArns" not in role
    invoke = []
    if spec.enrichment:  # and invoke its enrichment, that function only
        enrichment, _ = function_for(synthesized, spec.enrichment)
        invoke = [{"Action": "lambda:InvokeFunction", "Effect": "Allow",
                   "Resource": {"Fn::GetAtt": [enrichment, "Arn"]}}]
    assert sorted(role_statements(synthesized.resources, role_id), key=str) == sorted([
        {"Action": list(STREAM_ACTIONS), "Effect": "Allow", "Resource": {"Fn::GetAtt": [table, "StreamArn"]}},
        {"Action": LIST_STREAMS, "Effect": "Allow", "Resource": "*"},  # IAM accepts "*" only for it
        {"Action": "events:PutEvents", "Effect": "Allow", "Resource": {"Fn::GetAtt": [bus, "Arn"]}},
        {"Action": "sqs:SendMessage", "Effect": "Allow", "Resource": {"Fn::GetAtt": [queue, "Arn"]}},
        *invoke,
    ], key=str)


def test_pipes_do_not_share_a_role(synthesized):
    roles = [pipe["Properties"]["RoleArn"]["Fn::GetAtt"][0] for pipe in pipes_by_detail_type(synthesized).values()]

    assert len(set(roles)) == len(roles) == len(EVENTS)


def test_the_dead_letter_queue_is_encrypted_and_refuses_plain_http(synthesized):
    _, _, queue = event_ids(synthesized)
    [policy] = of_type(synthesized.resources, "AWS::SQS::QueuePolicy").values()

    assert synthesized.resources[queue]["Properties"]["SqsManagedSseEnabled"] is True
    assert policy["Properties"]["Queues"] == [{"Ref": queue}]
    assert {"Action": "sqs:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}, "Effect": "Deny",
            "Principal": {"AWS": "*"}, "Resource": {"Fn::GetAtt": [queue, "Arn"]}} in (
        policy["Properties"]["PolicyDocument"]["Statement"])


# --- monitoring -------------------------------------------------------------------------------------


def alarms(synthesized) -> dict[str, dict]:
    """Construct id -> the alarm resource."""
    return {name: synthesized.resources[synthesized.logical_id(alarm)]
            for name, alarm in synthesized.stack.monitoring.alarms.items()}


def expected_alarms(synthesized) -> dict[str, tuple[str, str, dict]]:
    """Construct id -> (namespace, metric name, a dimension it must carry) of every metric alarm expected."""
    expected = {}
    for handler in HANDLERS:
        function, _ = function_for(synthesized, handler)
        name = function_id(handler)
        if handler != AUTHORIZER_HANDLER:
            expected[f"{name}Errors"] = ("AWS/Lambda", "Errors", {"FunctionName": {"Ref": function}})
        expected[f"{name}Throttles"] = ("AWS/Lambda", "Throttles", {"FunctionName": {"Ref": function}})
    return expected


def test_every_alarm_notifies_the_topic_on_alarm_and_ok_and_says_what_it_means(synthesized, template):
    topic = {"Ref": synthesized.logical_id(synthesized.stack.monitoring.topic)}
    found = of_type(synthesized.resources, "AWS::CloudWatch::Alarm")

    assert len(found) == len(alarms(synthesized))
    for logical_id, alarm in found.items():
        properties = alarm["Properties"]
        assert properties["AlarmActions"] == [topic], logical_id
        assert properties["OKActions"] == [topic], logical_id
        assert len(properties["AlarmDescription"]) > 80, logical_id
        assert properties["TreatMissingData"] == "notBreaching", logical_id
        assert "AlarmName" not in properties  # CloudFormation names them


def test_lambda_errors_per_function_and_throttles_per_function(synthesized):
    found = alarms(synthesized)

    for name, (namespace, metric_name, dimensions) in expected_alarms(synthesized).items():
        [metric] = alarm_metrics(found[name])
        assert (metric["Namespace"], metric["MetricName"], metric["Stat"]) == (namespace, metric_name, "Sum"), name
        for key, value in dimensions.items():
            assert dimension(metric, key) == value, name
        assert found[name]["Properties"]["Threshold"] == 1
        assert found[name]["Properties"]["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_api_5xx_rate_is_5xx_over_count_above_one_percent(synthesized):
    alarm = alarms(synthesized)["Api5xxRate"]
    metrics = {m["MetricName"]: m for m in alarm_metrics(alarm)}
    stage_id = synthesized.logical_id(synthesized.stack.api.rest_api.deployment_stage)

    assert set(metrics) == {"5XXError", "Count"}
    for metric in metrics.values():
        assert metric["Namespace"] == "AWS/ApiGateway" and metric["Stat"] == "Sum"
        assert dimension(metric, "ApiName") == "badges-dev"
        assert dimension(metric, "Stage") == {"Ref": stage_id}
    assert alarm_expression(alarm) == "IF(requests > 0, 100 * errors / requests, 0)"
    assert alarm["Properties"]["Threshold"] == 1
    assert alarm["Properties"]["ComparisonOperator"] == "GreaterThanThreshold"


def test_api_p99_latency_above_the_context_threshold(synthesized):
    alarm = alarms(synthesized)["ApiLatencyP99"]
    [metric] = alarm_metrics(alarm)

    assert (metric["Namespace"], metric["MetricName"], metric["Stat"]) == ("AWS/ApiGateway", "Latency", "p99")
    assert alarm["Properties"]["Threshold"] == DEFAULTS["apiLatencyP99Ms"] == 2000


def test_authorizer_errors_are_its_lambda_errors_less_the_callers_it_refused(synthesized):
    alarm = alarms(synthesized)["AuthorizerErrors"]
    authorizer, _ = function_for(synthesized, AUTHORIZER_HANDLER)
    metrics = {m["MetricName"]: m for m in alarm_metrics(alarm)}
    [metric_filter] = of_type(synthesized.resources, "AWS::Logs::MetricFilter").values()
    log_group = synthesized.logical_id(synthesized.stack.functions.authorizer.log_group)

    assert alarm_expression(alarm) == "FILL(errors, 0) - FILL(refusals, 0)"
    assert metrics["Errors"]["Namespace"] == "AWS/Lambda"
    assert dimension(metrics["Errors"], "FunctionName") == {"Ref": authorizer}
    refusals = metrics[AUTHORIZER_REFUSALS_METRIC]
    assert refusals["Namespace"] == METRICS_NAMESPACE
    assert dimension(refusals, "FunctionName") == {"Ref": authorizer}
    assert metric_filter["Properties"] == {
        "FilterPattern": f'{{ $.message = "{AUTHORIZER_REFUSED_MESSAGE}" }}',
        "LogGroupName": {"Ref": log_group},
        "MetricTransformations": [{"MetricName": AUTHORIZER_REFUSALS_METRIC, "MetricNamespace": METRICS_NAMESPACE,
                                   "MetricValue": "1",
                                   "Dimensions": [{"Key": "FunctionName", "Value": "$.function_name"}]}],
    }


def test_the_authorizer_logs_the_refusal_line_the_alarm_counts():
    """The metric filter reads the authorizer's Powertools log: its refusal message and the function_name key that
    inject_lambda_context adds. Changing either silently turns every refusal into an authorizer fault."""
    source = (ROOT / "functions" / "handlers" / "authorizer.py").read_text()

    assert f'"{AUTHORIZER_REFUSED_MESSAGE}"' in source
    assert "inject_lambda_context" in source


@pytest.mark.parametrize("definition", TABLES, ids=lambda d: d.logical_name)
def test_dynamodb_throttles_over_every_operation_the_functions_call(synthesized, definition):
    name = table_construct_id(definition.logical_name)
    table = synthesized.logical_id(synthesized.stack.data.tables[definition.logical_name])
    alarm = alarms(synthesized)[f"{name}TableThrottles"]
    declared = {action for actions in HANDLERS.values() for action in actions.get(definition.logical_name, ())}
    declared |= {"dynamodb:TransactWriteItems" for route in ROUTES
                 if route.transactions and definition.logical_name in route.table_actions}
    metrics = alarm_metrics(alarm)

    assert {dimension(m, "Operation") for m in metrics} == {op for op in OPERATIONS if f"dynamodb:{op}" in declared}
    for metric in metrics:
        assert (metric["Namespace"], metric["MetricName"], metric["Stat"]) == (
            "AWS/DynamoDB", "ThrottledRequests", "Sum")
        assert dimension(metric, "TableName") == {"Ref": table}
    assert alarm_expression(alarm).count("FILL(") == len(metrics) <= 10


def test_transaction_conflicts_on_every_table_written_transactionally(synthesized):
    found = alarms(synthesized)
    transactional = {name for name in synthesized.stack.data.tables
                     if any(route.transactions and name in route.table_actions for route in ROUTES)}

    assert transactional == {"badges"}
    assert {n for n in found if n.endswith("TransactionConflicts")} == {
        f"{table_construct_id(name)}TableTransactionConflicts" for name in transactional}
    for name in transactional:
        [metric] = alarm_metrics(found[f"{table_construct_id(name)}TableTransactionConflicts"])
        assert (metric["Namespace"], metric["MetricName"]) == ("AWS/DynamoDB", "TransactionConflict")
        assert dimension(metric, "TableName") == {
            "Ref": synthesized.logical_id(synthesized.stack.data.tables[name])}


def test_event_dead_letters_and_pipe_failures(synthesized):
    found = alarms(synthesized)
    _, _, queue = event_ids(synthesized)
    [visible] = alarm_metrics(found["EventDeadLetters"])
    failures = alarm_metrics(found["EventPipeFailures"])
    pipes = {synthesized.logical_id(pipe) for pipe in synthesized.stack.events.pipes.values()}

    assert (visible["Namespace"], visible["MetricName"], visible["Stat"]) == (
        "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum")
    assert dimension(visible, "QueueName") == {"Fn::GetAtt": [queue, "QueueName"]}
    assert found["EventDeadLetters"]["Properties"]["Threshold"] == 1
    assert {m["MetricName"] for m in failures} == {"ExecutionFailed"}
    assert {dimension(m, "PipeName")["Ref"] for m in failures} == pipes


def test_the_alarm_topic_is_encrypted_under_its_own_rotated_key_and_refuses_plain_http(synthesized):
    monitoring = synthesized.stack.monitoring
    topic_id = synthesized.logical_id(monitoring.topic)
    topic = synthesized.resources[topic_id]["Properties"]
    [key_id] = of_type(synthesized.resources, "AWS::KMS::Key")
    key = synthesized.resources[key_id]["Properties"]
    [policy] = of_type(synthesized.resources, "AWS::SNS::TopicPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]

    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert key["EnableKeyRotation"] is True
    # CloudWatch publishes to the encrypted topic only if the key lets it.
    assert {"Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"}, "Resource": "*"} in key["KeyPolicy"]["Statement"]
    assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
               for s in statements)
    assert any(s["Effect"] == "Allow" and s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
               and s["Action"] == "sns:Publish" for s in statements)
    assert of_type(synthesized.resources, "AWS::SNS::Subscription") == {}  # alarmEmail defaults to none


def test_one_dashboard_shows_the_api_the_functions_the_tables_and_the_pipes(synthesized, template):
    template.resource_count_is("AWS::CloudWatch::Dashboard", 1)
    [dashboard] = of_type(synthesized.resources, "AWS::CloudWatch::Dashboard").values()
    # The body is a Fn::Join of JSON text and references; the references stand as their JSON.
    body = "".join(part if isinstance(part, str) else json.dumps(part)
                   for part in dashboard["Properties"]["DashboardBody"]["Fn::Join"][1])

    for needle in ("AWS/ApiGateway", "5XXError", "Latency", "AWS/Lambda", "Throttles", "Duration",
                   "AWS/DynamoDB", "ThrottledRequests", "TransactionConflict", "ConsumedWriteCapacityUnits",
                   "AWS/EventBridge/Pipes", "ExecutionFailed", "ApproximateNumberOfMessagesVisible",
                   AUTHORIZER_REFUSALS_METRIC, '"type":"alarm"', "AWS/WAFV2", "BlockedRequests"):
        assert needle in body, needle
    for function in built_functions(synthesized).values():
        assert synthesized.logical_id(function.function) in body


# --- outputs ----------------------------------------------------------------------------------------


def test_outputs_name_the_api_every_table_the_bus_the_topic_and_the_secret(synthesized):
    outputs = synthesized.raw["Outputs"]
    _, bus, _ = event_ids(synthesized)

    assert {"ApiUrl", "ApiBaseUrl"} <= set(outputs)
    for definition in TABLES:
        table = synthesized.logical_id(synthesized.stack.data.tables[definition.logical_name])
        assert outputs[f"{table_construct_id(definition.logical_name)}TableName"]["Value"] == {"Ref": table}
    assert outputs["EventBusName"]["Value"] == {"Ref": bus}
    assert outputs["AlarmTopicArn"]["Value"] == {"Ref": synthesized.logical_id(synthesized.stack.monitoring.topic)}
    assert outputs["OAuthKeySecretArn"]["Value"] == {"Ref": secret_id(synthesized)}


# --- cdk-nag, checkov, cfn-lint ---------------------------------------------------------------------


def test_cdk_nag_reports_no_unacknowledged_finding(synthesized):
    nag = nag_report(synthesized)

    assert nag["conclusion"] == "success"
    assert nag["violations"] == []
    suppressed = {(s["ruleName"], s["acknowledgedAt"]) for s in nag["suppressedViolations"]}
    token = "BadgesStack/Api/RestApi/Default/v3/oauth/token/generate/POST"
    expected = {
        ("AwsSolutions-COG4", "BadgesStack/Api/RestApi"),
        ("AwsSolutions-APIG4", token),
        ("AwsSolutions-COG4", token),
        (
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonAPIGatewayPushToCloudWatchLogs]",
            "BadgesStack/Api/RestApi/CloudWatchRole",
        ),
        ("AwsSolutions-SMG4", "BadgesStack/OAuth/Secret"),
        ("AwsSolutions-SMG4", "BadgesStack/PageTokens/Secret"),
        ("AwsSolutions-SQS3", "BadgesStack/Events/DeadLetters"),
    }
    # Per function: the X-Ray wildcard on its role, the pinned runtime on the function.
    for handler in HANDLERS:
        function_path = f"BadgesStack/Functions/{function_id(handler)}"
        expected |= {("AwsSolutions-IAM5[Resource::*]", f"{function_path}/Role"),
                     ("AwsSolutions-L1", f"{function_path}/Function")}
    # Per pipe: dynamodb:ListStreams, which IAM grants on "*" only.
    expected |= {("AwsSolutions-IAM5[Resource::*]", f"BadgesStack/Events/{pipe_construct_id(spec)}/Role")
                 for spec in EVENTS}
    assert suppressed == expected
    assert all(s["reason"].strip() for s in nag["suppressedViolations"])


# The checkov checks the stack does not meet, each skipped in the resource's metadata with its reason (listed
# in infra/README.md, "What the checks accept"); a new failing check fails the checkov run, a new skip fails this test.
CHECKOV_SKIPS = {
    "AWS::Lambda::Function": {"CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117", "CKV_AWS_173"},
    "AWS::Logs::LogGroup": {"CKV_AWS_158"},
    "AWS::DynamoDB::Table": {"CKV_AWS_119"},
    "AWS::SecretsManager::Secret": {"CKV_AWS_149"},
    "AWS::SQS::Queue": {"CKV_AWS_27"},
    "AWS::ApiGateway::Stage": {"CKV_AWS_120"},
}


def test_checkov_skips_are_only_the_documented_ones_each_with_its_reason(synthesized):
    found: dict[str, set[str]] = {}
    for logical_id, resource in synthesized.resources.items():
        skips = checkov_skips(resource)
        assert all(len(reason) > 40 for reason in skips.values()), logical_id
        if skips and resource["Type"] != "AWS::ApiGateway::Method":
            assert set(skips) == CHECKOV_SKIPS[resource["Type"]], logical_id
            found.setdefault(resource["Type"], set()).update(skips)
    public = [checkov_skips(m) for m in of_type(synthesized.resources, "AWS::ApiGateway::Method").values()
              if checkov_skips(m)]

    assert found == CHECKOV_SKIPS
    assert [set(s) for s in public] == [{"CKV_AWS_59"}] * len(PUBLIC)


# cfn-lint warnings the template keeps: W3005, CDK's explicit DependsOn on a role (and its policy) that a GetAtt
# already implies.
ACCEPTED_CFN_LINT_WARNINGS = {"W3005"}


def test_cfn_lint_finds_no_error(synthesized):
    from cfnlint.api import ManualArgs, lint

    template = (synthesized.outdir / f"{synthesized.stack.artifact_id}.template.json").read_text()
    matches = lint(template, config=ManualArgs(regions=["us-east-1"]))
    errors = [f"{m.rule.id} {m.message} ({'/'.join(map(str, m.path))})" for m in matches
              if m.rule.id.startswith("E")]

    assert errors == []
    assert {m.rule.id for m in matches} <= ACCEPTED_CFN_LINT_WARNINGS
