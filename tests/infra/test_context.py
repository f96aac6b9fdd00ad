"""Every CDK context value reaching the template: one synth with all of them away from their defaults (WAF off,
x86_64, reserved concurrency, stage prod ...), the web ACL alone with its limits changed, plus the settings' parsing
of what `-c key=value` hands over."""
from __future__ import annotations

import json

import pytest
from aws_cdk import App, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk.assertions import Template

from badges.routes import AUTHORIZER_HANDLER
from infra.functions import ARCHITECTURES, AUTH_CACHE_TTL_ENV, function_specs, powertools_parameter_name
from infra.settings import DEFAULTS, StackSettings
from infra.waf import RATE_LIMIT_ALL, RATE_LIMIT_BASIC_AUTH, RATE_LIMIT_TOKEN, ApiFirewall
from tests.infra.conftest import VARIANT_CONTEXT
from tests.infra.template_helpers import HANDLERS, checkov_skips, function_for, nag_report, of_type, stage

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

RESERVED = json.loads(VARIANT_CONTEXT["reservedConcurrency"])


def test_the_variant_changes_every_context_value():
    assert set(VARIANT_CONTEXT) == set(DEFAULTS) - {"deletionProtection", "powertoolsVersion"}
    assert all(str(VARIANT_CONTEXT[key]).lower() != str(DEFAULTS[key]).lower() for key in VARIANT_CONTEXT)


# --- API Gateway ------------------------------------------------------------------------------------


def test_stage_throttling_comes_from_context(variant):
    [settings] = stage(variant.resources)["Properties"]["MethodSettings"]

    assert settings["ThrottlingRateLimit"] == VARIANT_CONTEXT["throttleRateLimit"]
    assert settings["ThrottlingBurstLimit"] == VARIANT_CONTEXT["throttleBurstLimit"]
    assert stage(variant.resources)["Properties"]["StageName"] == "prod"


def test_waf_turned_off_leaves_no_web_acl_and_cdk_nag_acknowledges_it(variant):
    nag = nag_report(variant)
    [apig3] = [s for s in nag["suppressedViolations"] if s["ruleName"] == "AwsSolutions-APIG3"]

    assert variant.stack.firewall is None
    for kind in ("AWS::WAFv2::WebACL", "AWS::WAFv2::WebACLAssociation", "AWS::WAFv2::LoggingConfiguration"):
        assert of_type(variant.resources, kind) == {}, kind
    assert not any(str(g["Properties"].get("LogGroupName", "")).startswith("aws-waf-logs-")
                   for g in of_type(variant.resources, "AWS::Logs::LogGroup").values())
    assert "WafRateLimited" not in variant.stack.monitoring.alarms
    assert nag["conclusion"] == "success" and nag["violations"] == []
    assert apig3["acknowledgedAt"] == "BadgesStack/Api/RestApi/DeploymentStage.prod"
    assert "wafEnabled=false" in apig3["reason"]


def firewall_alone(context: dict) -> tuple[dict, ApiFirewall]:
    """The web ACL built from this context on a stage of its own: seconds, where the whole stack takes a minute."""
    app = App(context=context)
    stack = Stack(app, "FirewallAlone")
    settings = StackSettings.from_context(stack.node)
    api = apigw.RestApi(stack, "Api", deploy_options=apigw.StageOptions(stage_name=settings.stage))
    api.root.add_method("GET", apigw.MockIntegration())
    firewall = ApiFirewall(stack, "Firewall", stage=api.deployment_stage, settings=settings,
                           removal_policy=RemovalPolicy.RETAIN)
    return Template.from_stack(stack).to_json()["Resources"], firewall


def test_waf_limits_and_stage_come_from_context():
    resources, firewall = firewall_alone({**VARIANT_CONTEXT, "wafEnabled": "true"})
    [acl] = of_type(resources, "AWS::WAFv2::WebACL").values()
    limits = {rule["Name"]: rule["Statement"]["RateBasedStatement"]["Limit"]
              for rule in acl["Properties"]["Rules"] if "RateBasedStatement" in rule["Statement"]}
    [log_group] = of_type(resources, "AWS::Logs::LogGroup").values()

    assert limits == {RATE_LIMIT_TOKEN: 50, RATE_LIMIT_BASIC_AUTH: 400, RATE_LIMIT_ALL: 700}
    assert limits == {name: rule.limit for name, rule in firewall.rate_rules.items()}
    assert (VARIANT_CONTEXT["wafTokenRateLimit"], VARIANT_CONTEXT["wafBasicAuthRateLimit"],
            VARIANT_CONTEXT["wafRateLimit"]) == (50, 400, 700)
    assert acl["Properties"]["Name"] == "FirewallAlone-prod-api"
    assert all(rule["VisibilityConfig"]["MetricName"].startswith("badges-prod-") for rule in acl["Properties"]["Rules"])
    assert log_group["Properties"]["RetentionInDays"] == VARIANT_CONTEXT["logRetentionDays"]
    assert log_group["DeletionPolicy"] == "Retain"


def test_authorizer_cache_ttl_reaches_the_function_and_never_api_gateway(variant):
    [authorizer] = of_type(variant.resources, "AWS::ApiGateway::Authorizer").values()
    _, function = function_for(variant, AUTHORIZER_HANDLER)

    assert authorizer["Properties"]["AuthorizerResultTtlInSeconds"] == 0
    assert "IdentitySource" not in authorizer["Properties"]
    assert function["Properties"]["Environment"]["Variables"][AUTH_CACHE_TTL_ENV] == "45"


