"""What an operator watches: alarms on the API, its web ACL, the functions, the tables and the event pipes, all to
one encrypted SNS topic, and one dashboard."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from badges.routes import function_id
from infra.api import BadgesApi
from infra.data import table_construct_id
from infra.functions import BadgesFunctions, HandlerFunction
from infra.nag import lint_acknowledge
from infra.pipes import EventPipes
from infra.settings import StackSettings
from infra.waf import ApiFirewall

PERIOD = Duration.minutes(5)
API_5XX_PERCENT = 1  # of requests in 5 minutes
TRANSACTION_CONFLICTS = 100  # in 5 minutes, sustained for 3 periods: contention that retries no longer absorb
WAF_RATE_LIMITED = 100  # requests the web ACL's rate limits answered 429 in 5 minutes
METRICS_NAMESPACE = "Badges"
# The authorizer refuses a caller by raising "Unauthorized" (API Gateway's only way to answer 401), which Lambda
# counts as an error; it logs this message first, so refusals can be told apart from faults.
AUTHORIZER_REFUSED_MESSAGE = "refused credentials"
AUTHORIZER_REFUSALS_METRIC = "AuthorizerRefusals"
PIPES_NAMESPACE = "AWS/EventBridge/Pipes"

# The DynamoDB calls that carry an Operation dimension on ThrottledRequests: a declared action
# "dynamodb:<Operation>" among these is counted. ConditionCheckItem is part of a TransactWriteItems and has none.
OPERATIONS = ("GetItem", "BatchGetItem", "Query", "Scan", "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem",
              "TransactWriteItems", "TransactGetItems")
MAX_ALARM_METRICS = 10  # CloudWatch's limit on the metrics one alarm's math expression may use


@dataclass(frozen=True)
class TableUse:
    """What the functions do to one table: the operations they call, and whether they write transactionally."""

    operations: tuple[str, ...]
    transactional: bool


def table_uses(functions: BadgesFunctions) -> dict[str, TableUse]:
    """Per logical table, the operations the functions' declared actions call, in a stable order."""
    actions_by_table: dict[str, set[str]] = {}
    for function in functions.all:
        for logical_name, table_actions in function.spec.table_actions.items():
            # IAM has no action for a transaction; the route table says which functions call one.
            calls = {"dynamodb:TransactWriteItems"} if function.spec.transactions else set()
            actions_by_table.setdefault(logical_name, set()).update(table_actions, calls)
    return {
        logical_name: TableUse(
            operations=tuple(op for op in OPERATIONS if f"dynamodb:{op}" in found),
            transactional="dynamodb:TransactWriteItems" in found,
        )
        for logical_name, found in actions_by_table.items()
    }


