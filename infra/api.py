"""The REST API: one proxy method per route, the fallback on every resource, a Lambda authorizer on every method
but the public token endpoint, stage throttling, and WAF behind a context flag."""
from __future__ import annotations

import json
import re

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from badges.routes import BASE_PATH, ROUTES, Route, resource_paths
from infra.functions import BadgesFunctions, log_retention, skip_log_group_checks
from infra.nag import acknowledge, checkov_skip
from infra.settings import StackSettings

# What API Gateway answers by itself, in the service's envelope: (type, status, envelope code, message, headers).
# A status of None keeps the one API Gateway chose (types listed nowhere else); the code then names the family.
GATEWAY_RESPONSES: tuple[tuple[apigw.ResponseType, int | None, int, str, dict[str, str]], ...] = (
    (apigw.ResponseType.UNAUTHORIZED, 401, 401, "Invalid or missing credentials",
     {"WWW-Authenticate": "'Basic realm=\"badges\"'"}),
    (apigw.ResponseType.ACCESS_DENIED, 403, 403, "Forbidden", {}),
    (apigw.ResponseType.INVALID_SIGNATURE, 403, 403, "Forbidden", {}),
    (apigw.ResponseType.EXPIRED_TOKEN, 403, 403, "Forbidden", {}),
    (apigw.ResponseType.INVALID_API_KEY, 403, 403, "Forbidden", {}),
    (apigw.ResponseType.WAF_FILTERED, 403, 403, "Forbidden", {}),
    # API Gateway's answer to a path no resource matches (403 by default).
    (apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN, 404, 404, "Resource not found", {}),
    (apigw.ResponseType.RESOURCE_NOT_FOUND, 404, 404, "Resource not found", {}),
    (apigw.ResponseType.BAD_REQUEST_PARAMETERS, 400, 400, "Invalid request parameters", {}),
    (apigw.ResponseType.BAD_REQUEST_BODY, 400, 400, "Invalid request body", {}),
    (apigw.ResponseType.REQUEST_TOO_LARGE, 413, 413, "Request body too large", {}),
    (apigw.ResponseType.UNSUPPORTED_MEDIA_TYPE, 415, 415, "Unsupported media type", {}),
    (apigw.ResponseType.THROTTLED, 429, 429, "Too many requests", {"Retry-After": "'1'"}),
    (apigw.ResponseType.QUOTA_EXCEEDED, 429, 429, "Too many requests", {"Retry-After": "'60'"}),
    (apigw.ResponseType.INTEGRATION_TIMEOUT, 504, 504, "Request timed out", {}),
    # The authorizer failed rather than refused: its store stayed busy past the retries. Retry, as for any 503.
    (apigw.ResponseType.AUTHORIZER_FAILURE, 503, 503, "Service busy, retry later", {"Retry-After": "'1'"}),
    (apigw.ResponseType.DEFAULT_4_XX, None, 400, "Request rejected", {}),
    (apigw.ResponseType.DEFAULT_5_XX, None, 500, "Internal server error", {}),
)


WAF_COMMON_RULE_SET = "AWSManagedRulesCommonRuleSet"
WAF_KNOWN_BAD_INPUTS_RULE_SET = "AWSManagedRulesKnownBadInputsRuleSet"


def envelope(code: int, message: str) -> str:
    """The error envelope every response carries; plain JSON, nothing for VTL to expand."""
    return json.dumps({"data": None, "errors": [{"code": code, "message": message, "reference": None}],
                       "warnings": []})


def path_parameters(path: str) -> dict[str, bool]:
    """The required request parameters of a path template: /group/{groupId} -> method.request.path.groupId."""
    return {f"method.request.path.{name.rstrip('+')}": True for name in re.findall(r"{([^}]+)}", path)}


