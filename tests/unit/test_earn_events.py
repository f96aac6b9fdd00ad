"""badgeEarned's payload: a stream record as DynamoDB Streams sends it, shaped as Capillary's webhook example."""
import json
from decimal import Decimal
from pathlib import Path

from badges.domain.badge_rules import definition_of
from badges.domain.badges import Badge, BadgeRequest
from badges.domain.earn_events import counted_constraints
from badges.domain.limits import plan
from badges.service.events import badge_earned_events
from badges.store.event_reads import stream_image
from tests.e2e.oas_examples import assert_same_shape

# Copied from Capillary's event-schema-incentives page, section "Event notifications on earning a badge
# (badgeEarned)", its "Webhook payload".
EXAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "spec" / "event_badge_earned_webhook.json"
# What Capillary's payload carries that this service does not know: the customer's other identifiers (it knows
# customers by id only) and who entered the triggering activity at which till (it knows the claimant module).
NOT_KNOWN = (("data", "customerIdentifiers", "loyaltyType"), ("data", "customerIdentifiers", "instore"),
             ("data", "triggeringActivity", "enteredBy"))
NOW = Decimal(1_800_000_000)


def capillary_example() -> dict:
    return json.loads(EXAMPLE.read_text())


def badge(**constraints) -> Badge:
    body = {"name": "b", "startOn": 1_700_000_000, "expiresOn": 1_900_000_000,
            "earnedBadgeExpiry": {"expiryType": "NEVER"}, "ownership": {"restrictedToOwners": ["Loyalty"]},
            "earnType": "EARN", **constraints}
    found, problems = definition_of(BadgeRequest.model_validate(body), NOW, migration=True)
    assert not problems
    return Badge(id="650c0896aefcde237f3dba43", orgId=50933, definition=found, createdBy=1, createdOn=NOW,
                 lastUpdatedBy=1, lastUpdatedOn=NOW)


# The constraints of Capillary's example: a badge cap of 1,000, 300 a week badge-wide, and per customer 50 in 5
# days, 100 a week, 200 a month.
EXAMPLE_BADGE = badge(
    badgeConstraints=[{"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": 1000},
                      {"constraintType": "BADGE_ROLLING_WINDOW", "rollType": "DAYS", "rollValue": 7,
                       "maxEarnLimit": 300}],
    customerConstraints=[{"constraintType": "CUSTOMER_BADGE_ROLLING_WINDOW", "maxEarnForDays": 50, "rollForDays": 5,
                          "maxEarnForWeeks": 100, "rollForWeeks": 1, "maxEarnForMonths": 200, "rollForMonths": 1}])


def stream_record(**image) -> dict:
    """An INSERT record as DynamoDB Streams sends it (and Pipes passes it on): numbers as strings."""
    values = {"pk": {"S": "ORG#50933#CUST#381921157"}, "sk": {"S": "EARN#650c0896aefcde237f3dba43#651bb7bac983"},
              "orgId": {"N": "50933"}, "customerId": {"N": "381921157"},
              "badgeMetaId": {"S": "650c0896aefcde237f3dba43"}, "earnedBadgeId": {"S": "651bb7bac983"},
              "earnEventDate": {"N": "1799999990.5"}, "earnedOn": {"N": "1800000000.123456"},
              "expiresOn": {"N": "1900000000"}, "active": {"BOOL": True}, "requestId": {"S": "2132"},
              "counters": {"S": "[]"},
              "triggeredBy": {"M": {"ownerType": {"S": "Loyalty"}, "referenceId": {"S": "123694"}}}, **image}
    return {"eventID": "c81e728d9d4c2f636f067f89cc14862c", "eventName": "INSERT", "eventVersion": "1.1",
            "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
            "dynamodb": {"Keys": {"pk": values["pk"], "sk": values["sk"]}, "NewImage": values,
                         "SequenceNumber": "111", "SizeBytes": 512, "StreamViewType": "NEW_AND_OLD_IMAGES"},
            "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/badges/stream/2026-11-23T00:00:00.000"}


