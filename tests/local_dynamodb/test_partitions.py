"""Reads: a Query by partition key reads that partition alone, in sort-key order, paged as DynamoDB pages."""
from moto.dynamodb.models.table import Table

from tests.local_dynamodb.conftest import TABLE, key


def query(client, pk: str, **extra) -> dict:
    return client.query(TableName=TABLE, KeyConditionExpression="pk = :pk",
                        ExpressionAttributeValues={":pk": {"S": pk}}, **extra)


def test_a_query_never_walks_the_table(dynamodb, monkeypatch):
    for sk in ("c", "a", "b"):
        dynamodb.put_item(TableName=TABLE, Item=key("mine", sk))
    for i in range(20):
        dynamodb.put_item(TableName=TABLE, Item=key(f"other{i}", "a"))

    def refuse(*_):
        raise AssertionError("a query listed the whole table")

    monkeypatch.setattr(Table, "all_items", refuse)
    found = query(dynamodb, "mine")
    assert [item["sk"]["S"] for item in found["Items"]] == ["a", "b", "c"]
    assert query(dynamodb, "nobody")["Items"] == []


def test_pages_sort_key_conditions_and_filters_still_apply(dynamodb):
    for sk in ("a1", "a2", "a3", "b1"):
        dynamodb.put_item(TableName=TABLE, Item={**key("mine", sk), "odd": {"BOOL": sk[-1] in "13"}})
    dynamodb.put_item(TableName=TABLE, Item=key("other", "a0"))
    first = query(dynamodb, "mine", Limit=2)
    assert [i["sk"]["S"] for i in first["Items"]] == ["a1", "a2"]
    rest = query(dynamodb, "mine", ExclusiveStartKey=first["LastEvaluatedKey"])
    assert [i["sk"]["S"] for i in rest["Items"]] == ["a3", "b1"]
    prefixed = dynamodb.query(TableName=TABLE, KeyConditionExpression="pk = :pk AND begins_with(sk, :a)",
                              FilterExpression="odd = :yes", ScanIndexForward=False,
                              ExpressionAttributeValues={":pk": {"S": "mine"}, ":a": {"S": "a"},
                                                         ":yes": {"BOOL": True}})
    assert [i["sk"]["S"] for i in prefixed["Items"]] == ["a3", "a1"]
