"""The badge endpoints' Lambdas on moto: what a caller sees, and what is stored afterwards."""
import time

import pytest

from handlers import (
    activate_badge,
    create_badge,
    create_group,
    deactivate_badge,
    get_badge,
    list_badges,
    update_badge,
)
from tests.integration.conftest import call, stored

DAY = 86_400
MIGRATION = {"X-CAP-BADGES-MIGRATION": "migration"}


def body(name: str = "Pet lover", start_in_days: float = 1, **changes) -> dict:
    now = int(time.time())
    return {"name": name, "startOn": now + int(start_in_days * DAY), "expiresOn": now + 100 * DAY,
            "earnedBadgeExpiry": {"expiryType": "NEVER"}, "ownership": {"restrictedToOwners": ["Loyalty"]},
            "earnType": "EARN", **changes}


def create(payload: dict, org: int = 100458, headers=None) -> dict:
    status, answer, _ = call(create_badge, "POST", "/badgeMeta", payload, org=org, headers=headers)
    assert status == 200, answer
    return answer["data"]


def item_of(client, badge_id: str, org: int = 100458) -> dict:
    return client.get_item(TableName="test-badges", Key={"pk": {"S": f"ORG#{org}"}, "sk": {"S": f"BADGE#{badge_id}"}})[
        "Item"]


def test_a_badge_is_stored_with_its_name_reserved(dynamodb):
    badge = create(body())
    keys = sorted(i["sk"]["S"] for i in stored(dynamodb))
    assert keys == [f"BADGE#{badge['id']}", "NAME#BADGE#Pet lover", "SEQ#BADGE"]  # SEQ: the org's badge counter
    assert badge["badgeNumericId"] == 1 and item_of(dynamodb, badge["id"])["numericId"] == {"N": "1"}
    assert "earnedCount" not in item_of(dynamodb, badge["id"])  # counts live on the tallies, made by earns
    assert (badge["earnedCount"], badge["issuedCount"]) == (0, 0)
    assert badge["status"] == "UPCOMING" and badge["ownership"]["claims"] == []


def test_a_duplicate_name_is_725_and_names_are_case_sensitive(dynamodb):
    create(body("Gold"))
    status, answer, _ = call(create_badge, "POST", "/badgeMeta", body("Gold"))
    assert (status, [e["code"] for e in answer["errors"]]) == (400, [725])
    create(body("gold"))
    create(body("Gold"), org=2)


def test_a_badge_in_a_group_needs_the_group_in_the_callers_org(dynamodb):
    _, group, _ = call(create_group, "POST", "/group", {"name": "Tier", "rank": 1})
    group_id = group["data"]["id"]
    assert create(body(badgeGroupId=group_id, badgeRank=2))["badgeGroupId"] == group_id
    for org, named in ((100458, "nope"), (2, group_id)):  # never made, or another org's
        status, answer, _ = call(create_badge, "POST", "/badgeMeta", body(f"other{org}", badgeGroupId=named), org=org)
        assert (status, answer["errors"][0]["code"], answer["errors"][0]["reference"]) == (404, 404, "badgeGroupId")
    assert [i["sk"]["S"] for i in stored(dynamodb) if i["sk"]["S"].startswith("NAME#BADGE#other")] == []


def test_every_badge_route_is_walled_by_org(dynamodb):
    badge = create(body(), org=1)
    path = f"/badgeMeta/{badge['id']}"
    for handler, method, route, payload in [
        (get_badge, "GET", path, None), (activate_badge, "PUT", f"{path}/activate", None),
        (deactivate_badge, "PUT", f"{path}/deactivate", None),
        (update_badge, "PUT", "/badgeMeta", {**body("stolen"), "id": badge["id"]}),
    ]:
        status, answer, _ = call(handler, method, route, payload, org=2)
        assert status == 404, route
        assert answer["errors"][0]["message"] == "Passed badge is not found"
    _, listed, _ = call(list_badges, "GET", "/badgeMeta", org=2)
    assert listed["data"]["metaBasicDetails"] == []
    _, mine, _ = call(get_badge, "GET", path, org=1)
    assert mine["data"] == badge


