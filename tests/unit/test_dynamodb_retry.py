"""The one retry layer: which DynamoDB answers are tried again, with what token, and for how long."""
from __future__ import annotations

import json
import random
from types import SimpleNamespace

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from badges.domain.errors import ServiceUnavailable
from badges.store import retry
from badges.store.items import Refused, dynamodb_client, new_dynamodb_client, write_named
from badges.store.retry import DEFAULT_BUDGET, SAFETY_MARGIN, RetryingClient, invocation_budget
from tests.fakes import FakeClock

ENDPOINT = "https://dynamodb.us-east-1.amazonaws.com"
TABLE = "t"
KEY = {"pk": {"S": "a"}, "sk": {"S": "b"}}
PUT = {"Put": {"TableName": TABLE, "Item": KEY, "ConditionExpression": "attribute_not_exists(pk)"}}
UPDATE = {"Update": {"TableName": TABLE, "Key": KEY, "UpdateExpression": "ADD n :one",
                     "ExpressionAttributeValues": {":one": {"N": "1"}}}}


class _Body:
    def __init__(self, data: bytes):
        self._data = data

    def stream(self, **_):
        yield self._data


def ok(body: dict | None = None) -> AWSResponse:
    return AWSResponse(ENDPOINT, 200, {}, _Body(json.dumps(body or {}).encode()))


def error(code: str, status: int = 400, **fields) -> AWSResponse:
    body = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": code, **fields}
    return AWSResponse(ENDPOINT, status, {}, _Body(json.dumps(body).encode()))


def cancelled(*reasons: str) -> AWSResponse:
    return error("TransactionCanceledException", CancellationReasons=[{"Code": r} for r in reasons])


class Wire:
    """DynamoDB's side of the HTTP connection, scripted: each request the boto3 client sends gets the next answer
    (an HTTP response, or an exception raised as the connection would); the last answer repeats."""

    def __init__(self, client: RetryingClient, *answers):
        self.answers = list(answers)
        self.sent: list[dict] = []
        client.meta.events.register("before-send.dynamodb.*", self._send)

    def _send(self, request, **_):
        self.sent.append(json.loads(request.body or b"{}"))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(clock) -> RetryingClient:
    """The client the stores get, with a clock that does not sleep for real."""
    made = new_dynamodb_client("us-east-1")
    made.clock = clock
    return made


def test_botocore_itself_makes_one_attempt(client):
    # Given DynamoDB answers a 500 once, when the boto3 client under the layer is called directly
    wire = Wire(client, error("InternalServerError", 500), ok())
    # Then botocore does not retry it: the layer is the only one that does
    with pytest.raises(ClientError):
        client.wrapped.get_item(TableName=TABLE, Key=KEY)
    assert len(wire.sent) == 1


@pytest.mark.parametrize(("operation", "params", "answer"), [
    ("get_item", {"TableName": TABLE, "Key": KEY}, error("ThrottlingException")),
    ("put_item", {"TableName": TABLE, "Item": KEY}, error("ProvisionedThroughputExceededException")),
    ("query", {"TableName": TABLE, "KeyConditionExpression": "pk = :pk",
               "ExpressionAttributeValues": {":pk": {"S": "a"}}}, error("RequestLimitExceeded")),
    ("put_item", {"TableName": TABLE, "Item": KEY}, error("TransactionConflictException")),
    ("transact_write_items", {"TransactItems": [PUT, UPDATE]}, error("TransactionInProgressException")),
    ("batch_get_item", {"RequestItems": {TABLE: {"Keys": [KEY]}}}, error("InternalServerError", 500)),
    ("delete_item", {"TableName": TABLE, "Key": KEY}, error("ServiceUnavailable", 503)),
    ("update_item", {"TableName": TABLE, "Key": KEY}, error("SomethingNew", 502)),
    ("get_item", {"TableName": TABLE, "Key": KEY}, ReadTimeoutError(endpoint_url=ENDPOINT)),
    ("get_item", {"TableName": TABLE, "Key": KEY}, ConnectTimeoutError(endpoint_url=ENDPOINT)),
    ("get_item", {"TableName": TABLE, "Key": KEY}, EndpointConnectionError(endpoint_url=ENDPOINT)),
], ids=["throttling", "provisioned-throughput", "request-limit", "conflict-on-put", "in-progress", "500", "503",
        "any-5xx", "read-timeout", "connect-timeout", "no-connection"])
