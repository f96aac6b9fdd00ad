"""Every JSON example of the badge pages, sent as written (a future one's dates moved to the clock, as a caller
would move them): accepted, or refused with the pages' codes."""
import json
from pathlib import Path

import pytest

from badges.api.jsonc import strip_comments
from handlers import create_badge, get_badge, update_badge
from tests.example_dates import moved_text
from tests.integration.conftest import call, stored

SPEC = Path(__file__).resolve().parents[1] / "fixtures" / "spec"
MIGRATION = {"X-CAP-BADGES-MIGRATION": "migration"}
# Examples whose start date has passed since the pages were written: 722 as sent, accepted as a migration.
PAST_START = ["create_issue_earn_1.json", "create_issue_earn_2.json", "create_earn_fixed_window.json",
              "create_issue_earn_rolling.json", "create_no_limit_iso.json"]


def raw(name: str) -> bytes:
    return (SPEC / name).read_bytes()


def ahead(name: str) -> bytes:
    """The example as written, its dates moved so that it starts shortly ahead of the clock."""
    return moved_text(raw(name).decode()).encode()


def example(name: str) -> dict:
    return json.loads(strip_comments(raw(name).decode()))


def badges_in(client) -> list[dict]:
    return [item for item in stored(client) if item["sk"]["S"].startswith("BADGE#")]


@pytest.mark.parametrize("name", PAST_START)
def test_a_past_start_is_722_unless_migrating(dynamodb, name):
    status, body, _ = call(create_badge, "POST", "/badgeMeta", raw(name))
    assert (status, [e["code"] for e in body["errors"]]) == (400, [722])
    assert badges_in(dynamodb) == []
    status, body, _ = call(create_badge, "POST", "/badgeMeta", raw(name), headers=MIGRATION)
    assert status == 200, body
    assert body["data"]["name"] == example(name)["name"]
    assert len(badges_in(dynamodb)) == 1


def test_the_future_example_moved_ahead_is_accepted_with_claims_ignored(dynamodb):
    status, body, _ = call(create_badge, "POST", "/badgeMeta", ahead("create_earn_future.json"), org=100458)
    assert status == 200, body
    data = body["data"]
    assert data["ownership"] == {"restrictedToOwners": ["Loyalty", "Milestones"], "claims": []}
    assert data["status"] == "UPCOMING" and data["orgId"] == 100458
    assert [c["constraintType"] for c in data["customerConstraints"]] == [
        "CUSTOMER_BADGE_FIXED_VALUE", "CUSTOMER_BADGE_ROLLING_WINDOW"]
    assert data["customerConstraints"][1] == {"constraintType": "CUSTOMER_BADGE_ROLLING_WINDOW", "maxEarnForDays": 1,
                                              "rollForDays": 1, "maxEarnForWeeks": 2, "rollForWeeks": 1,
                                              "maxEarnForMonths": 10, "rollForMonths": 1}


def test_the_iso_example_with_no_limit_entries_keeps_its_echoed_fields_out(dynamodb):
    status, body, _ = call(create_badge, "POST", "/badgeMeta", raw("create_no_limit_iso.json"), headers=MIGRATION,
                           org=7)
    assert status == 200, body
    data = body["data"]
    assert data["orgId"] == 7 and data["createdBy"] == 1 and data["issuedCount"] == 0  # echoes ignored
    assert data["startOn"] == 1699998660.192 and data["startOnISO"] == "2023-11-14T21:51:00.192Z"
    assert data["customerConstraints"] == [{"constraintType": "CUSTOMER_BADGE_NO_LIMIT"}] * 6
    assert data["badgeConstraints"] == [{"constraintType": "BADGE_NO_LIMIT"}] * 6
    assert data["tags"] == [{"name1": "string", "value": "string"}]
    assert data["earnedBadgeExpiry"] == {"expiryType": "ABSOLUTE", "type": "WITH_BADGE_META",
                                         "expiresOn": None, "expireWithBadgeMeta": True}  # as get-badge-by-id


@pytest.mark.parametrize(("sent", "answered"), [
    ("create_earn_fixed_window.json", "create_response_earn.json"),
    ("create_issue_earn_2.json", "create_response_issue_earn.json"),
])
def test_the_answer_has_every_field_of_the_pages_answer(dynamodb, sent, answered):
    _, body, _ = call(create_badge, "POST", "/badgeMeta", raw(sent), headers=MIGRATION)
    page = example(answered)["data"]
    assert set(page) <= set(body["data"])
    ours = {c["constraintType"]: c for kind in ("customerConstraints", "badgeConstraints") for c in body["data"][kind]}
    theirs = [c for kind in ("customerConstraints", "badgeConstraints") for c in page[kind]]
    compared = [c for c in theirs if c["constraintType"] in ours]
    assert compared
    for constraint in compared:
        assert set(constraint) <= set(ours[constraint["constraintType"]])
    fixed = next(c for c in ours.values() if "FIXED_WINDOW" in c["constraintType"])
    assert fixed["startDate"] == body["data"]["startOn"] and fixed["endDate"] == body["data"]["expiresOn"]
    # Capillary's words for a window's state: ACTIVE while the badge is LIVE (get-badge-by-id's example)
    assert fixed["cycleStatus"] == {"LIVE": "ACTIVE"}.get(body["data"]["status"], body["data"]["status"])
    assert len(fixed["referenceId"]) == 36


def test_the_error_example_of_the_create_page_is_reproduced(dynamodb):
    assert call(create_badge, "POST", "/badgeMeta", ahead("create_earn_future.json"))[0] == 200
    duplicate = {**example("create_earn_future.json"), "startOn": 1600000000,
                 "ownership": {"restrictedToOwners": ["Wallet"]}}
    status, body, _ = call(create_badge, "POST", "/badgeMeta", duplicate)
    assert status == 400
    assert sorted(e["code"] for e in body["errors"]) == [714, 722, 725]
    assert {e["reference"] for e in body["errors"] if e["code"] == 714} == {"ownership.restrictedToOwners"}


@pytest.mark.parametrize("name", ["update_earn_type.json", "update_with_comments.json"])
def test_the_update_examples_are_404_for_their_ids_and_accepted_for_ours(dynamodb, name):
    status, body, _ = call(update_badge, "PUT", "/badgeMeta", ahead(name))
    assert (status, body["errors"][0]["code"], body["errors"][0]["reference"]) == (404, 404, "id")
    _, made, _ = call(create_badge, "POST", "/badgeMeta", ahead("create_earn_future.json"))
    badge_id = made["data"]["id"]
    text = ahead(name).decode().replace(f'"{example(name)["id"]}"', f'"{badge_id}"')
    status, body, _ = call(update_badge, "PUT", "/badgeMeta", text.encode())
    assert status == 200, body
    assert body["data"]["name"] == example(name)["name"]
    assert body["data"]["createdOn"] == made["data"]["createdOn"]
    _, again, _ = call(get_badge, "GET", f"/badgeMeta/{badge_id}")
    assert again["data"] == body["data"]
