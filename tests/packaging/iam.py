"""The question IAM asks of each AWS call, and its answer from a role's statements: which actions on which
resources a call needs (IAM's rules, not the API's names), and whether an Allow statement matches each."""
from __future__ import annotations

import re
from dataclasses import dataclass

from infra.packaged import ACCOUNT, PARTITION

# A transaction is authorized item by item, each as the single-item action it is (DynamoDB developer guide:
# "Using IAM with DynamoDB transactions").
_TRANSACT_WRITE = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                   "ConditionCheck": "ConditionCheckItem"}
_TRANSACT_GET = {"Get": "GetItem"}
_STREAM_CALLS = {"DescribeStream", "GetShardIterator"}


@dataclass(frozen=True)
class Request:
    """One action on one resource, as IAM evaluates it."""

    action: str
    resource: str

    def __str__(self) -> str:
        return f"{self.action} on {self.resource}"


def table_arn(name_or_arn: str, region: str) -> str:
    if name_or_arn.startswith("arn:"):
        return name_or_arn
    return f"arn:{PARTITION}:dynamodb:{region}:{ACCOUNT}:table/{name_or_arn}"


def requests_of(call: dict) -> list[Request]:
    """What IAM is asked for one recorded call: {"service", "operation", "params", "region"}."""
    service, operation, params, region = call["service"], call["operation"], call["params"], call["region"]
    if service == "dynamodb":
        return _dynamodb(operation, params, region)
    if service == "secretsmanager":
        return [Request(f"secretsmanager:{operation}", params["SecretId"])]
    raise ValueError(f"no IAM reading for {service}:{operation}: teach tests/packaging/iam.py its resources")


def _dynamodb(operation: str, params: dict, region: str) -> list[Request]:
    if operation == "TransactWriteItems":
        return [Request(f"dynamodb:{_TRANSACT_WRITE[kind]}", table_arn(body["TableName"], region))
                for item in params["TransactItems"] for kind, body in item.items()]
    if operation == "TransactGetItems":
        return [Request(f"dynamodb:{_TRANSACT_GET[kind]}", table_arn(body["TableName"], region))
                for item in params["TransactItems"] for kind, body in item.items()]
    if operation in {"BatchGetItem", "BatchWriteItem"}:
        return [Request(f"dynamodb:{operation}", table_arn(table, region)) for table in params["RequestItems"]]
    if operation in {"Query", "Scan"} and "IndexName" in params:
        return [Request(f"dynamodb:{operation}",
                        f"{table_arn(params['TableName'], region)}/index/{params['IndexName']}")]
    if operation in _STREAM_CALLS:
        return [Request(f"dynamodb:{operation}", params["StreamArn"])]
    if operation == "ListStreams":  # IAM accepts only "*" for this action
        return [Request("dynamodb:ListStreams", "*")]
    if "TableName" in params:
        return [Request(f"dynamodb:{operation}", table_arn(params["TableName"], region))]
    raise ValueError(f"no IAM reading for dynamodb:{operation}")


def _pattern(text: str, *, case: bool) -> re.Pattern:
    """IAM's wildcards: * any run of characters, ? any one; nothing else is special."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)
    return re.compile(f"^{body}$", 0 if case else re.IGNORECASE)


def matches(statement: dict, request: Request) -> bool:
    """Whether an Allow statement (Action and Resource lists, no Condition) covers the request. Actions compare
    without case, resources with it."""
    if "Condition" in statement:
        return False  # not evaluated here: such a statement allows nothing this test can prove
    return (any(_pattern(a, case=False).match(request.action) for a in statement["Action"])
            and any(_pattern(r, case=True).match(request.resource) for r in statement["Resource"]))


def allowed(statements: tuple[dict, ...], request: Request) -> bool:
    return any(matches(statement, request) for statement in statements)


def grants(statements: tuple[dict, ...]) -> set[tuple[str, str]]:
    """Every (action, resource) pair the statements name."""
    return {(action, resource) for s in statements for action in s["Action"] for resource in s["Resource"]}


def used(grant: tuple[str, str], requests: list[Request]) -> bool:
    action, resource = grant
    return any(matches({"Action": [action], "Resource": [resource]}, request) for request in requests)