def test_activate_and_deactivate_switch_only_the_flag(dynamodb):
    badge = create(body(active=True))
    _, off, _ = call(deactivate_badge, "PUT", f"/badgeMeta/{badge['id']}/deactivate", user=5)
    assert off["data"] == {"id": badge["id"], "isActive": False}  # as Capillary answers
    _, now_off, _ = call(get_badge, "GET", f"/badgeMeta/{badge['id']}")
    assert now_off["data"]["active"] is False and now_off["data"]["lastUpdatedBy"] == 5
    assert {k: v for k, v in now_off["data"].items() if not k.startswith(("active", "lastUpdated"))} == {
        k: v for k, v in badge.items() if not k.startswith(("active", "lastUpdated"))}
    assert item_of(dynamodb, badge["id"])["active"] == {"BOOL": False}
    _, on, _ = call(activate_badge, "PUT", f"/badgeMeta/{badge['id']}/activate")
    assert on["data"] == {"id": badge["id"], "isActive": True}
    assert item_of(dynamodb, badge["id"])["active"] == {"BOOL": True}


def test_an_update_renames_and_frees_the_old_name_and_leaves_counters_alone(dynamodb):
    badge = create(body("Old"))
    tally = {"pk": {"S": f"ORG#100458#BADGE#{badge['id']}#T#05"}, "sk": {"S": "T"}}  # as if 7 earns landed there
    dynamodb.update_item(TableName="test-badges", Key=tally, UpdateExpression="SET earned = :n",
                         ExpressionAttributeValues={":n": {"N": "7"}})
    status, answer, _ = call(update_badge, "PUT", "/badgeMeta", {**body("New"), "id": badge["id"]})
    assert status == 200, answer
    assert (answer["data"]["name"], answer["data"]["earnedCount"]) == ("New", 7)
    create(body("Old"))
    assert sorted(i["sk"]["S"] for i in stored(dynamodb) if i["sk"]["S"].startswith("NAME#")) == [
        "NAME#BADGE#New", "NAME#BADGE#Old"]


def test_an_update_onto_a_taken_name_is_725_and_changes_nothing(dynamodb):
    first, _ = create(body("A")), create(body("B"))
    before = item_of(dynamodb, first["id"])
    status, answer, _ = call(update_badge, "PUT", "/badgeMeta", {**body("B"), "id": first["id"]})
    assert (status, answer["errors"][0]["code"]) == (400, 725)
    assert item_of(dynamodb, first["id"]) == before


def test_an_update_without_id_is_refused(dynamodb):
    status, answer, _ = call(update_badge, "PUT", "/badgeMeta", body())
    assert (status, answer["errors"][0]["code"], answer["errors"][0]["reference"]) == (400, 1001, "id")


WINDOW = {"constraintType": "CUSTOMER_BADGE_FIXED_WINDOW", "maxEarnLimit": 2, "durationType": "DAYS",
          "refreshRate": 3}
VALUE = {"constraintType": "CUSTOMER_BADGE_FIXED_VALUE", "maxEarnLimit": 5}
ROLLING = {"constraintType": "CUSTOMER_BADGE_ROLLING_WINDOW", "maxEarnForDays": 1, "rollForDays": 1}


def test_a_live_badge_keeps_its_start_and_its_fixed_windows(dynamodb):
    live = create(body(start_in_days=-1, customerConstraints=[WINDOW], badgeConstraints=[
        {"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": 9}]), headers=MIGRATION)
    assert live["status"] == "LIVE"
    same_start = live["startOn"]
    moved = {**body(start_in_days=-2, customerConstraints=[WINDOW]), "id": live["id"]}
    status, answer, _ = call(update_badge, "PUT", "/badgeMeta", moved, headers=MIGRATION)
    assert (status, [e["code"] for e in answer["errors"]]) == (400, [723])
    swapped = {**body(customerConstraints=[ROLLING]), "startOn": same_start, "id": live["id"]}
    status, answer, _ = call(update_badge, "PUT", "/badgeMeta", swapped)
    assert (status, [e["code"] for e in answer["errors"]]) == (400, [826])
    allowed = {**body("Renamed", customerConstraints=[{**WINDOW, "maxEarnLimit": 4}], badgeConstraints=[ROLLING | {
        "constraintType": "BADGE_ROLLING_WINDOW", "rollType": "DAYS", "rollValue": 1, "maxEarnLimit": 3}]),
        "startOn": same_start, "id": live["id"]}
    status, answer, _ = call(update_badge, "PUT", "/badgeMeta", allowed)
    assert status == 200, answer
    assert answer["data"]["customerConstraints"][0]["maxEarnLimit"] == 4


