"""The REST API: one proxy method per route, the fallback on every resource, a Lambda authorizer on every method
but the public token endpoint, and stage throttling (the web ACL on the stage is infra/waf.py)."""
from __future__ import annotations

import json
import re

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_logs as logs
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

        if not settings.waf_enabled:  # otherwise the stack puts infra/waf.py's web ACL on the stage
            acknowledge(
                self.rest_api.deployment_stage,
                "APIG3",
                "WAF was turned off with -c wafEnabled=false (it is on by default): stage throttling and the "
                "authorizer guard the API without it, but nothing limits password attempts per client.",
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
