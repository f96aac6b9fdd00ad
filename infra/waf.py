"""The web ACL on the API's stage (context wafEnabled, on by default): per-client-IP rate limits on what makes the
service hash a secret (the token endpoint, requests carrying Basic credentials) and on every request, answered 429
in the service's envelope; AWS's managed common and known-bad-inputs rule groups; CloudWatch metrics per rule and
a log of the requests it blocks."""
from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from badges.domain.errors import Err
from badges.routes import ROUTES
from badges.service.auth import OAUTH_HEADER
from infra.api import envelope
from infra.functions import log_retention, skip_log_group_checks
from infra.settings import StackSettings

# The one route that checks a key and secret in its body, with no authorizer in front of it.
TOKEN_PATH = next(route.full_path for route in ROUTES if route.handler == "generate_token")
RATE_WINDOW_SECONDS = 300  # WAF accepts 60, 120, 300 or 600
# WAF lifts a block once its estimate of the last window's rate is under the limit again (AWS: usually within
# 30 seconds of the rate dropping); a minute is a fair first wait for a caller that honours Retry-After.
RETRY_AFTER_SECONDS = 60
TOO_MANY_REQUESTS_BODY = "too-many-requests"  # the key of the web ACL's custom response body

RATE_LIMIT_TOKEN = "RateLimitTokenPerIp"
RATE_LIMIT_BASIC_AUTH = "RateLimitBasicAuthPerIp"
RATE_LIMIT_ALL = "RateLimitPerIp"
WAF_COMMON_RULE_SET = "AWSManagedRulesCommonRuleSet"
WAF_KNOWN_BAD_INPUTS_RULE_SET = "AWSManagedRulesKnownBadInputsRuleSet"
# Left out of the log of blocked requests: they carry credentials.
REDACTED_HEADERS = ("authorization", OAUTH_HEADER)
WAF_NAMESPACE = "AWS/WAFV2"


def too_many_requests_body() -> str:
    """What a caller over a rate limit reads: the envelope API Gateway's own throttling answers with."""
    return envelope(Err.TOO_MANY_REQUESTS.code, Err.TOO_MANY_REQUESTS.value.message)


@dataclass(frozen=True)
class RateRule:
    name: str
    metric_name: str
    limit: int