def test_back_pressure_then_success_is_retried_and_succeeds(client, clock, operation, params, answer):
    wire = Wire(client, answer, answer, ok({"Item": KEY} if operation == "get_item" else {}))
    response = getattr(client, operation)(**params)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert len(wire.sent) == 3
    assert wire.sent[0] == wire.sent[1] == wire.sent[2]
    # full jitter: each wait is somewhere below its doubling ceiling
    assert len(clock.slept) == 2 and 0 <= clock.slept[0] <= 0.025 and 0 <= clock.slept[1] <= 0.05


@pytest.mark.parametrize("reasons", [
    ("None", "TransactionConflict"), ("ThrottlingError", "None"), ("None", "ProvisionedThroughputExceeded"),
])
def test_a_transaction_cancelled_by_contention_alone_is_retried(client, reasons):
    wire = Wire(client, cancelled(*reasons), ok())
    write_named(client, [("put", PUT), ("update", UPDATE)])
    assert len(wire.sent) == 2


@pytest.mark.parametrize("reasons", [
    ("ConditionalCheckFailed", "None"), ("ConditionalCheckFailed", "TransactionConflict"),
    ("TransactionConflict", "ConditionalCheckFailed"), ("ThrottlingError", "ConditionalCheckFailed"),
])
def test_a_cancellation_with_a_failed_condition_is_a_decision_refused_at_once(client, reasons):
    wire = Wire(client, cancelled(*reasons), ok())
    with pytest.raises(Refused) as refused:
        write_named(client, [("put", PUT), ("update", UPDATE)])
    assert refused.value.codes == list(reasons)
    assert len(wire.sent) == 1


def test_a_failed_condition_on_a_plain_write_is_refused_at_once(client):
    wire = Wire(client, error("ConditionalCheckFailedException"), ok())
    with pytest.raises(Refused) as refused:
        write_named(client, [("put", PUT)])
    assert refused.value.codes == ["ConditionalCheckFailed"] and len(wire.sent) == 1


@pytest.mark.parametrize(("answer", "code"), [
    (error("ValidationException"), "ValidationException"),
    (cancelled("ValidationError", "None"), "TransactionCanceledException"),
])
def test_an_error_that_is_no_back_pressure_is_raised_as_boto3_raised_it(client, answer, code):
    wire = Wire(client, answer, ok())
    with pytest.raises(ClientError) as raised:
        client.transact_write_items(TransactItems=[PUT, UPDATE])
    assert raised.value.response["Error"]["Code"] == code and len(wire.sent) == 1


def test_every_attempt_of_one_transaction_sends_the_same_token_and_the_next_call_a_new_one(client):
    wire = Wire(client, cancelled("None", "TransactionConflict"), error("TransactionInProgressException"), ok())
    client.transact_write_items(TransactItems=[PUT, UPDATE])
    wire.answers = [ok()]
    client.transact_write_items(TransactItems=[PUT, UPDATE])
    tokens = [sent["ClientRequestToken"] for sent in wire.sent]
    assert len(tokens) == 4 and tokens[0] == tokens[1] == tokens[2] != tokens[3]


def test_a_token_the_caller_gave_is_the_one_sent_on_every_attempt(client):
    wire = Wire(client, error("ThrottlingException"), ok())
    client.transact_write_items(TransactItems=[PUT, UPDATE], ClientRequestToken="mine")
    assert [sent["ClientRequestToken"] for sent in wire.sent] == ["mine", "mine"]


