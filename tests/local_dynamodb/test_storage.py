"""Storage: items are kept once, compacted, and an item that shares a value with another still changes alone."""
import gc
import sys

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item

from local_dynamodb.storage import LongLived, ValuePool
from tests.local_dynamodb.conftest import TABLE, add, count, key, put


@pytest.fixture
def dynamodb(start_store):
    """Without contention: these tests write items back to back, with no clock to move."""
    return start_store(contention=False)


def stored(pk: str, sk: str = "A") -> Item:
    table = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].get_table(TABLE)
    return table.get_item(DynamoType({"S": pk}), DynamoType({"S": sk}))


def attribute(client, pk: str, name: str) -> dict | None:
    return client.get_item(TableName=TABLE, Key=key(pk), ConsistentRead=True)["Item"].get(name)


def test_equal_values_are_shared_and_an_add_changes_one_item_only(dynamodb):
    dynamodb.put_item(TableName=TABLE, Item={**key("a"), "n": {"N": "5"}})
    dynamodb.transact_write_items(TransactItems=[put("b", n={"N": "5"})])
    assert stored("a").attrs["n"] is stored("b").attrs["n"]  # the case the test is about
    dynamodb.update_item(TableName=TABLE, Key=key("a"), UpdateExpression="ADD n :one",
                         ExpressionAttributeValues={":one": {"N": "1"}})
    dynamodb.transact_write_items(TransactItems=[add("a", amount=10)])
    assert count(dynamodb, "a") == 16
    assert count(dynamodb, "b") == 5


def test_a_set_or_remove_on_a_shared_value_changes_one_item_only(dynamodb):
    for pk in ("a", "b", "c"):
        dynamodb.put_item(TableName=TABLE, Item={**key(pk), "state": {"S": "open"}, "flag": {"BOOL": True}})
    assert stored("a").attrs["state"] is stored("b").attrs["state"]
    dynamodb.update_item(TableName=TABLE, Key=key("a"), UpdateExpression="SET #s = :closed, flag = :no",
                         ExpressionAttributeNames={"#s": "state"},
                         ExpressionAttributeValues={":closed": {"S": "closed"}, ":no": {"BOOL": False}})
    dynamodb.update_item(TableName=TABLE, Key=key("b"), UpdateExpression="REMOVE #s",
                         ExpressionAttributeNames={"#s": "state"})
    assert (attribute(dynamodb, "a", "state"), attribute(dynamodb, "a", "flag")) == ({"S": "closed"}, {"BOOL": False})
    assert attribute(dynamodb, "b", "state") is None
    assert (attribute(dynamodb, "c", "state"), attribute(dynamodb, "c", "flag")) == ({"S": "open"}, {"BOOL": True})


def test_sets_lists_and_maps_are_never_shared(dynamodb):
    value = {"tags": {"SS": ["x"]}, "path": {"L": [{"S": "x"}]}, "doc": {"M": {"k": {"S": "x"}}}}
    for pk in ("a", "b"):
        dynamodb.put_item(TableName=TABLE, Item={**key(pk), **value})
    assert all(stored("a").attrs[name] is not stored("b").attrs[name] for name in value)
    dynamodb.update_item(TableName=TABLE, Key=key("a"), UpdateExpression="ADD tags :y SET doc.k = :y2, #p[0] = :y2",
                         ExpressionAttributeNames={"#p": "path"},
                         ExpressionAttributeValues={":y": {"SS": ["y"]}, ":y2": {"S": "y"}})
    assert attribute(dynamodb, "a", "tags") == {"SS": ["x", "y"]}
    assert attribute(dynamodb, "b", "tags") == {"SS": ["x"]}
    assert attribute(dynamodb, "b", "doc") == {"M": {"k": {"S": "x"}}}
    assert attribute(dynamodb, "b", "path") == {"L": [{"S": "x"}]}


def test_a_compacted_item_is_found_by_its_key_and_its_names_are_interned(dynamodb):
    dynamodb.transact_write_items(TransactItems=[put("k", note={"S": "n"})])
    item = stored("k")
    assert item.hash_key is item.attrs["pk"] and item.range_key is item.attrs["sk"]
    assert next(name for name in item.attrs if name == "note") is sys.intern("note")
    assert dynamodb.query(TableName=TABLE, KeyConditionExpression="pk = :k",
                          ExpressionAttributeValues={":k": {"S": "k"}})["Count"] == 1
    dynamodb.delete_item(TableName=TABLE, Key=key("k"))
    assert "Item" not in dynamodb.get_item(TableName=TABLE, Key=key("k"))


def test_items_live_only_while_the_table_or_a_request_holds_them(dynamodb):
    def items_in_memory() -> int:
        gc.collect()
        return sum(isinstance(o, Item) for o in gc.get_objects())

    dynamodb.transact_write_items(TransactItems=[add("counter")])
    before = items_in_memory()
    for i in range(20):  # each one copies the counter to roll it back, and each query copies what it returns
        dynamodb.transact_write_items(TransactItems=[add("counter"), put(f"p{i}")])
        dynamodb.query(TableName=TABLE, KeyConditionExpression="pk = :k", ExpressionAttributeValues={
            ":k": {"S": "counter"}})
    assert items_in_memory() == before + 20
    assert Item.instances_tracked == []


def test_a_full_pool_starts_over_and_still_answers_equal_values():
    pool = ValuePool(size=2)
    first = pool.shared(DynamoType({"N": "1"}))
    pool.shared(DynamoType({"N": "2"}))
    pool.shared(DynamoType({"N": "3"}))  # full: forgets 1 and 2
    again = pool.shared(DynamoType({"N": "1"}))
    assert again == first and len(pool) == 2
    assert pool.shared(DynamoType({"BOOL": True})).value is True
    assert pool.shared(DynamoType({"N": "1"})).value == "1"


def test_every_few_thousand_writes_what_is_stored_leaves_the_collectors_scans():
    gc.unfreeze()
    long_lived = LongLived(every=3)
    try:
        long_lived.written()
        long_lived.written()
        assert gc.get_freeze_count() == 0
        stored = [{"n": i} for i in range(1000)]  # containers the collector tracks, as stored items are
        long_lived.written()
        frozen = gc.get_freeze_count()
        assert frozen >= len(stored)
        long_lived.written()
        assert gc.get_freeze_count() == frozen  # the count starts again
    finally:
        gc.unfreeze()
