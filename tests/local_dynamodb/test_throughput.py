"""Throughput: one item takes a limited number of write units a second; past it, its writes are throttled."""
import pytest
from botocore.exceptions import ClientError

from local_dynamodb.items import write_units
from tests.local_dynamodb.conftest import TABLE, add, count, error, key, put


def test_write_units_are_per_started_kb_and_doubled_in_a_transaction():
    assert [write_units(s, False) for s in (0, 1, 1024, 1025, 4096)] == [1, 1, 1, 2, 4]
    assert [write_units(s, True) for s in (0, 1024, 1025)] == [2, 2, 4]


def test_plain_writes_past_the_rate_are_throttled_until_the_second_passes(start_store, clock):
    client = start_store(item_write_units_per_second=10, hold_seconds=0)
    for _ in range(10):
        client.update_item(**add("hot")["Update"])  # a tiny item: one unit each
    with pytest.raises(ClientError) as throttled:
        client.update_item(**add("hot")["Update"])
    assert error(throttled)[0] == "ThrottlingException"
    client.update_item(**add("cold")["Update"])  # another item has its own capacity
    clock.advance(0.5)
    for _ in range(5):
        client.update_item(**add("hot")["Update"])
    assert count(client, "hot") == 15


def test_a_transaction_over_an_item_past_the_rate_is_cancelled_with_throttling_error(start_store, clock):
    client = start_store(item_write_units_per_second=8, hold_seconds=0)
    for _ in range(4):
        client.transact_write_items(TransactItems=[add("hot")])  # two units each
    with pytest.raises(ClientError) as throttled:
        client.transact_write_items(TransactItems=[put("cold"), add("hot")])
    assert error(throttled) == ("TransactionCanceledException", ["None", "ThrottlingError"])
    assert count(client, "hot") == 4 and "Item" not in client.get_item(TableName=TABLE, Key=key("cold"))


def test_a_large_item_costs_a_unit_per_started_kb(start_store):
    client = start_store(item_write_units_per_second=10, hold_seconds=0)
    big = {"blob": {"S": "x" * 3000}}  # about 3 KB: three units a write
    for _ in range(3):
        client.put_item(TableName=TABLE, Item={**key("big"), **big})
    with pytest.raises(ClientError) as throttled:
        client.put_item(TableName=TABLE, Item={**key("big"), **big})
    assert error(throttled)[0] == "ThrottlingException"
