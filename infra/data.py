"""The DynamoDB tables, one per TableDefinition; CloudFormation names them, the Lambdas learn the names by env."""
from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from badges.store.tables import TABLES, TableDefinition
from infra.nag import checkov_skip


def table_construct_id(logical_name: str) -> str:
    """badges -> Badges: the construct id, and the stem of the CloudFormation logical id."""
    return "".join(part.capitalize() for part in logical_name.split("_"))


class DataTables(Construct):
    """Every table in TABLES: on demand, point-in-time recovery on, encrypted under the AWS managed key, keys,
    TTL and stream as defined."""

    def __init__(self, scope: Construct, construct_id: str, *, deletion_protection: bool) -> None:
        super().__init__(scope, construct_id)
        self.tables: dict[str, dynamodb.Table] = {
            definition.logical_name: self._table(definition, deletion_protection) for definition in TABLES
        }

    def _table(self, definition: TableDefinition, deletion_protection: bool) -> dynamodb.Table:
        sort_key = (
            dynamodb.Attribute(name=definition.sort_key, type=dynamodb.AttributeType.STRING)
            if definition.sort_key
            else None
        )
        table = dynamodb.Table(
            self,
            table_construct_id(definition.logical_name),
            partition_key=dynamodb.Attribute(name=definition.partition_key, type=dynamodb.AttributeType.STRING),
            sort_key=sort_key,
            time_to_live_attribute=definition.ttl_attribute,
            stream=dynamodb.StreamViewType(definition.stream_view) if definition.stream_view else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            deletion_protection=deletion_protection,
            # A protected table must also outlive a stack deletion, or the deletion would fail on it.
            removal_policy=RemovalPolicy.RETAIN if deletion_protection else RemovalPolicy.DESTROY,
        )
        checkov_skip(
            table.node.default_child,
            "CKV_AWS_119",
            "Encrypted at rest under the AWS managed key (aws/dynamodb, SSEType KMS, explicit in the template); a "
            "customer managed key would add cost and a key policy whose mistakes lock the service out of its data.",
        )
        return table
