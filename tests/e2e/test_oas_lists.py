"""Capillary's own examples for listing groups and badges, reading a badge, switching it and updating a badge or a
group, sent over HTTP: each request is accepted, and every key of the example answer is in ours with its type."""
import time

import pytest

from tests.e2e.conftest import unique
from tests.e2e.oas_examples import assert_same_shape, operation, requests, responses
from tests.e2e.test_earn_concurrency import DAY, MIGRATION

pytestmark = pytest.mark.e2e
BASE = "/api_gateway/v1/badges"


def a_badge(client, live: bool = True, claims: tuple = (), **fields) -> dict:
    """A badge with what the examples' badges carry; LIVE (its start admitted by the migration header) or not."""
    now = int(time.time())
    made = client.post("/badgeMeta", {
        "name": unique("oas"), "description": "Make 5 transactions", "badgeRank": 3,
        "startOn": now - DAY if live else now + DAY, "expiresOn": now + 30 * DAY,
        "earnedBadgeExpiry": {"expiryType": "RELATIVE", "relativeExpiryType": "WEEKS", "value": 2},
        "images": [{"name": "Issued", "fileSvcHandle": "qwer-8634-8938", "url": "https://example.com/a.jpg",
                    "tag": "EARNED"}],
        "ownership": {"restrictedToOwners": ["Loyalty", "Audience_Campaigns"]}, "earnType": "ISSUE_EARN",
        **fields}, headers=MIGRATION if live else None)
    assert made.status == 200, made.body
    for owner, reference in claims:
        assert client.post(f"/badgeMeta/{made.body['data']['id']}/claim",
                           {"ownerType": owner, "referenceId": reference}).status == 200
    return made.body["data"]


def without_custom_fields(example: dict) -> dict:
    """The example with an empty customFields: its keys are the names of Capillary's org's fields, not a shape."""
    data = example["data"]
    return {**example, "data": {**data, "customFields": {}}} if "customFields" in data else example


def test_get_all_groups_as_documented(brand_a):
    brand_a.post("/group", {"name": unique("oas"), "rank": 1})
    method, path, _ = operation("get-all-groups")
    reply = brand_a.request(method, path.removeprefix(BASE) + "?page=0&size=100&order=ASC")
    assert reply.status == 200, reply.body
    [example] = responses("get-all-groups")
    assert_same_shape(example, reply.body)
    assert reply.body["data"]["pagination"]["size"] == 100 and reply.body["data"]["badgeGroups"]


def test_update_a_group_as_documented_by_put_and_by_post(brand_a):
    made = brand_a.post("/group", {"name": unique("oas"), "rank": 2}).body["data"]
    [body] = requests("update-badges-group")
    [example] = responses("update-badges-group")
    for method in ("PUT", "POST"):  # the export says PUT, the reference page POST
        name = unique("GROUP_RANK")
        reply = brand_a.request(method, f"/group/{made['id']}", {**body, "name": name})
        assert reply.status == 200, reply.body
        assert_same_shape(example, reply.body)
        assert brand_a.get(f"/group/{made['id']}").body["data"]["name"] == name


def test_get_all_badges_as_documented(brand_a):
    name = unique("listed")
    mine = a_badge(brand_a, live=False, claims=[("Loyalty", "123")], name=name)
    method, path, _ = operation("get-all-badges")
    reply = brand_a.request(method, path.removeprefix(BASE) + f"?status=LIVE,UPCOMING&name={name}")
    assert reply.status == 200, reply.body
    [example] = responses("get-all-badges")
    assert_same_shape(example, reply.body)
    assert [b["id"] for b in reply.body["data"]["metaBasicDetails"]] == [mine["id"]]
    assert reply.body["data"]["pagination"] == {"page": 0, "size": 10, "total": 1, "totalPages": 1}


FIXED = [{"constraintType": "CUSTOMER_BADGE_FIXED_WINDOW", "durationType": "DAYS", "refreshRate": 3,
          "maxEarnLimit": 1}]