# --- Lambda -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("handler", list(HANDLERS))
def test_architecture_memory_retention_and_reserved_concurrency_come_from_context(variant, handler):
    _, function = function_for(variant, handler)
    properties = function["Properties"]
    log_group = properties["LoggingConfig"]["LogGroup"]["Ref"]

    assert properties["Architectures"] == ["x86_64"]
    memory = VARIANT_CONTEXT["authorizerMemorySize" if handler == AUTHORIZER_HANDLER else "lambdaMemorySize"]
    assert properties["MemorySize"] == memory
    assert properties.get("ReservedConcurrentExecutions") == RESERVED.get(handler)
    # A reserved function meets checkov's concurrency check; only the others skip it.
    assert ("CKV_AWS_115" in checkov_skips(function)) == (handler not in RESERVED)
    assert variant.resources[log_group]["Properties"]["RetentionInDays"] == 14


def test_layers_follow_the_architecture(variant):
    functions = variant.stack.functions
    layers = [variant.resources[variant.logical_id(layer)]["Properties"]
              for layer in (functions.domain_layer, functions.libraries_layer)]
    parameters = variant.raw["Parameters"]
    pinned = powertools_parameter_name(DEFAULTS["powertoolsVersion"], ARCHITECTURES["x86_64"])

    assert [layer["CompatibleArchitectures"] for layer in layers] == [["x86_64"], ["x86_64"]]
    assert any(p["Default"] == pinned for p in parameters.values())
    assert not any("/arm64/" in str(p.get("Default")) for p in parameters.values())


def test_every_log_group_keeps_the_context_retention(variant):
    for logical_id, log_group in of_type(variant.resources, "AWS::Logs::LogGroup").items():
        assert log_group["Properties"]["RetentionInDays"] == VARIANT_CONTEXT["logRetentionDays"], logical_id


# --- prod, alarms -----------------------------------------------------------------------------------


def test_prod_keeps_its_data_when_the_stack_goes(variant):
    for kind in ("AWS::DynamoDB::Table", "AWS::SecretsManager::Secret", "AWS::SQS::Queue", "AWS::Events::EventBus",
                 "AWS::Logs::LogGroup", "AWS::KMS::Key"):
        found = of_type(variant.resources, kind)
        assert found, kind
        for logical_id, resource in found.items():
            assert resource["DeletionPolicy"] == "Retain", logical_id
    for table in of_type(variant.resources, "AWS::DynamoDB::Table").values():
        assert table["Properties"]["DeletionProtectionEnabled"] is True


def test_latency_threshold_and_alarm_email_come_from_context(variant):
    latency = variant.resources[variant.logical_id(variant.stack.monitoring.alarms["ApiLatencyP99"])]
    [subscription] = of_type(variant.resources, "AWS::SNS::Subscription").values()

    assert latency["Properties"]["Threshold"] == VARIANT_CONTEXT["apiLatencyP99Ms"]
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == VARIANT_CONTEXT["alarmEmail"]
    assert subscription["Properties"]["TopicArn"] == {
        "Ref": variant.logical_id(variant.stack.monitoring.topic)}


# --- settings parsing, no synth ---------------------------------------------------------------------


def test_settings_read_cli_strings():
    context = {"deletionProtection": "true", "authorizerCacheTtlSeconds": "0", "wafEnabled": "false",
               "reservedConcurrency": '{"earn": "25"}', "logRetentionDays": "90", "throttleRateLimit": "50",
               "wafRateLimit": "10", "wafTokenRateLimit": "10", "wafBasicAuthRateLimit": "10"}
    settings = StackSettings.from_context(App(context=context).node)

    assert settings.deletion_protection is True
    assert settings.authorizer_cache_ttl_seconds == 0
    assert settings.waf_enabled is False
    assert (settings.waf_rate_limit, settings.waf_token_rate_limit, settings.waf_basic_auth_rate_limit) == (10, 10, 10)
    assert settings.reserved_concurrency == {"earn": 25}
    assert settings.log_retention_days == 90
    assert settings.throttle_rate_limit == 50


@pytest.mark.parametrize("context", [
    {"lambdaArchitecture": "arm"},
    {"logRetentionDays": 31},
    {"reservedConcurrency": '{"earn": 0}'},
    {"reservedConcurrency": "[1, 2]"},
    {"wafTokenRateLimit": 9},  # WAF's least limit is 10
    {"wafRateLimit": 2_000_000_001},
    {"wafBasicAuthRateLimit": "lots"},
    {"wafBasicAuthRateLimit": 30001},  # above the per-IP limit (30,000): that would block first
    {"wafRateLimit": 99},  # below the token limit (100)
])
def test_settings_refuse_values_the_template_could_not_take(context):
    with pytest.raises(ValueError):
        StackSettings.from_context(App(context=context).node)


@pytest.mark.parametrize(("value", "enabled"), [(None, True), ("true", True), ("false", False), (False, False)])
def test_waf_is_on_unless_the_context_turns_it_off(value, enabled):
    context = {} if value is None else {"wafEnabled": value}

    assert StackSettings.from_context(App(context=context).node).waf_enabled is enabled


def test_reserved_concurrency_for_an_unknown_handler_is_refused():
    settings = StackSettings.from_context(App(context={"reservedConcurrency": {"ear": 5}}).node)

    with pytest.raises(KeyError, match="ear"):
        function_specs(settings)