def test_outside_an_invocation_a_call_retries_for_the_default_budget_then_is_503(client, clock):
    wire = Wire(client, error("ThrottlingException"))
    with pytest.raises(ServiceUnavailable) as unavailable:
        client.get_item(TableName=TABLE, Key=KEY)
    assert unavailable.value.status == 503 and unavailable.value.headers == {"Retry-After": "1"}
    # it kept trying until the next wait would pass the budget (a wait is at most a second)
    assert DEFAULT_BUDGET - 1 < clock.now <= DEFAULT_BUDGET
    assert len(wire.sent) == len(clock.slept) + 1 > 5
    assert max(clock.slept) <= 1.0


def test_in_an_invocation_retries_end_a_safety_margin_before_its_timeout(client, clock):
    Wire(client, error("ProvisionedThroughputExceededException"))
    context = SimpleNamespace(get_remaining_time_in_millis=lambda: 8_000)
    with invocation_budget(context), pytest.raises(ServiceUnavailable):
        client.put_item(TableName=TABLE, Item=KEY)
    assert 8 - SAFETY_MARGIN - 1 < clock.now <= 8 - SAFETY_MARGIN


def test_an_invocation_with_less_time_left_than_the_margin_does_not_retry(client, clock):
    wire = Wire(client, error("ThrottlingException"), ok())
    context = SimpleNamespace(get_remaining_time_in_millis=lambda: int(SAFETY_MARGIN * 1000) - 1)
    with invocation_budget(context), pytest.raises(ServiceUnavailable):
        client.get_item(TableName=TABLE, Key=KEY)
    assert len(wire.sent) == 1 and clock.slept == []


def test_the_invocation_budget_ends_with_the_invocation(client, clock):
    Wire(client, error("ThrottlingException"))
    with invocation_budget(SimpleNamespace(get_remaining_time_in_millis=lambda: 0)):
        pass
    with pytest.raises(ServiceUnavailable):
        client.get_item(TableName=TABLE, Key=KEY)
    assert clock.now > DEFAULT_BUDGET - 1


def test_each_retry_is_logged_once_at_info_with_its_code_and_attempt(client, monkeypatch):
    lines = []
    monkeypatch.setattr(retry, "logger", SimpleNamespace(info=lambda message, extra: lines.append((message, extra))))
    monkeypatch.setattr(client, "_rng", random.Random(1))
    Wire(client, error("ThrottlingException"), cancelled("None", "TransactionConflict"), ok())
    client.transact_write_items(TransactItems=[PUT, UPDATE])
    assert [(message, extra["operation"], extra["code"], extra["attempt"]) for message, extra in lines] == [
        ("DynamoDB busy, retrying", "TransactWriteItems", "ThrottlingException", 1),
        ("DynamoDB busy, retrying", "TransactWriteItems", "TransactionCanceledException[None, TransactionConflict]", 2),
    ]


def test_what_is_not_an_operation_is_the_boto3_clients_own(client):
    # the bench counts calls through botocore's event hooks on the client the stores use
    called = []
    dynamodb_client().meta.events.register("before-call.dynamodb.*", lambda model, **_: called.append(model.name))
    Wire(dynamodb_client(), ok())
    dynamodb_client().get_item(TableName=TABLE, Key=KEY)
    assert called == ["GetItem"]
    assert client.meta is client.wrapped.meta and client.exceptions is client.wrapped.exceptions


def test_calls_made_side_by_side_keep_the_invocations_retry_budget():
    from badges.store.items import side_by_side
    from badges.store.retry import invocation_budget, retry_budget

    class Context:
        def get_remaining_time_in_millis(self) -> int:
            return 5_000

    with invocation_budget(Context()):
        here = retry_budget()
        budgets = side_by_side(lambda _: retry_budget(), range(64), most=64)
    assert here < 5.0 and budgets == [here] * 64  # not the default budget of a thread outside the invocation
    assert retry_budget() != here
