"""The events' shape: real earns and revokes on moto, their stream records put through the pipes' filters and then
the enrichment Lambda or the input template (functions/badges/events.py, which the stack deploys), as EventBridge
Pipes applies them."""
import json
import re
import time
from decimal import Decimal

import boto3
import pytest

from badges.config import settings, table_env_var
from badges.events import EVENTS, SOURCE
from badges.store.badges import badge_store
from badges.store.earning import earn_store
from badges.store.event_reads import event_reads
from badges.store.groups import group_store
from badges.store.tables import BADGES
from handlers import claim_badge, create_badge, earn, enrich_badge_earned, revoke_earn
from local_api.gateway import LambdaContext
from tests.integration.conftest import call, stored

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
    """Per pipe, the records its filter keeps, in stream order; an enrichment gets them as one batch."""
    events = []
    for spec in EVENTS:
        kept = [record for record in records if matches(spec.filter_pattern, record)]
        if spec.enrichment:
            assert spec.enrichment == "enrich_badge_earned"
            details = enrich_badge_earned.lambda_handler(kept, LambdaContext(function_name="enrich")) if kept else []
            assert len(details) == len(kept)
        else:
            details = [render(spec.input_template, record) for record in kept]
        events += [{"source": SOURCE, "detail-type": spec.detail_type, "detail": detail, "eventID": record["eventID"]}
                   for record, detail in zip(kept, details, strict=True)]
    return events


@pytest.fixture
def streaming(dynamodb, monkeypatch):
    """The badges table as deployed, with its stream (the other tests' tables leave it out)."""
    dynamodb.create_table(**BADGES.create_table_kwargs(STREAMED, with_stream=True))
    monkeypatch.setenv(table_env_var("badges"), STREAMED)
    for cached in (settings, badge_store, earn_store, group_store, event_reads):
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


def test_one_committed_earn_is_one_badge_earned_event_of_capillarys_webhook_payload(dynamodb, earned):
    events = events_of(stream_records(dynamodb))
    [event] = events
    payload = event["detail"]
    assert (event["source"], event["detail-type"]) == ("badges", "badgeEarned")
    assert {key: payload[key] for key in payload if key not in ("data", "createdAt")} == {
        "eventName": "badgeEarned", "eventId": event["eventID"], "orgId": 100458,
        "refId": f"100458_{earned['earnedBadgeId']}", "apiRequestId": "ev-1", "loyaltyEventId": None}
    assert isinstance(payload["createdAt"], int) and abs(payload["createdAt"] / 1000 - time.time()) < 60
    data = payload["data"]
    assert data["customerIdentifiers"] == {"customerId": 62090013}
    assert (data["badgeId"], data["earnId"]) == (earned["badgeMetaId"], earned["earnedBadgeId"])
    assert data["earnedOn"] == int(Decimal(str(earned["earnEventDate"])) * 1000)
    assert data["earnConstraints"] == [{"constraintLevel": "BADGE", "constraintType": "NONE"},
                                       {"constraintLevel": "CUSTOMER", "constraintType": "NONE"}]
    assert data["triggeringActivity"] == {"ownerType": "Loyalty", "referenceId": "1", "identifiers": [],
                                          "additionalAttributes": []}
    [item] = [i for i in stored(dynamodb, STREAMED) if i["sk"]["S"].startswith("EARN#")]
    assert item["triggeredBy"] == {"M": {"ownerType": {"S": "Loyalty"}, "referenceId": {"S": "1"}}}


def capped_badge(now: int) -> str:
    """Live, claimed by Loyalty "1"; at most 2 earns per customer, 4 in all."""
    _, made, _ = call(create_badge, "POST", "/badgeMeta", {
        "name": "capped", "startOn": now - DAY, "expiresOn": now + 9 * DAY, "earnType": "EARN",
        "earnedBadgeExpiry": {"expiryType": "NEVER"}, "ownership": {"restrictedToOwners": ["Loyalty"]},
        "customerConstraints": [{"constraintType": "CUSTOMER_BADGE_FIXED_VALUE", "maxEarnLimit": 2}],
        "badgeConstraints": [{"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": 4}]},
        headers={"X-CAP-BADGES-MIGRATION": "migration"})
    badge_id = made["data"]["id"]
    call(claim_badge, "POST", f"/badgeMeta/{badge_id}/claim", {"ownerType": "Loyalty", "referenceId": "1"})
    return badge_id


def earn_as_loyalty(badge_id: str, customer: int, request: str) -> int:
    status, _, _ = call(earn, "POST", "/customer/earn", {
        "badgeMetaId": badge_id, "customerId": customer, "requestId": request,
        "triggeredBy": {"ownerType": "Loyalty", "referenceId": "1"}})
    return status


def counts_of(event: dict) -> dict[str, int]:
    return {c["constraintLevel"]: c["currentEarnCount"] for c in event["detail"]["data"]["earnConstraints"]}


def test_current_earn_counts_are_the_customers_and_the_badges_and_a_badge_count_is_kept_seconds(streaming):
    badge_id = capped_badge(int(time.time()))
    assert [earn_as_loyalty(badge_id, customer, f"r{n}") for n, customer in enumerate((5, 5, 6))] == [200] * 3

    events = events_of(stream_records(streaming))
    assert [e["detail"]["data"]["customerIdentifiers"]["customerId"] for e in events] == [5, 5, 6]
    # One batch, read after the three earns: each count is the count when the event is made.
    assert [counts_of(e) for e in events] == [{"BADGE": 3, "CUSTOMER": 2}] * 2 + [{"BADGE": 3, "CUSTOMER": 1}]
    assert events[0]["detail"]["data"]["earnConstraints"] == [
        {"constraintLevel": "BADGE", "constraintType": "OVERALL", "maxEarnLimit": 4, "currentEarnCount": 3},
        {"constraintLevel": "CUSTOMER", "constraintType": "OVERALL", "maxEarnLimit": 2, "currentEarnCount": 2}]

    assert earn_as_loyalty(badge_id, 7, "r3") == 200
    latest = [e for e in events_of(stream_records(streaming)) if e["detail-type"] == "badgeEarned"][-1]
    # Within EVENT_COUNTS_TTL seconds the badge-wide sum is the one read before (it may lag by these earns);
    # the customer's count is read fresh.
    assert latest["detail"]["data"]["customerIdentifiers"]["customerId"] == 7
    assert counts_of(latest) == {"BADGE": 3, "CUSTOMER": 1}

    event_reads.cache_clear()  # the seconds have passed (a new process, as good): the shards are read again
    again = [e for e in events_of(stream_records(streaming)) if e["detail-type"] == "badgeEarned"][-1]
    assert counts_of(again) == {"BADGE": 4, "CUSTOMER": 1}
    assert earn_as_loyalty(badge_id, 8, "r4") == 400  # the cap of 4 holds, whatever an event said


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
