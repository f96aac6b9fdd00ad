"""The events' shape: a real earn and revoke on moto, their stream records put through the pipes' filters and
input templates (functions/badges/events.py, which the stack deploys), as EventBridge Pipes applies them."""
import json
import re
import time

import boto3
import pytest

from badges.config import settings, table_env_var
from badges.events import EVENTS, SOURCE
from badges.store.dynamo import badge_store, group_store
from badges.store.earning import earn_store
from badges.store.tables import BADGES
from handlers import claim_badge, create_badge, earn, revoke_earn
from tests.integration.conftest import call

DAY = 86_400
STREAMED = "test-badges-streamed"


def stream_records(client) -> list[dict]:
    # Newer botocore routes stream calls to an account-specific host moto does not serve; name moto's host.
    streams = boto3.client("dynamodbstreams", region_name="us-east-1",
                           endpoint_url="https://streams.dynamodb.us-east-1.amazonaws.com")
    arn = client.describe_table(TableName=STREAMED)["Table"]["LatestStreamArn"]
    records = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records += streams.get_records(ShardIterator=iterator)["Records"]
    return records


def matches(pattern, value) -> bool:
    """EventBridge pattern matching, for what the pipes' filters use: nested fields, value lists, prefixes."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(k in value and matches(p, value[k]) for k, p in pattern.items())
    return any((isinstance(c, dict) and isinstance(value, str) and value.startswith(c["prefix"])) or c == value
               for c in pattern)


def render(template: str, record: dict) -> dict:
    def lookup(found: re.Match) -> str:
        value = record
        for part in found.group(1).split("."):
            value = value[part]
        return str(value)

    return json.loads(re.sub(r"<\$\.([^>]+)>", lookup, template))


def events_of(records: list[dict]) -> list[dict]:
    return [{"source": SOURCE, "detail-type": spec.detail_type, "detail": render(spec.input_template, record)}
            for record in records for spec in EVENTS if matches(spec.filter_pattern, record)]


@pytest.fixture
def streaming(dynamodb, monkeypatch):
    """The badges table as deployed, with its stream (the other tests' tables leave it out)."""
    dynamodb.create_table(**BADGES.create_table_kwargs(STREAMED, with_stream=True))
    monkeypatch.setenv(table_env_var("badges"), STREAMED)
    for cached in (settings, badge_store, earn_store, group_store):
        cached.cache_clear()
    return dynamodb


@pytest.fixture
def earned(streaming):
    now = int(time.time())
    _, made, _ = call(create_badge, "POST", "/badgeMeta", {
        "name": "evented", "startOn": now - DAY, "expiresOn": now + 9 * DAY, "earnType": "EARN",
        "earnedBadgeExpiry": {"expiryType": "NEVER"}, "ownership": {"restrictedToOwners": ["Loyalty"]}},
        headers={"X-CAP-BADGES-MIGRATION": "migration"})
    badge_id = made["data"]["id"]
    call(claim_badge, "POST", f"/badgeMeta/{badge_id}/claim", {"ownerType": "Loyalty", "referenceId": "1"})
    _, answer, _ = call(earn, "POST", "/customer/earn", {
        "badgeMetaId": badge_id, "customerId": 62090013, "requestId": "ev-1",
        "triggeredBy": {"ownerType": "Loyalty", "referenceId": "1"}})
    return answer["data"]


def test_one_committed_earn_is_one_badge_earned_event_of_the_documented_shape(dynamodb, earned):
    events = events_of(stream_records(dynamodb))
    [event] = events
    detail = event["detail"]
    assert (event["source"], event["detail-type"]) == ("badges", "badgeEarned")
    assert set(detail) == {"orgId", "customerId", "badgeMetaId", "earnedBadgeId", "requestId", "earnEventDate",
                           "earnedOn", "expiresOn"}
    assert all(isinstance(value, str) for value in detail.values())  # as DynamoDB streams them
    assert (detail["orgId"], detail["customerId"], detail["requestId"]) == ("100458", "62090013", "ev-1")
    assert (detail["badgeMetaId"], detail["earnedBadgeId"]) == (earned["badgeMetaId"], earned["earnedBadgeId"])
    assert float(detail["earnEventDate"]) == pytest.approx(earned["earnEventDate"])
    assert float(detail["expiresOn"]) == pytest.approx(earned["expiresOn"])
    assert abs(float(detail["earnedOn"]) - earned["earnEventDate"]) < 5


def test_a_refused_earn_and_a_repeat_send_nothing_and_a_revoke_sends_badge_revoked(dynamodb, earned):
    call(earn, "POST", "/customer/earn", {"badgeMetaId": earned["badgeMetaId"], "customerId": 62090013,
                                          "requestId": "ev-1", "triggeredBy": {"ownerType": "Loyalty",
                                                                               "referenceId": "1"}})
    call(revoke_earn, "POST", "/customer/revokeEarn", {"badgeMetaId": earned["badgeMetaId"], "customerId": 62090013,
                                                       "earnedBadgeId": earned["earnedBadgeId"]})
    events = events_of(stream_records(dynamodb))
    assert [e["detail-type"] for e in events] == ["badgeEarned", "badgeRevoked"]
    revoked = events[1]["detail"]
    assert revoked["earnedBadgeId"] == earned["earnedBadgeId"]
    assert float(revoked["revokedOn"]) >= float(revoked["earnedOn"])