class Monitoring(Construct):
    """The alarm topic, every alarm (each says what it means), and the dashboard."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api: BadgesApi,
        firewall: ApiFirewall | None,
        functions: BadgesFunctions,
        tables: Mapping[str, dynamodb.Table],
        events: EventPipes,
        settings: StackSettings,
    ) -> None:
        super().__init__(scope, construct_id)
        removal_policy = RemovalPolicy.RETAIN if settings.is_prod else RemovalPolicy.DESTROY
        self.topic = self._topic(settings, removal_policy)
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        stage = api.rest_api.deployment_stage

        # --- API ---------------------------------------------------------------------------------------
        self._alarm(
            "Api5xxRate",
            cloudwatch.MathExpression(
                expression="IF(requests > 0, 100 * errors / requests, 0)",
                using_metrics={
                    "errors": stage.metric_server_error(statistic="Sum", period=PERIOD),
                    "requests": stage.metric_count(statistic="Sum", period=PERIOD),
                },
                label="5XX responses, % of requests",
                period=PERIOD,
            ),
            threshold=API_5XX_PERCENT,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            description=f"More than {API_5XX_PERCENT}% of the API's responses in 5 minutes were 5XX: functions "
            "failing or timing out, the authorizer failing, or DynamoDB throttling or conflicting past the "
            "retries (503). Look at the Lambda and DynamoDB alarms and the functions' logs.",
        )
        self._alarm(
            "ApiLatencyP99",
            stage.metric_latency(statistic="p99", period=PERIOD),
            threshold=settings.api_latency_p99_ms,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=3,
            datapoints_to_alarm=2,
            description=f"The API's p99 latency exceeded {settings.api_latency_p99_ms} ms in 2 of the last 3 "
            "5-minute periods: cold starts under a traffic jump, slow DynamoDB calls, retried transaction "
            "conflicts on a hot badge, or a slow authorizer (an uncached scrypt check). Compare "
            "IntegrationLatency and the functions' durations on the dashboard.",
        )

        if firewall is not None:
            self._alarm(
                "WafRateLimited",
                self._sum(
                    {f"blocked{i}": firewall.blocked(rule.metric_name, PERIOD)
                     for i, rule in enumerate(firewall.rate_rules.values())},
                    label="requests over a WAF rate limit (429)",
                ),
                threshold=WAF_RATE_LIMITED,
                description=f"The web ACL answered at least {WAF_RATE_LIMITED} requests with 429 in 5 minutes "
                "because a client IP went over a rate limit: on the token endpoint "
                f"({settings.waf_token_rate_limit}), on requests with Basic credentials "
                f"({settings.waf_basic_auth_rate_limit}) or on all its requests ({settings.waf_rate_limit}), per "
                "5 minutes. Someone guessing secrets, or a legitimate caller grown past the limit: the web ACL's "
                "log group (aws-waf-logs-...) names the IP and the rule. Raise the limit by context if the caller "
                "is legitimate.",
            )

        # --- Lambda ------------------------------------------------------------------------------------
        for function in functions.all:
            name = function_id(function.spec.handler)
            if function is not functions.authorizer:
                self._alarm(
                    f"{name}Errors",
                    function.function.metric_errors(statistic="Sum", period=PERIOD),
                    threshold=1,
                    description=f"The {function.spec.handler} function failed at least once in 5 minutes "
                    "outside its own error handling: a timeout, running out of memory, or a failure while "
                    "loading. " + ("Its pipe retries the batch, then dead-letters it." if function.spec.handler
                                   in functions.enrichments else "Callers got a 5XX.")
                    + " Read its log group for the request id.",
                )
            self._alarm(
                f"{name}Throttles",
                function.function.metric_throttles(statistic="Sum", period=PERIOD),
                threshold=1,
                description=f"Lambda throttled the {function.spec.handler} function in the last 5 minutes: it "
                "reached its reserved concurrency (context reservedConcurrency) or the account's concurrency "
                "limit. Raise the reservation or the account quota, or look for a traffic surge.",
            )
        self._alarm(
            "AuthorizerErrors",
            self._authorizer_faults(functions.authorizer),
            threshold=1,
            evaluation_periods=2,
            datapoints_to_alarm=2,
            description="The authorizer failed (not a refused caller) in each of the last two 5-minute periods: "
            "it timed out or raised, e.g. it cannot read the credentials table or the OAuth key secret. Every "
            "caller gets a 500 while it lasts. Read the authorizer's log group.",
        )

        # --- DynamoDB ----------------------------------------------------------------------------------
        for logical_name, use in table_uses(functions).items():
            table = tables[logical_name]
            name = table_construct_id(logical_name)
            self._alarm(
                f"{name}TableThrottles",
                self._sum(self._throttled_requests(table, use), label=f"{logical_name} throttled requests"),
                threshold=1,
                description=f"DynamoDB throttled requests to the {logical_name} table in the last 5 minutes, "
                "over every operation the functions call: a hot partition or item (one badge earned faster "
                "than about 500 times a second) or the account's on-demand table limits. Callers got 503 with "
                "Retry-After once the retries ran out.",
            )
            if use.transactional:
                self._alarm(
                    f"{name}TableTransactionConflicts",
                    cloudwatch.Metric(
                        namespace="AWS/DynamoDB",
                        metric_name="TransactionConflict",
                        dimensions_map={"TableName": table.table_name},
                        statistic="Sum",
                        period=PERIOD,
                    ),
                    threshold=TRANSACTION_CONFLICTS,
                    evaluation_periods=3,
                    description=f"At least {TRANSACTION_CONFLICTS} transactional writes to the {logical_name} "
                    "table conflicted in each of the last three 5-minute periods: many concurrent earns of one "
                    "badge, or edits racing earns. They are retried; past the retries callers get 503. Find the "
                    "hot badge in the logs and split its limits if the load is expected.",
                )

        # --- Events ------------------------------------------------------------------------------------
        self._alarm(
            "EventDeadLetters",
            events.dead_letters.metric_approximate_number_of_messages_visible(statistic="Maximum", period=PERIOD),
            threshold=1,
            description="Events could not be delivered: the bus refused a stream batch after every retry and the "
            "pipe dead-lettered it. The message names the shard and sequence numbers; the records stay in the "
            "stream for 24 hours only. Fix the cause, then replay (infra/README.md, Events: replaying dead letters).",
        )
        self._alarm(
            "EventPipeFailures",
            self._sum(
                {f"failed{i}": self._pipe_metric(pipe.ref, "ExecutionFailed")
                 for i, pipe in enumerate(events.pipes.values())},
                label="pipe executions failed",
            ),
            threshold=1,
            evaluation_periods=3,
            description="The event pipes failed executions in each of the last three 5-minute periods: the bus or "
            "the pipes' role is refusing events, which are being retried and then dead-lettered. Events are "
            "late until it is fixed.",
        )

        self.dashboard = self._dashboard(api, firewall, functions, tables, events)

    # --- pieces ------------------------------------------------------------------------------------------

    def _topic(self, settings: StackSettings, removal_policy: RemovalPolicy) -> sns.Topic:
        stack = Stack.of(self)
        # CloudWatch cannot publish to a topic under the AWS managed SNS key (its policy cannot be changed to
        # let CloudWatch use it), so the topic has its own key.
        key = kms.Key(
            self,
            "AlarmTopicKey",
            description="Encrypts the Badges alarm topic",
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" is this key
            )
        )
        lint_acknowledge(key.node.default_child, "parliament", "RESOURCE_STAR",
                         "A key policy names no other resource: its \"*\" is this key (KMS developer guide, \"Key "
                         "policies\"). The root statement is CDK's default (IAM policies decide), CloudWatch may only "
                         "decrypt and make data keys, and grants are denied but for AWS services' resources.")
        # Grants of this key only for AWS services' resources (Control Tower's CT.KMS.PR.3): none is needed here.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["kms:CreateGrant"],
                resources=["*"],
                conditions={"BoolIfExists": {"kms:GrantIsForAWSResource": "false",
                                             "aws:PrincipalIsAWSService": "false"}},
            )
        )
        topic = sns.Topic(self, "AlarmTopic", display_name="Badges alarms", master_key=key, enforce_ssl=True)
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {"aws:SourceArn": f"arn:{stack.partition}:cloudwatch:{stack.region}:{stack.account}"
                                                 ":alarm:*"},
                },
            )
        )
        if settings.alarm_email:
            topic.add_subscription(subscriptions.EmailSubscription(settings.alarm_email))
        return topic

    def _alarm(
        self,
        construct_id: str,
        metric: cloudwatch.IMetric,
        *,
        threshold: float,
        description: str,
        comparison: cloudwatch.ComparisonOperator = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluation_periods: int = 1,
        datapoints_to_alarm: int | None = None,
    ) -> None:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=datapoints_to_alarm,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,  # no traffic is not a fault
            alarm_description=description,
        )
        alarm.add_alarm_action(actions.SnsAction(self.topic))
        alarm.add_ok_action(actions.SnsAction(self.topic))
        self.alarms[construct_id] = alarm

    def _authorizer_faults(self, authorizer: HandlerFunction) -> cloudwatch.MathExpression:
        """The authorizer's errors less its refusals, counted from its refusal log line."""
        refusals = logs.MetricFilter(
            self,
            "AuthorizerRefusalsFilter",
            log_group=authorizer.log_group,
            filter_pattern=logs.FilterPattern.string_value("$.message", "=", AUTHORIZER_REFUSED_MESSAGE),
            metric_namespace=METRICS_NAMESPACE,
            metric_name=AUTHORIZER_REFUSALS_METRIC,
            metric_value="1",
            # Per function (Powertools logs its name), so two stacks in one account keep their own counts.
            dimensions={"FunctionName": "$.function_name"},
        )
        self.authorizer_refusals = refusals
        return cloudwatch.MathExpression(
            expression="FILL(errors, 0) - FILL(refusals, 0)",
            using_metrics={
                "errors": authorizer.function.metric_errors(statistic="Sum", period=PERIOD),
                "refusals": self.authorizer_refusals_metric(authorizer),
            },
            label="authorizer faults (errors less refusals)",
            period=PERIOD,
        )

    @staticmethod
    def authorizer_refusals_metric(authorizer: HandlerFunction) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace=METRICS_NAMESPACE,
            metric_name=AUTHORIZER_REFUSALS_METRIC,
            dimensions_map={"FunctionName": authorizer.function.function_name},
            statistic="Sum",
            period=PERIOD,
        )

    @staticmethod
    def _throttled_requests(table: dynamodb.Table, use: TableUse) -> dict[str, cloudwatch.IMetric]:
        """ThrottledRequests of each operation the functions call on the table, by metric-math id."""
        return {
            operation.lower(): cloudwatch.Metric(
                namespace="AWS/DynamoDB",
                metric_name="ThrottledRequests",
                dimensions_map={"TableName": table.table_name, "Operation": operation},
                statistic="Sum",
                period=PERIOD,
            )
            for operation in use.operations
        }

    @staticmethod
    def _pipe_metric(pipe_name: str, metric_name: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace=PIPES_NAMESPACE,
            metric_name=metric_name,
            dimensions_map={"PipeName": pipe_name},
            statistic="Sum",
            period=PERIOD,
        )

    @staticmethod
    def _sum(metrics: dict[str, cloudwatch.IMetric], *, label: str) -> cloudwatch.MathExpression:
        """The sum of the metrics, a period without data counting as 0 (these metrics are only emitted when
        something happens)."""
        if not 0 < len(metrics) <= MAX_ALARM_METRICS:
            raise ValueError(f"an alarm's expression takes 1 to {MAX_ALARM_METRICS} metrics, not {len(metrics)}")
        return cloudwatch.MathExpression(
            expression=" + ".join(f"FILL({name}, 0)" for name in metrics),
            using_metrics=metrics,
            label=label,
            period=PERIOD,
        )

    def _dashboard(
        self,
        api: BadgesApi,
        firewall: ApiFirewall | None,
        functions: BadgesFunctions,
        tables: Mapping[str, dynamodb.Table],
        events: EventPipes,
    ) -> cloudwatch.Dashboard:
        stage = api.rest_api.deployment_stage
        everything = functions.all

        def per_function(metric_name: str, statistic: str) -> list[cloudwatch.IMetric]:
            return [f.function.metric(metric_name, statistic=statistic, period=PERIOD, label=f.spec.handler)
                    for f in everything]

        dashboard = cloudwatch.Dashboard(self, "Dashboard", default_interval=Duration.hours(3))
        dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=list(self.alarms.values()), width=24, height=4)
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="API requests and errors",
                left=[stage.metric_count(statistic="Sum", period=PERIOD, label="requests")],
                right=[stage.metric_client_error(statistic="Sum", period=PERIOD, label="4XX"),
                       stage.metric_server_error(statistic="Sum", period=PERIOD, label="5XX")],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="API latency (ms)",
                left=[stage.metric_latency(statistic="p50", period=PERIOD, label="p50"),
                      stage.metric_latency(statistic="p99", period=PERIOD, label="p99"),
                      stage.metric_integration_latency(statistic="p99", period=PERIOD, label="integration p99")],
                width=12,
            ),
        )
        if firewall is not None:
            rules = {**{rule.name: rule.metric_name for rule in firewall.rate_rules.values()},
                     **firewall.managed_rule_metrics}
            dashboard.add_widgets(cloudwatch.GraphWidget(
                title="WAF: requests blocked, by rule (rate limits 429, managed rules 403)",
                left=[firewall.blocked(metric_name, PERIOD).with_(label=name) for name, metric_name in rules.items()],
                width=24,
            ))
        dashboard.add_widgets(
            cloudwatch.GraphWidget(title="Lambda errors", left=per_function("Errors", "Sum"), width=8),
            cloudwatch.GraphWidget(title="Lambda throttles", left=per_function("Throttles", "Sum"), width=8),
            cloudwatch.GraphWidget(title="Lambda duration p99 (ms)", left=per_function("Duration", "p99"),
                                   width=8),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Authorizer: invocations, refusals, errors",
                left=[functions.authorizer.function.metric_invocations(statistic="Sum", period=PERIOD),
                      self.authorizer_refusals_metric(functions.authorizer),
                      functions.authorizer.function.metric_errors(statistic="Sum", period=PERIOD)],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Lambda concurrent executions",
                left=per_function("ConcurrentExecutions", "Maximum"),
                width=16,
            ),
        )
        uses = table_uses(functions)
        dashboard.add_widgets(*[
            cloudwatch.GraphWidget(
                title=f"DynamoDB {logical_name}",
                left=[table.metric_consumed_read_capacity_units(statistic="Sum", period=PERIOD, label="RCU"),
                      table.metric_consumed_write_capacity_units(statistic="Sum", period=PERIOD, label="WCU")],
                right=[
                    self._sum(self._throttled_requests(table, uses[logical_name]), label="throttled requests"),
                    cloudwatch.Metric(namespace="AWS/DynamoDB", metric_name="TransactionConflict",
                                      dimensions_map={"TableName": table.table_name}, statistic="Sum",
                                      period=PERIOD, label="transaction conflicts"),
                ],
                width=12,
            )
            for logical_name, table in tables.items() if logical_name in uses
        ])
        pipe_metrics = [
            self._pipe_metric(pipe.ref, metric_name).with_(label=f"{detail_type} {metric_name}")
            for detail_type, pipe in events.pipes.items()
            for metric_name in ("EventCount", "ExecutionFailed")
        ]
        dashboard.add_widgets(
            cloudwatch.GraphWidget(title="Event pipes", left=pipe_metrics, width=12),
            cloudwatch.GraphWidget(
                title="Event dead letters",
                left=[events.dead_letters.metric_approximate_number_of_messages_visible(
                    statistic="Maximum", period=PERIOD, label="messages")],
                width=12,
            ),
        )
        return dashboard