class ApiFirewall(Construct):
    """A regional web ACL, associated with the stage, and the log group of what it blocks."""

    def __init__(
        self, scope: Construct, construct_id: str, *, stage: apigw.Stage, settings: StackSettings,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.name = f"{stack.stack_name}-{settings.stage}-api"

        def metric_name(rule: str) -> str:
            return f"badges-{settings.stage}-{rule}"

        def visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
            return wafv2.CfnWebACL.VisibilityConfigProperty(
                cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
            )

        self.rate_rules = {
            rule.name: rule
            for rule in (
                RateRule(RATE_LIMIT_TOKEN, metric_name("rate-limit-token"), settings.waf_token_rate_limit),
                RateRule(RATE_LIMIT_BASIC_AUTH, metric_name("rate-limit-basic-auth"),
                         settings.waf_basic_auth_rate_limit),
                RateRule(RATE_LIMIT_ALL, metric_name("rate-limit-per-ip"), settings.waf_rate_limit),
            )
        }
        self.managed_rule_metrics = {name: metric_name(name) for name in (WAF_COMMON_RULE_SET,
                                                                           WAF_KNOWN_BAD_INPUTS_RULE_SET)}
        scope_downs = {
            # The path as API Gateway would route it, whatever the stage prefix, encoding, slashes or case.
            RATE_LIMIT_TOKEN: byte_match(
                wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}), TOKEN_PATH.lower(),
                ("URL_DECODE", "NORMALIZE_PATH", "LOWERCASE"),
            ),
            # Any Authorization header naming the Basic scheme, in any case (the authorizer reads it so).
            RATE_LIMIT_BASIC_AUTH: byte_match(
                wafv2.CfnWebACL.FieldToMatchProperty(single_header={"Name": "authorization"}), "basic ",
                ("LOWERCASE",),
            ),
            RATE_LIMIT_ALL: None,
        }
        rate_rules = [
            self._rate_rule(rule, priority, scope_downs[rule.name], visibility(rule.metric_name))
            for priority, rule in enumerate(self.rate_rules.values())
        ]
        managed_rules = [
            # SizeRestrictions_BODY blocks bodies over 8 KB; bulk earns and issues are larger and the functions
            # refuse anything over their own limit (413), so it only counts.
            managed(WAF_COMMON_RULE_SET, len(rate_rules), visibility(self.managed_rule_metrics[WAF_COMMON_RULE_SET]),
                    overrides=("SizeRestrictions_BODY",)),
            managed(WAF_KNOWN_BAD_INPUTS_RULE_SET, len(rate_rules) + 1,
                    visibility(self.managed_rule_metrics[WAF_KNOWN_BAD_INPUTS_RULE_SET])),
        ]
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=self.name,
            scope="REGIONAL",
            # CloudFormation allows letters, digits, whitespace and =:#@/-,.+ only.
            description="Badges API: per-IP rate limits on the token endpoint, on Basic credentials and on all "
            "requests, answered 429, then the AWS managed common and known-bad-inputs rules, answered 403",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=visibility(metric_name("web-acl")),
            custom_response_bodies={
                TOO_MANY_REQUESTS_BODY: wafv2.CfnWebACL.CustomResponseBodyProperty(
                    content_type="APPLICATION_JSON", content=too_many_requests_body()
                )
            },
            rules=[*rate_rules, *managed_rules],
        )
        self.association = wafv2.CfnWebACLAssociation(
            self, "WebAclAssociation", resource_arn=stage.stage_arn, web_acl_arn=self.web_acl.attr_arn
        )

        # Blocked requests only (allowed ones are in the stage's access log), the credentials redacted.
        self.log_group = logs.LogGroup(
            self,
            "BlockedRequests",
            log_group_name=f"aws-waf-logs-{stack.stack_name}-{settings.stage}",  # WAF requires the prefix
            retention=log_retention(settings.log_retention_days),
            removal_policy=removal_policy,
        )
        skip_log_group_checks(self.log_group.node.default_child)
        self.logging = wafv2.CfnLoggingConfiguration(
            self,
            "Logging",
            resource_arn=self.web_acl.attr_arn,
            # WAF wants the log group's ARN without the ":*" CloudFormation's Arn attribute ends with.
            log_destination_configs=[stack.format_arn(
                service="logs", resource="log-group", resource_name=self.log_group.log_group_name,
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )],
            redacted_fields=[wafv2.CfnLoggingConfiguration.FieldToMatchProperty(single_header={"Name": header})
                             for header in REDACTED_HEADERS],
            logging_filter={
                "DefaultBehavior": "DROP",
                "Filters": [{"Behavior": "KEEP", "Requirement": "MEETS_ANY",
                             "Conditions": [{"ActionCondition": {"Action": "BLOCK"}}]}],
            },
        )

    def blocked(self, metric_name: str, period: Duration) -> cloudwatch.Metric:
        """BlockedRequests of one rule, by the rule's metric name ("ALL" for the whole web ACL)."""
        return cloudwatch.Metric(
            namespace=WAF_NAMESPACE,
            metric_name="BlockedRequests",
            dimensions_map={"WebACL": self.name, "Region": Stack.of(self).region, "Rule": metric_name},
            statistic="Sum",
            period=period,
        )

    @staticmethod
    def _rate_rule(
        rule: RateRule, priority: int, scope_down: wafv2.CfnWebACL.StatementProperty | None,
        visibility: wafv2.CfnWebACL.VisibilityConfigProperty,
    ) -> wafv2.CfnWebACL.RuleProperty:
        return wafv2.CfnWebACL.RuleProperty(
            name=rule.name,
            priority=priority,
            action=wafv2.CfnWebACL.RuleActionProperty(
                block=wafv2.CfnWebACL.BlockActionProperty(
                    custom_response=wafv2.CfnWebACL.CustomResponseProperty(
                        response_code=429,
                        custom_response_body_key=TOO_MANY_REQUESTS_BODY,
                        response_headers=[wafv2.CfnWebACL.CustomHTTPHeaderProperty(
                            name="Retry-After", value=str(RETRY_AFTER_SECONDS))],
                    )
                )
            ),
            statement=wafv2.CfnWebACL.StatementProperty(
                rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                    limit=rule.limit,
                    aggregate_key_type="IP",
                    evaluation_window_sec=RATE_WINDOW_SECONDS,
                    scope_down_statement=scope_down,
                )
            ),
            visibility_config=visibility,
        )


def byte_match(
    field: wafv2.CfnWebACL.FieldToMatchProperty, search: str, transformations: tuple[str, ...]
) -> wafv2.CfnWebACL.StatementProperty:
    """A statement matching requests whose field, transformed in this order, contains the search string."""
    return wafv2.CfnWebACL.StatementProperty(
        byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
            field_to_match=field,
            positional_constraint="CONTAINS",
            search_string=search,
            text_transformations=[wafv2.CfnWebACL.TextTransformationProperty(priority=i, type=kind)
                                  for i, kind in enumerate(transformations)],
        )
    )


def managed(
    name: str, priority: int, visibility: wafv2.CfnWebACL.VisibilityConfigProperty, overrides: tuple[str, ...] = ()
) -> wafv2.CfnWebACL.RuleProperty:
    """An AWS managed rule group with its own actions, but for the rules named in overrides, which only count."""
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name="AWS",
                name=name,
                rule_action_overrides=[
                    wafv2.CfnWebACL.RuleActionOverrideProperty(
                        name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
                    )
                    for rule in overrides
                ] or None,
            )
        ),
        visibility_config=visibility,
    )
