"""The service's events: the badges table's stream, filtered and shaped by one EventBridge Pipe per event type
(by an input template, or by an enrichment Lambda), onto the service's own bus; records the pipe cannot deliver
land in a dead-letter queue."""
from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_pipes as pipes
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from badges.events import EVENTS, SOURCE, EventSpec, filter_json
from infra.nag import acknowledge, checkov_skip, lint_acknowledge

BATCH_SIZE = 10  # records per PutEvents call; at most 10 entries go in one
MAXIMUM_RETRIES = 10  # then the batch's description goes to the dead-letter queue
DLQ_RETENTION = Duration.days(14)  # the longest SQS keeps a message
# What EventBridge Pipes needs of a DynamoDB stream source (Pipes user guide, "Amazon DynamoDB stream as a source":
# execution role permissions): the three reads on the stream's ARN, and ListStreams, which IAM grants on "*" only
# (Service Authorization Reference: it has no resource type), so a grant on the stream's ARN would do nothing.
STREAM_ACTIONS = ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator")
LIST_STREAMS = "dynamodb:ListStreams"


def pipe_construct_id(spec: EventSpec) -> str:
    """badgeEarned -> BadgeEarned: the pipe's construct id."""
    return spec.detail_type[0].upper() + spec.detail_type[1:]


class EventPipes(Construct):
    """The bus, the dead-letter queue, and per event type a pipe with its own least-privilege role."""

    def __init__(
        self, scope: Construct, construct_id: str, *, table: dynamodb.ITable, removal_policy: RemovalPolicy,
        enrichments: Mapping[str, lambda_.IFunction],
    ) -> None:
        super().__init__(scope, construct_id)
        if table.table_stream_arn is None:
            raise ValueError("the events table needs a stream (its TableDefinition's stream_view)")
        self.bus = events.EventBus(self, "Bus", description="Badges events: badgeEarned, badgeRevoked")
        self.bus.apply_removal_policy(removal_policy)
        self.dead_letters = sqs.Queue(
            self,
            "DeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=DLQ_RETENTION,
            removal_policy=removal_policy,
        )
        is_dead_letters = ("This queue is itself the event pipes' dead-letter queue: it holds the stream positions of "
                           "records the bus refused after every retry, for an operator to replay; a queue behind it "
                           "would add nothing.")
        acknowledge(self.dead_letters, "SQS3", is_dead_letters)
        lint_acknowledge(self.dead_letters.node.default_child, "cfn-guard", "sqs_dlq_check", is_dead_letters)
        checkov_skip(
            self.dead_letters.node.default_child,
            "CKV_AWS_27",
            "Encrypted at rest with SSE-SQS (SqsManagedSseEnabled), which this check does not recognise (it looks "
            "for KmsMasterKeyId only); a KMS key would also need KMS permissions on the pipes' roles.",
        )
        self.pipes: dict[str, pipes.CfnPipe] = {}
        self.roles: dict[str, iam.Role] = {}
        for spec in EVENTS:
            self._pipe(spec, table.table_stream_arn, enrichments.get(spec.enrichment) if spec.enrichment else None)

    def _pipe(self, spec: EventSpec, stream_arn: str, enrichment: lambda_.IFunction | None) -> None:
        scope = Construct(self, pipe_construct_id(spec))
        account = Stack.of(self).account
        role = iam.Role(
            scope,
            "Role",
            assumed_by=iam.ServicePrincipal(
                "pipes.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": account}}
            ),
            description=f"The {spec.detail_type} pipe: read the badges stream, "
            + ("invoke its enrichment, " if spec.enrichment else "")
            + "put events on the bus, dead-letter to its queue",
        )
        role.add_to_principal_policy(iam.PolicyStatement(actions=list(STREAM_ACTIONS), resources=[stream_arn]))
        role.add_to_principal_policy(iam.PolicyStatement(actions=[LIST_STREAMS], resources=["*"]))
        acknowledge(role, "IAM5[Resource::*]", "dynamodb:ListStreams supports no resource-level permissions (IAM "
                    "accepts only \"*\" for it); it lists stream ARNs and reads no record. Every other statement of "
                    "this role names its stream, bus, queue or function.")
        role.add_to_principal_policy(iam.PolicyStatement(actions=["events:PutEvents"],
                                                         resources=[self.bus.event_bus_arn]))
        role.add_to_principal_policy(iam.PolicyStatement(actions=["sqs:SendMessage"],
                                                         resources=[self.dead_letters.queue_arn]))
        if spec.enrichment and enrichment is None:
            raise KeyError(f"the {spec.detail_type} pipe's enrichment {spec.enrichment!r} has no function")
        if enrichment is not None:
            role.add_to_principal_policy(iam.PolicyStatement(actions=["lambda:InvokeFunction"],
                                                             resources=[enrichment.function_arn]))
        pipe = pipes.CfnPipe(
            scope,
            "Pipe",
            description=f"DynamoDB stream -> {spec.detail_type} events on the badges bus",
            role_arn=role.role_arn,
            source=stream_arn,
            source_parameters=pipes.CfnPipe.PipeSourceParametersProperty(
                dynamo_db_stream_parameters=pipes.CfnPipe.PipeSourceDynamoDBStreamParametersProperty(
                    starting_position="LATEST",
                    batch_size=BATCH_SIZE,
                    maximum_retry_attempts=MAXIMUM_RETRIES,
                    # A batch the bus partly refuses is split until the refused record stands alone.
                    on_partial_batch_item_failure="AUTOMATIC_BISECT",
                    dead_letter_config=pipes.CfnPipe.DeadLetterConfigProperty(arn=self.dead_letters.queue_arn),
                ),
                filter_criteria=pipes.CfnPipe.FilterCriteriaProperty(
                    filters=[pipes.CfnPipe.FilterProperty(pattern=filter_json(spec))]
                ),
            ),
            # The enrichment is invoked with the filtered batch and answers one detail per record, in order.
            enrichment=enrichment.function_arn if enrichment is not None else None,
            target=self.bus.event_bus_arn,
            target_parameters=pipes.CfnPipe.PipeTargetParametersProperty(
                input_template=spec.input_template,
                event_bridge_event_bus_parameters=pipes.CfnPipe.PipeTargetEventBridgeEventBusParametersProperty(
                    detail_type=spec.detail_type, source=SOURCE
                ),
            ),
        )
        # The pipe validates its role's access when it is created, so the policy must exist first.
        pipe.node.add_dependency(role)
        self.pipes[spec.detail_type] = pipe
        self.roles[spec.detail_type] = role
