"""Scale and atomicity: a transaction costs the items it touches, and is applied whole or not at all."""
import pytest
from botocore.exceptions import ClientError
from moto.dynamodb.models.table import Table

from tests.local_dynamodb.conftest import TABLE, add, count, error, key, put


def test_a_transaction_never_copies_a_table(dynamodb, monkeypatch):
    for i in range(50):
        dynamodb.put_item(TableName=TABLE, Item=key(f"other{i}"))

    def refuse(*_):
        raise AssertionError("a transaction copied a whole table")

    monkeypatch.setattr(Table, "__deepcopy__", refuse, raising=False)
    dynamodb.transact_write_items(TransactItems=[add("counter"), put("new")])
    assert count(dynamodb, "counter") == 1
    assert "Item" in dynamodb.get_item(TableName=TABLE, Key=key("new"))


def test_a_failed_condition_cancels_everything_with_a_reason_per_action(dynamodb):
    dynamodb.put_item(TableName=TABLE, Item=key("taken"))
    with pytest.raises(ClientError) as refused:
        dynamodb.transact_write_items(TransactItems=[add("counter"),
                                                     put("taken", condition="attribute_not_exists(pk)")])
    assert error(refused) == ("TransactionCanceledException", ["None", "ConditionalCheckFailed"])
    assert count(dynamodb, "counter") is None


def test_an_action_that_fails_half_way_leaves_every_item_as_it_was(dynamodb):
    dynamodb.put_item(TableName=TABLE, Item={**key("text"), "n": {"S": "not a number"}})
    dynamodb.put_item(TableName=TABLE, Item={**key("counter"), "n": {"N": "5"}})
    with pytest.raises(ClientError):
        dynamodb.transact_write_items(TransactItems=[add("counter"), put("fresh"), add("text")])
    assert count(dynamodb, "counter") == 5
    assert "Item" not in dynamodb.get_item(TableName=TABLE, Key=key("fresh"))
    assert dynamodb.get_item(TableName=TABLE, Key=key("text"))["Item"]["n"] == {"S": "not a number"}


def test_two_actions_on_one_item_and_more_than_100_actions_are_refused(dynamodb):
    with pytest.raises(ClientError) as twice:
        dynamodb.transact_write_items(TransactItems=[add("same"), put("same")])
    assert error(twice)[0] == "ValidationException"
    with pytest.raises(ClientError) as too_many:
        dynamodb.transact_write_items(TransactItems=[put(f"p{i}") for i in range(101)])
    assert error(too_many)[0] == "ValidationException"
    assert dynamodb.scan(TableName=TABLE)["Count"] == 0


def test_return_values_on_condition_check_failure_returns_the_item(dynamodb):
    dynamodb.put_item(TableName=TABLE, Item={**key("taken"), "who": {"S": "first"}})
    action = put("taken", condition="attribute_not_exists(pk)")
    action["Put"]["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    with pytest.raises(ClientError) as refused:
        dynamodb.transact_write_items(TransactItems=[action])
    assert refused.value.response["CancellationReasons"][0]["Item"]["who"] == {"S": "first"}