def test_an_upcoming_badge_may_change_everything(dynamodb):
    badge = create(body(customerConstraints=[WINDOW]))
    changed = {**body("Other", start_in_days=3, customerConstraints=[ROLLING]), "id": badge["id"]}
    status, answer, _ = call(update_badge, "PUT", "/badgeMeta", changed)
    assert status == 200, answer
    assert answer["data"]["startOn"] == changed["startOn"]
    assert answer["data"]["customerConstraints"][0]["constraintType"] == "CUSTOMER_BADGE_ROLLING_WINDOW"


@pytest.fixture
def catalogue(dynamodb):
    _, group, _ = call(create_group, "POST", "/group", {"name": "Tier", "rank": 1})
    made = {
        "live": create(body("Live One", start_in_days=-1), headers=MIGRATION),
        "upcoming": create(body("Coming", earnType="ISSUE_EARN", ownership={"restrictedToOwners": ["Journeys"]})),
        "grouped": create(body("In group", badgeGroupId=group["data"]["id"])),
        "expired": create({**body("Old one", start_in_days=-10), "expiresOn": int(time.time()) - DAY},
                          headers=MIGRATION),
    }
    create(body("elsewhere"), org=2)
    return made, group["data"]["id"]


@pytest.mark.parametrize(("query", "expected"), [
    ("", ["live", "upcoming", "grouped", "expired"]),
    ("?status=LIVE", ["live"]), ("?status=upcoming", ["upcoming", "grouped"]), ("?status=ENDED", ["expired"]),
    ("?earnType=ISSUE_EARN", ["upcoming"]), ("?owner=JOURNEYS", ["upcoming"]), ("?name=one", ["live", "expired"]),
])
def test_the_list_filters(catalogue, query, expected):
    made, _ = catalogue
    status, answer, _ = call(list_badges, "GET", "/badgeMeta" + query)
    assert status == 200
    assert sorted(b["id"] for b in answer["data"]["metaBasicDetails"]) == sorted(made[k]["id"] for k in expected)


def test_the_list_filters_by_group_and_pages_with_filters(catalogue):
    made, group_id = catalogue
    _, answer, _ = call(list_badges, "GET", f"/badgeMeta?groupId={group_id}")
    assert [b["id"] for b in answer["data"]["metaBasicDetails"]] == [made["grouped"]["id"]]
    seen, query = [], "?limit=1&status=UPCOMING"
    for _ in range(10):
        _, answer, _ = call(list_badges, "GET", "/badgeMeta" + query)
        seen += [b["id"] for b in answer["data"]["metaBasicDetails"]]
        if not answer["data"]["nextToken"]:
            break
        query = f"?limit=1&status=UPCOMING&nextToken={answer['data']['nextToken']}"
    assert sorted(seen) == sorted([made["upcoming"]["id"], made["grouped"]["id"]])


@pytest.mark.parametrize(("query", "reference"), [("?status=SOON", "status"), ("?owner=Wallet", "owner"),
                                                  ("?earnType=GIFT", "earnType"), ("?nextToken=x", "nextToken")])
def test_bad_filters_are_400_with_their_reference(dynamodb, query, reference):
    status, answer, _ = call(list_badges, "GET", "/badgeMeta" + query)
    assert (status, answer["errors"][0]["reference"]) == (400, reference)