class BadgesApi(Construct):
    """The REST API, its stage, access logs, authorizer, request validator and gateway responses."""

    def __init__(
        self, scope: Construct, construct_id: str, *, functions: BadgesFunctions, settings: StackSettings
    ) -> None:
        super().__init__(scope, construct_id)
        removal_policy = RemovalPolicy.RETAIN if settings.is_prod else RemovalPolicy.DESTROY
        access_logs = logs.LogGroup(
            self, "AccessLogs", retention=log_retention(settings.log_retention_days), removal_policy=removal_policy
        )

        # Callers send either `Authorization: Basic ...` or `X-CAP-API-OAUTH-TOKEN`; API Gateway's result cache
        # needs every identity source present, so it stays off and the authorizer caches verified callers itself
        # (BADGES_AUTH_CACHE_TTL). Without identity sources neither header is mandatory.
        self.authorizer = apigw.RequestAuthorizer(
            self,
            "Authorizer",
            handler=functions.authorizer.function,
            identity_sources=[],
            results_cache_ttl=Duration.seconds(0),
        )
        self.authorizer.node.default_child.add_property_deletion_override("IdentitySource")
        self.rest_api = apigw.RestApi(
            self,
            "RestApi",
            rest_api_name=f"badges-{settings.stage}",
            description="Badges API",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            cloud_watch_role=True,  # execution logging needs the account's API Gateway CloudWatch role
            deploy_options=apigw.StageOptions(
                stage_name=settings.stage,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=True,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                tracing_enabled=True,
                logging_level=apigw.MethodLoggingLevel.INFO,
                data_trace_enabled=False,  # bodies carry credentials and customer data
                metrics_enabled=True,
                throttling_rate_limit=settings.throttle_rate_limit,
                throttling_burst_limit=settings.throttle_burst_limit,
            ),
            default_method_options=apigw.MethodOptions(
                authorizer=self.authorizer, authorization_type=apigw.AuthorizationType.CUSTOM
            ),
        )
        skip_log_group_checks(access_logs.node.default_child)
        checkov_skip(
            self.rest_api.deployment_stage.node.default_child,
            "CKV_AWS_120",
            "Answers are per caller and change with every write (counts, claims, earns): API Gateway's cache would "
            "serve one caller's or a stale answer to another. The functions cache what is safe to cache.",
        )
        self.request_validator = self.rest_api.add_request_validator(
            "RequestValidator", validate_request_parameters=True, validate_request_body=True
        )

        self.methods: dict[tuple[str, str], apigw.Method] = {}
        for route in ROUTES:
            self._route(route, apigw.LambdaIntegration(functions.routes[route.handler].function))
        # One permission for every fallback method, so the fallback's resource policy stays small.
        fallback = apigw.LambdaIntegration(functions.fallback.function, scope_permission_to_method=False)
        # Explicit methods win over ANY on the same resource: a known path with another method gets the 405.
        for path in resource_paths():
            self._method(path, "ANY", fallback)
        # Any deeper unknown path under the base path: the fallback's 404.
        self._method(BASE_PATH + "/{proxy+}", "ANY", fallback)

        for response_type, status, code, message, headers in GATEWAY_RESPONSES:
            self.rest_api.add_gateway_response(
                response_type.response_type,
                type=response_type,
                status_code=None if status is None else str(status),
                response_headers=headers or None,
                templates={"application/json": envelope(code, message)},
            )

        self.web_acl = self._web_acl(settings) if settings.waf_enabled else None
        if self.web_acl is None:
            acknowledge(
                self.rest_api.deployment_stage,
                "APIG3",
                "WAF is off by the context flag wafEnabled (turn it on with -c wafEnabled=true); stage throttling "
                "and the authorizer guard the API without it.",
            )
        acknowledge(
            self.rest_api,
            "COG4",
            "Callers authenticate with Capillary-style Basic credentials or the service's own OAuth tokens, "
            "checked by the Lambda REQUEST authorizer on every method but the token endpoint; there is no "
            "Cognito user pool.",
        )
        acknowledge(
            self.rest_api.node.find_child("CloudWatchRole"),
            "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
            "The account-wide API Gateway CloudWatch role takes AWS's own policy for pushing execution logs; "
            "it grants nothing beyond CloudWatch Logs.",
        )

    def _route(self, route: Route, integration: apigw.Integration) -> None:
        method = self._method(route.full_path, route.method, integration, public=route.public)
        self.methods[(route.method, route.full_path)] = method
        if route.public:
            reason = (f"{route.method} {route.full_path} is the endpoint that issues tokens: it checks the key and "
                      "secret in its body itself, so no authorizer can stand in front of it.")
            acknowledge(method, "APIG4", reason)
            acknowledge(method, "COG4", reason)
            checkov_skip(method.node.default_child, "CKV_AWS_59", reason)

    def _method(
        self, path: str, http_method: str, integration: apigw.Integration, *, public: bool = False
    ) -> apigw.Method:
        return self.rest_api.root.resource_for_path(path).add_method(
            http_method,
            integration,
            # NONE without an authorizer drops the default authorizer from this one method.
            authorization_type=apigw.AuthorizationType.NONE if public else None,
            request_validator=self.request_validator,
            request_parameters=path_parameters(path) or None,
        )

    def _web_acl(self, settings: StackSettings) -> wafv2.CfnWebACL:
        """A regional web ACL on the stage: AWS's common and known-bad-inputs rule groups, and a per-IP rate
        limit over 5 minutes."""

        def visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
            return wafv2.CfnWebACL.VisibilityConfigProperty(
                cloud_watch_metrics_enabled=True,
                metric_name=f"badges-{settings.stage}-{name}",
                sampled_requests_enabled=True,
            )

        def managed(name: str, priority: int, overrides: tuple[str, ...] = ()) -> wafv2.CfnWebACL.RuleProperty:
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
                visibility_config=visibility(name),
            )

        web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope="REGIONAL",
            description="Badges API: AWS managed common and known-bad-inputs rules, per-IP rate limit",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=visibility("web-acl"),
            rules=[
                # SizeRestrictions_BODY blocks bodies over 8 KB; bulk earns and issues are larger and the
                # functions refuse anything over their own limit (413), so it only counts.
                managed(WAF_COMMON_RULE_SET, 0, overrides=("SizeRestrictions_BODY",)),
                managed(WAF_KNOWN_BAD_INPUTS_RULE_SET, 1),
                wafv2.CfnWebACL.RuleProperty(
                    name="RateLimitPerIp",
                    priority=2,
                    action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                            limit=settings.waf_rate_limit, aggregate_key_type="IP", evaluation_window_sec=300
                        )
                    ),
                    visibility_config=visibility("rate-limit-per-ip"),
                ),
            ],
        )
        wafv2.CfnWebACLAssociation(
            self,
            "WebAclAssociation",
            resource_arn=self.rest_api.deployment_stage.stage_arn,
            web_acl_arn=web_acl.attr_arn,
        )
        return web_acl
