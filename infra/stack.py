"""BadgesStack: tables, the two key secrets, functions, the API and its web ACL, events and monitoring, composed;
build_app wires the stack and cdk-nag into an App."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import App, CfnOutput, RemovalPolicy, Stack, Validations
from aws_cdk import aws_lambda as lambda_
from cdk_nag import AwsSolutionsChecks
from constructs import Construct

from badges.routes import BASE_PATH
from badges.store.tables import BADGES
from infra.api import BadgesApi
from infra.data import DataTables, table_construct_id
from infra.functions import FUNCTIONS_DIR, BadgesFunctions
from infra.monitoring import Monitoring
from infra.nag import lint_acknowledge
from infra.oauth import OAuthKeys
from infra.page_tokens import PageTokenKey
from infra.pipes import EventPipes
from infra.settings import StackSettings
from infra.waf import ApiFirewall

STACK_ID = "BadgesStack"


class BadgesStack(Stack):
    """The whole Badges service in one environment-agnostic stack: synth needs no AWS account."""

    firewall: ApiFirewall | None  # the web ACL on the stage, unless -c wafEnabled=false

    def __init__(
        self, scope: Construct, construct_id: str, *, functions_dir: Path = FUNCTIONS_DIR, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.settings = StackSettings.from_context(self.node)
        removal_policy = RemovalPolicy.RETAIN if self.settings.is_prod else RemovalPolicy.DESTROY
        self.data = DataTables(self, "Data", deletion_protection=self.settings.deletion_protection)
        self.oauth = OAuthKeys(self, "OAuth", removal_policy=removal_policy)
        self.page_tokens = PageTokenKey(self, "PageTokens", removal_policy=removal_policy)
        self.functions = BadgesFunctions(
            self,
            "Functions",
            tables=self.data.tables,
            oauth_secret=self.oauth.secret,
            page_token_secret=self.page_tokens.secret,
            settings=self.settings,
            functions_dir=functions_dir,
        )
        self.api = BadgesApi(self, "Api", functions=self.functions, settings=self.settings)
        self.firewall = ApiFirewall(
            self, "Firewall", stage=self.api.rest_api.deployment_stage, settings=self.settings,
            removal_policy=removal_policy,
        ) if self.settings.waf_enabled else None
        self.events = EventPipes(
            self, "Events", table=self.data.tables[BADGES.logical_name], removal_policy=removal_policy,
            enrichments={handler: f.function for handler, f in self.functions.enrichments.items()},
        )
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            api=self.api,
            firewall=self.firewall,
            functions=self.functions,
            tables=self.data.tables,
            events=self.events,
            settings=self.settings,
        )

        acknowledge_api_permissions(self)

        CfnOutput(self, "ApiUrl", value=self.api.rest_api.url, description="The stage's root URL")
        CfnOutput(
            self, "ApiBaseUrl", value=self.api.rest_api.url_for_path(BASE_PATH), description="Where the routes start"
        )
        for logical_name, table in self.data.tables.items():
            CfnOutput(
                self,
                f"{table_construct_id(logical_name)}TableName",
                value=table.table_name,
                description=f"The {logical_name} table",
            )
        CfnOutput(self, "EventBusName", value=self.events.bus.event_bus_name,
                  description="The bus badgeEarned and badgeRevoked events arrive on")
        CfnOutput(self, "EventDeadLetterQueueUrl", value=self.events.dead_letters.queue_url,
                  description="Where the pipes put stream batches the bus refused")
        CfnOutput(self, "AlarmTopicArn", value=self.monitoring.topic.topic_arn,
                  description="Every alarm notifies this topic; subscribe to it")
        CfnOutput(self, "OAuthKeySecretArn", value=self.oauth.secret.secret_arn,
                  description="The OAuth signing keys; rotate with badges-admin rotate-oauth-key")
        CfnOutput(self, "DashboardName", value=self.monitoring.dashboard.dashboard_name,
                  description="The CloudWatch dashboard")


def acknowledge_api_permissions(stack: Stack) -> None:
    """API Gateway's permissions to invoke the functions name the API's own execution ARN (SourceArn), which the
    Control Tower rule cannot read (a Fn::Join): acknowledged, each, where the rule reports it."""
    for construct in stack.node.find_all():
        if isinstance(construct, lambda_.CfnPermission) and construct.principal == "apigateway.amazonaws.com":
            if construct.source_arn is None:
                raise ValueError(f"{construct.node.path} lets API Gateway invoke a function from any API")
            lint_acknowledge(construct, "cfn-guard", "lambda_function_public_access_prohibited_check",
                             "Invoked by API Gateway only, for this REST API's own methods: SourceArn is the API's "
                             "execution ARN (arn:...:execute-api:region:account:api/stage/METHOD/path), built with "
                             "Fn::Join, which the rule cannot read as the string it looks for.")


def build_app(app: App | None = None, **stack_kwargs: Any) -> tuple[App, BadgesStack]:
    """The CDK app: one BadgesStack, checked by cdk-nag's AwsSolutions pack when it is synthesized."""
    app = app or App()
    stack = BadgesStack(
        app, STACK_ID, description="Badges API: REST API, Lambdas, DynamoDB, events and alarms", **stack_kwargs
    )
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, stack
