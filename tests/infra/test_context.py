"""Every CDK context value reaching the template: one synth with all of them away from their defaults (WAF on,
x86_64, reserved concurrency, stage prod ...), plus the settings' parsing of what `-c key=value` hands over."""
from __future__ import annotations

import json

import pytest
from aws_cdk import App

from badges.routes import AUTHORIZER_HANDLER
from infra.api import WAF_COMMON_RULE_SET, WAF_KNOWN_BAD_INPUTS_RULE_SET
from infra.functions import ARCHITECTURES, AUTH_CACHE_TTL_ENV, function_specs, powertools_parameter_name
from infra.settings import DEFAULTS, StackSettings
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


def test_waf_guards_the_stage_with_aws_managed_rules_and_a_per_ip_rate_limit(variant):
    [(acl_id, acl)] = of_type(variant.resources, "AWS::WAFv2::WebACL").items()
    [association] = of_type(variant.resources, "AWS::WAFv2::WebACLAssociation").values()
    properties = acl["Properties"]
    rules = {rule["Name"]: rule for rule in properties["Rules"]}
    stage_id = variant.logical_id(variant.stack.api.rest_api.deployment_stage)

    assert properties["Scope"] == "REGIONAL"
    assert properties["DefaultAction"] == {"Allow": {}}
    for name in (WAF_COMMON_RULE_SET, WAF_KNOWN_BAD_INPUTS_RULE_SET):
        assert rules[name]["Statement"]["ManagedRuleGroupStatement"]["VendorName"] == "AWS"
        assert rules[name]["Statement"]["ManagedRuleGroupStatement"]["Name"] == name
        assert rules[name]["OverrideAction"] == {"None": {}}
    # Bulk bodies exceed the common rule set's 8 KB body limit; the functions enforce their own (413).
    assert rules[WAF_COMMON_RULE_SET]["Statement"]["ManagedRuleGroupStatement"]["RuleActionOverrides"] == [
        {"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}}]
    rate = rules["RateLimitPerIp"]
    assert rate["Action"] == {"Block": {}}
    assert rate["Statement"]["RateBasedStatement"] == {
        "Limit": VARIANT_CONTEXT["wafRateLimit"], "AggregateKeyType": "IP", "EvaluationWindowSec": 300}
    assert len({rule["Priority"] for rule in rules.values()}) == 3
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    assert {"Ref": stage_id} in association["Properties"]["ResourceArn"]["Fn::Join"][1]


def test_with_waf_on_cdk_nag_needs_no_waf_acknowledgement(variant):
    nag = nag_report(variant)

    assert nag["conclusion"] == "success" and nag["violations"] == []
    assert not any(s["ruleName"] == "AwsSolutions-APIG3" for s in nag["suppressedViolations"])


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
    layer = variant.resources[variant.logical_id(variant.stack.functions.domain_layer)]["Properties"]
    parameters = variant.raw["Parameters"]
    pinned = powertools_parameter_name(DEFAULTS["powertoolsVersion"], ARCHITECTURES["x86_64"])

    assert layer["CompatibleArchitectures"] == ["x86_64"]
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
               "reservedConcurrency": '{"earn": "25"}', "logRetentionDays": "90", "throttleRateLimit": "50"}
    settings = StackSettings.from_context(App(context=context).node)

    assert settings.deletion_protection is True
    assert settings.authorizer_cache_ttl_seconds == 0
    assert settings.waf_enabled is False
    assert settings.reserved_concurrency == {"earn": 25}
    assert settings.log_retention_days == 90
    assert settings.throttle_rate_limit == 50


@pytest.mark.parametrize("context", [
    {"lambdaArchitecture": "arm"},
    {"logRetentionDays": 31},
    {"reservedConcurrency": '{"earn": 0}'},
    {"reservedConcurrency": "[1, 2]"},
])
def test_settings_refuse_values_the_template_could_not_take(context):
    with pytest.raises(ValueError):
        StackSettings.from_context(App(context=context).node)


def test_reserved_concurrency_for_an_unknown_handler_is_refused():
    settings = StackSettings.from_context(App(context={"reservedConcurrency": {"ear": 5}}).node)

    with pytest.raises(KeyError, match="ear"):
        function_specs(settings)
