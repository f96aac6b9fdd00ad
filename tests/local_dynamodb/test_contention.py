"""Contention: a write holds its items while in flight; an overlapping transaction or write is refused."""
import time

import pytest
from botocore.exceptions import ClientError

from tests.local_dynamodb.conftest import TABLE, add, count, error, key, put

HOLD = 0.010


def test_a_transaction_overlapping_a_held_item_is_cancelled_at_that_item(dynamodb, clock):
    dynamodb.transact_write_items(TransactItems=[add("hot")])  # in flight until the clock passes its hold
    with pytest.raises(ClientError) as conflict:
        dynamodb.transact_write_items(TransactItems=[put("cold"), add("hot")])
    assert error(conflict) == ("TransactionCanceledException", ["None", "TransactionConflict"])
    assert count(dynamodb, "hot") == 1 and "Item" not in dynamodb.get_item(TableName=TABLE, Key=key("cold"))
    clock.advance(HOLD)
    dynamodb.transact_write_items(TransactItems=[put("cold"), add("hot")])
    assert count(dynamodb, "hot") == 2


def test_a_plain_write_to_an_item_held_by_a_transaction_is_a_conflict(dynamodb, clock):
    dynamodb.transact_write_items(TransactItems=[add("hot"), put("other")])
    with pytest.raises(ClientError) as conflict:
        dynamodb.update_item(**add("hot")["Update"])
    assert error(conflict)[0] == "TransactionConflictException"
    assert count(dynamodb, "hot") == 1


def test_plain_writes_to_one_item_do_not_conflict_with_each_other_nor_with_a_transaction(dynamodb):
    dynamodb.update_item(**add("hot")["Update"])
    dynamodb.update_item(**add("hot")["Update"])
    dynamodb.transact_write_items(TransactItems=[add("hot")])
    assert count(dynamodb, "hot") == 3


def test_a_transactional_read_of_an_item_being_written_is_cancelled(dynamodb, clock):
    dynamodb.put_item(TableName=TABLE, Item=key("hot"))
    with pytest.raises(ClientError) as conflict:
        dynamodb.transact_get_items(TransactItems=[{"Get": {"TableName": TABLE, "Key": key("cold")}},
                                                   {"Get": {"TableName": TABLE, "Key": key("hot")}}])
    assert error(conflict) == ("TransactionCanceledException", ["None", "TransactionConflict"])
    clock.advance(HOLD)
    read = dynamodb.transact_get_items(TransactItems=[{"Get": {"TableName": TABLE, "Key": key("hot")}}])
    assert read["Responses"][0]["Item"] == key("hot")


def test_with_contention_off_nothing_is_held(start_store):
    client = start_store(contention=False)
    client.transact_write_items(TransactItems=[add("hot")])
    client.transact_write_items(TransactItems=[add("hot")])
    client.update_item(**add("hot")["Update"])
    assert count(client, "hot") == 3


def test_a_write_answers_when_its_hold_ends(start_store, started, monkeypatch):
    client = start_store(hold_seconds=0.2)
    store = started[-1]
    monkeypatch.setattr(store.model, "_clock", time.monotonic)  # real time: the answer waits for the hold
    monkeypatch.setattr(store.model, "_sleep", time.sleep)
    started = time.monotonic()
    client.transact_write_items(TransactItems=[add("hot")])
    took = time.monotonic() - started
    client.transact_write_items(TransactItems=[add("hot")])  # the caller's own finished write holds nothing
    assert 0.2 <= took < 2
    assert count(client, "hot") == 2