class Reads:
    """The enrichment's reads, in memory: every counter holds `count`; calls are recorded."""

    def __init__(self, found: Badge | None, customer: int = 2, badge_wide: int = 5):
        self.found, self.customer, self.badge_wide, self.calls = found, customer, badge_wide, []

    def badges(self, org_id, badge_ids):
        self.calls.append(("badges", org_id, sorted(badge_ids)))
        return {bid: self.found if self.found and bid == self.found.id else None for bid in badge_ids}

    def customer_counts(self, wanted):
        self.calls.append(("customer_counts", len(wanted)))
        counted = counted_constraints(self.found.definition, Decimal("1799999990.5"))
        attributes = {c.item: c.attribute for c in counted}
        return {key: {attributes[key[3]]: Decimal(self.customer)} for key in wanted}

    def badge_sums(self, org_id, badge_id, sks):
        self.calls.append(("badge_sums", badge_id, sorted(sks)))
        counted = counted_constraints(self.found.definition, Decimal("1799999990.5"))
        return {c.item: {c.attribute: self.badge_wide} for c in counted if c.level == "BADGE" and c.item in sks}


def without(payload: dict, paths) -> dict:
    payload = json.loads(json.dumps(payload))
    for path in paths:
        parent = payload
        for key in path[:-1]:
            parent = parent[key]
        parent.pop(path[-1])
    return payload


def test_a_stream_record_becomes_capillarys_webhook_payload():
    [payload] = badge_earned_events([("c81e728d9d4c2f636f067f89cc14862c", stream_image(stream_record()))],
                                    Reads(EXAMPLE_BADGE))

    assert {key: payload[key] for key in payload if key != "data"} == {
        "eventName": "badgeEarned", "eventId": "c81e728d9d4c2f636f067f89cc14862c", "orgId": 50933,
        "refId": "50933_651bb7bac983", "apiRequestId": "2132", "createdAt": 1_800_000_000_123,
        "loyaltyEventId": None}
    data = payload["data"]
    assert data["customerIdentifiers"] == {"customerId": 381921157}
    assert (data["badgeId"], data["earnId"], data["earnedOn"]) == ("650c0896aefcde237f3dba43", "651bb7bac983",
                                                                   1_799_999_990_500)
    assert data["earnConstraints"] == [
        {"constraintLevel": "BADGE", "constraintType": "OVERALL", "maxEarnLimit": 1000, "currentEarnCount": 5},
        {"constraintLevel": "BADGE", "constraintType": "ROLLING_WINDOW", "rollType": "DAYS", "rollValue": 7,
         "maxEarnLimit": 300, "currentEarnCount": 5},
        {"constraintLevel": "CUSTOMER", "constraintType": "ROLLING_WINDOW", "rollType": "DAYS", "rollValue": 5,
         "maxEarnLimit": 50, "currentEarnCount": 2},
        {"constraintLevel": "CUSTOMER", "constraintType": "ROLLING_WINDOW", "rollType": "WEEKS", "rollValue": 1,
         "maxEarnLimit": 100, "currentEarnCount": 2},
        {"constraintLevel": "CUSTOMER", "constraintType": "ROLLING_WINDOW", "rollType": "MONTHS", "rollValue": 1,
         "maxEarnLimit": 200, "currentEarnCount": 2},
    ]
    assert data["triggeringActivity"] == {"ownerType": "Loyalty", "referenceId": "123694", "identifiers": [],
                                          "additionalAttributes": []}
    assert "issualId" not in data


def test_every_key_of_capillarys_example_is_in_the_payload_with_its_type_but_what_the_service_cannot_know():
    example = capillary_example()
    [payload] = badge_earned_events([("e1", stream_image(stream_record()))], Reads(EXAMPLE_BADGE))

    assert_same_shape(without(example, NOT_KNOWN), payload)
    by_type = {(c["constraintLevel"], c["constraintType"]): c for c in payload["data"]["earnConstraints"]}
    for documented in example["data"]["earnConstraints"]:  # each kind of entry against its own
        if documented["constraintType"] != "NONE":
            assert_same_shape(documented, by_type[(documented["constraintLevel"], documented["constraintType"])])
    for path in NOT_KNOWN:  # written down in functions/badges/README.md, "Events"; absent, not made up
        parent = payload
        for key in path[:-1]:
            parent = parent[key]
        assert path[-1] not in parent


