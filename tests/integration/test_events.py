"""The events' shape: a real earn and revoke on moto, their stream records put through the pipes' filters and
input templates (functions/badges/events.py, which the stack deploys), as EventBridge Pipes applies them."""
import json
import re
import time

import boto3
import pytest

from badges.events import EVENTS, SOURCE
from handlers import claim_badge, create_badge, earn, revoke_earn
from tests.integration.conftest import call

DAY = 86_400


def stream_records(client) -> list[dict]:
    streams = boto3.client("dynamodbstreams", region_name="us-east-1")
    arn = client.describe_table(TableName="test-badges")["Table"]["LatestStreamArn"]
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
def earned(dynamodb):
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
    assert events == [{"source": "badges", "detail-type": "badgeEarned", "detail": {
        "orgId": 100458, "customerId": 62090013, "badgeMetaId": earned["badgeMetaId"],
        "earnedBadgeId": earned["earnedBadgeId"], "requestId": "ev-1",
        "earnEventDate": pytest.approx(earned["earnEventDate"]),
        "earnedOn": pytest.approx(earned["earnEventDate"], abs=5),
        "expiresOn": pytest.approx(earned["expiresOn"])}}]


def test_a_refused_earn_and_a_repeat_send_nothing_and_a_revoke_sends_badge_revoked(dynamodb, earned):
    call(earn, "POST", "/customer/earn", {"badgeMetaId": earned["badgeMetaId"], "customerId": 62090013,
                                          "requestId": "ev-1", "triggeredBy": {"ownerType": "Loyalty",
                                                                               "referenceId": "1"}})
    call(revoke_earn, "POST", "/customer/revokeEarn", {"badgeMetaId": earned["badgeMetaId"],
                                                       "customerId": 62090013})
    events = events_of(stream_records(dynamodb))
    assert [e["detail-type"] for e in events] == ["badgeEarned", "badgeRevoked"]
    revoked = events[1]["detail"]
    assert revoked["earnedBadgeId"] == earned["earnedBadgeId"] and revoked["revokedOn"] >= revoked["earnedOn"]