BADGE_FIXED = [{"constraintType": "BADGE_FIXED_WINDOW", "durationType": "DAYS", "refreshRate": 3, "maxEarnLimit": 2}]
# The badge each of the page's answers describes, and whether it is read with its statistics.
READS = {
    "Fixed window, includeStatistics=true": (dict(
        earnedBadgeExpiry={"expiryType": "ABSOLUTE", "type": "WITH_BADGE_META"}, images=[], earnType="EARN",
        customerConstraints=FIXED, badgeConstraints=BADGE_FIXED), "true"),
    "Moving window, includeStatistics=true": (dict(
        issuedBadgeExpiry={"expiryType": "RELATIVE", "relativeExpiryType": "DAYS", "value": 2}, earnType="EARN",
        customerConstraints=[{"constraintType": "CUSTOMER_BADGE_FIXED_VALUE", "maxEarnLimit": 100}],
        badgeConstraints=[{"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": 1000}]), "true"),
    "Fixed window, includeStatistics= False": (dict(
        earnedBadgeExpiry={"expiryType": "ABSOLUTE", "type": "WITH_BADGE_META"}, images=[], earnType="EARN",
        customerConstraints=FIXED, badgeConstraints=BADGE_FIXED), "false"),
    "Moving window, includeStatistics= False": (dict(
        issuedBadgeExpiry={"expiryType": "RELATIVE", "relativeExpiryType": "DAYS", "value": 2}, earnType="EARN",
        customerConstraints=[{"constraintType": "CUSTOMER_BADGE_FIXED_VALUE", "maxEarnLimit": 100}]), "false"),
    "Sample response": (dict(
        issuedBadgeExpiry={"expiryType": "RELATIVE", "relativeExpiryType": "WEEKS", "value": 2}, earnType="EARN",
        customerConstraints=[{"constraintType": "CUSTOMER_BADGE_NO_LIMIT"}],
        badgeConstraints=[{"constraintType": "BADGE_NO_LIMIT"}]), "true"),
}


def test_get_badge_by_id_as_each_example_shows(brand_a):
    _, path, op = operation("get-badge-by-id")
    examples = op["responses"]["200"]["content"]["application/json"]["examples"]
    assert set(examples) == set(READS)
    for title, example in zip(examples, responses("get-badge-by-id"), strict=True):
        fields, statistics = READS[title]
        made = a_badge(brand_a, claims=[("Loyalty", "123")], **fields)
        reply = brand_a.get(path.removeprefix(BASE).replace("{badgeId}", made["id"])
                            + f"?includeStatistics={statistics}")
        assert reply.status == 200, (title, reply.body)
        assert_same_shape(without_custom_fields(example), reply.body)
        assert reply.body["data"]["earnedCount"] == 0, title  # one example without statistics has it, one not


def test_switch_a_badge_as_documented(brand_a):
    made = a_badge(brand_a)
    _, path, _ = operation("update-the-activation-status-of-badge")
    for switch, example in zip(("activate", "deactivate"), responses("update-the-activation-status-of-badge"),
                               strict=True):
        route = path.removeprefix(BASE).replace("{badgeId}", made["id"]).replace("{activationStatus}", switch)
        reply = brand_a.put(route)
        assert reply.status == 200, reply.body
        assert_same_shape(example, reply.body)
        assert reply.body["data"] == {"id": made["id"], "isActive": switch == "activate"}
        assert brand_a.get(f"/badgeMeta/{made['id']}").body["data"]["active"] is (switch == "activate")


def test_update_a_badge_answers_as_documented_and_refuses_a_past_expiry(brand_a):
    made = a_badge(brand_a, claims=[("Audience_Campaigns", "8378347853"), ("Loyalty", "456")])
    issued = {"expiryType": "ABSOLUTE", "type": "FIXED_DATE", "expiresOn": int(time.time()) + 60 * DAY}
    update = {**made, "issuedBadgeExpiry": issued, "customerConstraints": [], "badgeConstraints": []}
    reply = brand_a.put("/badgeMeta", update)
    assert reply.status == 200, reply.body
    [example] = responses("update-badges")
    assert_same_shape(without_custom_fields(example), reply.body)
    past = brand_a.put("/badgeMeta", {**update, "expiresOn": int(time.time()) - 60, "expiresOnISO": None})
    assert past.status == 400 and [(e["code"], e["reference"]) for e in past.body["errors"]] == [(724, "expiresOn")]
    assert brand_a.get(f"/badgeMeta/{made['id']}").body["data"]["expiresOn"] == made["expiresOn"]