def test_a_level_without_constraints_is_one_none_entry_and_an_issue_earn_names_its_issue():
    plain = badge(customerConstraints=[{"constraintType": "CUSTOMER_BADGE_FIXED_VALUE", "maxEarnLimit": 2}])
    record = stream_record(issuedId={"S": "019aa8f1c2d36c1e9a0b4f27"})
    reads = Reads(plain, customer=1)
    [payload] = badge_earned_events([("e1", stream_image(record))], reads)

    assert payload["data"]["earnConstraints"] == [
        {"constraintLevel": "BADGE", "constraintType": "NONE"},
        {"constraintLevel": "CUSTOMER", "constraintType": "OVERALL", "maxEarnLimit": 2, "currentEarnCount": 1}]
    assert payload["data"]["issualId"] == "019aa8f1c2d36c1e9a0b4f27"
    assert_same_shape(capillary_example()["data"]["earnConstraints"][-1], payload["data"]["earnConstraints"][0])
    assert [call[0] for call in reads.calls] == ["badges", "customer_counts"]  # no shard read without a badge limit


def test_a_batch_reads_each_badge_once_and_each_customer_counter_in_one_call():
    records = [("e1", stream_image(stream_record())),
               ("e2", stream_image(stream_record(customerId={"N": "7"}, earnedBadgeId={"S": "x2"})))]
    reads = Reads(EXAMPLE_BADGE)
    payloads = badge_earned_events(records, reads)

    assert [p["eventId"] for p in payloads] == ["e1", "e2"]  # one answer per record, in order
    assert [p["data"]["customerIdentifiers"]["customerId"] for p in payloads] == [381921157, 7]
    assert reads.calls == [("badges", 50933, ["650c0896aefcde237f3dba43"]), ("customer_counts", 6),
                           ("badge_sums", "650c0896aefcde237f3dba43", ["RW#D7#202701", "T"])]


def test_a_badge_that_is_gone_still_sends_its_earn_without_constraints():
    [payload] = badge_earned_events([("e1", stream_image(stream_record()))], Reads(None))

    assert payload["data"]["earnConstraints"] == []
    assert payload["data"]["earnId"] == "651bb7bac983"


def test_each_counted_constraint_reads_a_counter_its_earn_adds_to():
    every_kind = badge(
        badgeConstraints=[{"constraintType": "BADGE_FIXED_WINDOW", "maxEarnLimit": 9, "durationType": "DAYS",
                           "refreshRate": 3},
                          {"constraintType": "BADGE_ROLLING_WINDOW", "rollType": "MONTHS", "rollValue": 1,
                           "maxEarnLimit": 30}],
        customerConstraints=[{"constraintType": "CUSTOMER_BADGE_FIXED_VALUE", "maxEarnLimit": 2},
                             {"constraintType": "CUSTOMER_BADGE_FIXED_WINDOW", "maxEarnLimit": 1,
                              "durationType": "WEEKS", "startDayOfTheWeek": "MONDAY"},
                             {"constraintType": "CUSTOMER_BADGE_ROLLING_WINDOW", "maxEarnForDays": 4,
                              "rollForDays": 3}])
    event = Decimal("1799999990.5")
    written = {(c.scope, c.item, attribute)
               for c in plan(every_kind.definition, event).counters for attribute in c.adds}

    counted = counted_constraints(every_kind.definition, event)
    assert [(c.level, c.fields["constraintType"]) for c in counted] == [
        ("BADGE", "FIXED_WINDOW"), ("BADGE", "ROLLING_WINDOW"), ("CUSTOMER", "OVERALL"),
        ("CUSTOMER", "FIXED_WINDOW"), ("CUSTOMER", "ROLLING_WINDOW")]
    for c in counted:
        assert (c.level.lower(), c.item, c.attribute) in written
    assert counted[0].fields == {"constraintType": "FIXED_WINDOW", "durationType": "DAYS", "refreshRate": 3,
                                 "maxEarnLimit": 9}
