"""Idempotent retries: a TransactWriteItems repeated with its ClientRequestToken within 10 minutes is applied once."""
import json

import pytest
from botocore.exceptions import ClientError

from tests.local_dynamodb.conftest import add, count, error, put


def test_a_repeat_with_the_same_token_succeeds_and_applies_nothing(dynamodb, clock):
    dynamodb.transact_write_items(ClientRequestToken="t-1", TransactItems=[add("counter"), put("once", condition=(
        "attribute_not_exists(pk)"))])
    clock.advance(60)
    dynamodb.transact_write_items(ClientRequestToken="t-1", TransactItems=[add("counter"), put("once", condition=(
        "attribute_not_exists(pk)"))])  # its condition would now fail: the repeat is not applied again
    assert count(dynamodb, "counter") == 1


def test_the_same_token_with_another_payload_is_a_mismatch(dynamodb, clock):
    dynamodb.transact_write_items(ClientRequestToken="t-2", TransactItems=[add("counter")])
    clock.advance(1)
    with pytest.raises(ClientError) as mismatch:
        dynamodb.transact_write_items(ClientRequestToken="t-2", TransactItems=[add("counter", amount=2)])
    assert error(mismatch)[0] == "IdempotentParameterMismatchException"
    assert count(dynamodb, "counter") == 1


def test_a_repeat_while_the_first_is_in_flight_is_in_progress(dynamodb, clock):
    dynamodb.transact_write_items(ClientRequestToken="t-3", TransactItems=[add("counter")])
    with pytest.raises(ClientError) as busy:  # the clock has not moved past the first one's hold
        dynamodb.transact_write_items(ClientRequestToken="t-3", TransactItems=[add("counter")])
    assert error(busy)[0] == "TransactionInProgressException"
    assert count(dynamodb, "counter") == 1


def test_after_ten_minutes_the_token_is_a_new_request(dynamodb, clock):
    dynamodb.transact_write_items(ClientRequestToken="t-4", TransactItems=[add("counter")])
    clock.advance(599)
    dynamodb.transact_write_items(ClientRequestToken="t-4", TransactItems=[add("counter")])
    assert count(dynamodb, "counter") == 1
    clock.advance(2)
    dynamodb.transact_write_items(ClientRequestToken="t-4", TransactItems=[add("counter")])
    assert count(dynamodb, "counter") == 2


def test_a_cancelled_transaction_is_not_remembered(dynamodb, clock):
    dynamodb.put_item(TableName="model", Item={"pk": {"S": "limit"}, "sk": {"S": "A"}, "n": {"N": "1"}})
    with pytest.raises(ClientError):
        dynamodb.transact_write_items(ClientRequestToken="t-5", TransactItems=[add("limit", condition="n < :amount")])
    dynamodb.delete_item(TableName="model", Key={"pk": {"S": "limit"}, "sk": {"S": "A"}})
    clock.advance(1)
    dynamodb.transact_write_items(ClientRequestToken="t-5", TransactItems=[add("limit", condition=(
        "attribute_not_exists(n) OR n < :amount"))])
    assert count(dynamodb, "limit") == 1


def test_the_sdk_sends_a_fresh_token_with_every_call(dynamodb, clock):
    sent: list[str] = []
    dynamodb.meta.events.register("before-call.dynamodb.TransactWriteItems",
                                  lambda params, **_: sent.append(json.loads(params["body"])["ClientRequestToken"]))
    dynamodb.transact_write_items(TransactItems=[add("counter")])
    clock.advance(1)
    dynamodb.transact_write_items(TransactItems=[add("counter")])
    assert len(set(sent)) == 2 and count(dynamodb, "counter") == 2
