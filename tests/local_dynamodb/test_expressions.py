"""Expressions read once: the same expression string with other names and values means what it says each time."""
import pytest
from botocore.exceptions import ClientError

from tests.local_dynamodb.conftest import TABLE, count, error, key


def at_most(pk: str, limit: int, name: str = "n") -> dict:
    """Add 1 to the item's counter if it is below `limit` (one expression string, names and values per call)."""
    return {"Update": {"TableName": TABLE, "Key": key(pk), "UpdateExpression": "ADD #n :one",
                       "ConditionExpression": "attribute_not_exists(#n) OR #n < :limit",
                       "ExpressionAttributeNames": {"#n": name},
                       "ExpressionAttributeValues": {":one": {"N": "1"}, ":limit": {"N": str(limit)}}}}


@pytest.fixture
def dynamodb(start_store):
    return start_store(contention=False)  # back-to-back writes of one item: no holds in the way


def test_one_expression_string_takes_each_calls_names_and_values(dynamodb):
    # Given a counter raised to 2 by the same expressions with a limit of 5
    dynamodb.transact_write_items(TransactItems=[at_most("counter", 5)])
    dynamodb.transact_write_items(TransactItems=[at_most("counter", 5)])

    # When the same strings come with a limit of 2, then with another attribute name
    with pytest.raises(ClientError) as refused:
        dynamodb.transact_write_items(TransactItems=[at_most("counter", 2)])
    dynamodb.transact_write_items(TransactItems=[at_most("counter", 2, name="m")])

    # Then the limit of 2 refused, and the other name counted its own attribute
    assert error(refused) == ("TransactionCanceledException", ["ConditionalCheckFailed"])
    assert count(dynamodb, "counter") == 2
    item = dynamodb.get_item(TableName=TABLE, Key=key("counter"))["Item"]
    assert item["m"] == {"N": "1"}


def test_a_malformed_expression_is_refused_every_time(dynamodb):
    update = at_most("counter", 5)
    update["Update"]["ConditionExpression"] = "#n <<< :limit"
    for _ in range(2):
        with pytest.raises(ClientError):
            dynamodb.transact_write_items(TransactItems=[update])
    assert count(dynamodb, "counter") is None
