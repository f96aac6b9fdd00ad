"""Claims on moto: an owner listed on the badge claims it once; what is stored; what an update must respect."""
import time

import pytest

from handlers import claim_badge, create_badge, get_badge, unclaim_badge, update_badge
from tests.integration.conftest import call

DAY = 86_400


def badge(owners=("Loyalty", "Journeys"), org: int = 100458) -> dict:
    now = int(time.time())
    body = {"name": f"b{time.time_ns()}", "startOn": now + DAY, "expiresOn": now + 9 * DAY,
            "earnedBadgeExpiry": {"expiryType": "NEVER"}, "ownership": {"restrictedToOwners": list(owners)},
            "earnType": "EARN"}
    status, answer, _ = call(create_badge, "POST", "/badgeMeta", body, org=org)
    assert status == 200
    return answer["data"]


def claim(badge_id: str, body, org: int = 100458, op=claim_badge, verb="claim"):
    return call(op, "POST", f"/badgeMeta/{badge_id}/{verb}", body, org=org)


def test_the_specs_claim_is_answered_as_the_page_shows_and_stored(dynamodb):
    made = badge()
    status, answer, _ = claim(made["id"], {"ownerType": "Loyalty", "referenceId": "123"})
    assert status == 200
    assert answer["data"] == {"badgeMetaId": made["id"], "ownerType": "Loyalty", "referenceId": "123",
                              "isActive": True}
    _, read, _ = call(get_badge, "GET", f"/badgeMeta/{made['id']}")
    assert read["data"]["ownership"]["claims"] == [{"ownerType": "Loyalty", "referenceId": "123", "isActive": True}]


def test_owner_type_in_any_case_and_a_numeric_reference_are_read(dynamodb):
    made = badge()
    status, answer, _ = claim(made["id"], {"ownerType": "JOURNEYS", "referenceId": 77})
    assert (status, answer["data"]["ownerType"], answer["data"]["referenceId"]) == (200, "Journeys", "77")


@pytest.mark.parametrize(("body", "expected"), [
    ({}, [(716, "ownerType"), (717, "referenceId")]),
    ({"ownerType": "Loyalty", "referenceId": "  "}, [(717, "referenceId")]),
    ({"ownerType": "Wallet", "referenceId": "1"}, [(400, "ownerType")]),
])
def test_a_claim_without_an_owner_is_refused(dynamodb, body, expected):
    status, answer, _ = claim(badge()["id"], body)
    assert (status, [(e["code"], e["reference"]) for e in answer["errors"]]) == (400, expected)


def test_an_owner_not_listed_on_the_badge_is_714(dynamodb):
    status, answer, _ = claim(badge(owners=["Loyalty"])["id"], {"ownerType": "Milestones", "referenceId": "1"})
    assert (status, answer["errors"][0]["code"]) == (400, 714)


def test_a_second_claim_by_the_same_owner_is_900_and_another_reference_may_claim(dynamodb):
    made = badge()
    assert claim(made["id"], {"ownerType": "Loyalty", "referenceId": "1"})[0] == 200
    status, answer, _ = claim(made["id"], {"ownerType": "Loyalty", "referenceId": "1"})
    assert (status, answer["errors"][0]["code"]) == (400, 900)
    assert claim(made["id"], {"ownerType": "Loyalty", "referenceId": "2"})[0] == 200


def test_another_orgs_badge_cannot_be_claimed(dynamodb):
    made = badge(org=1)
    status, answer, _ = claim(made["id"], {"ownerType": "Loyalty", "referenceId": "1"}, org=2)
    assert (status, answer["errors"][0]["message"]) == (404, "Passed badge is not found")


def test_unclaim_gives_the_claim_up_and_737_without_one(dynamodb):
    made = badge()
    owner = {"ownerType": "Loyalty", "referenceId": "1"}
    status, answer, _ = claim(made["id"], owner, op=unclaim_badge, verb="unclaim")
    assert (status, answer["errors"][0]["code"]) == (400, 737)
    claim(made["id"], owner)
    status, answer, _ = claim(made["id"], owner, op=unclaim_badge, verb="unclaim")
    assert (status, answer["data"]["isActive"]) == (200, False)
    assert claim(made["id"], owner)[0] == 200  # claimable again


def test_a_claimed_owner_cannot_leave_restricted_owners_but_an_unclaimed_one_can(dynamodb):
    made = badge(owners=["Loyalty", "Journeys"])
    claim(made["id"], {"ownerType": "Journeys", "referenceId": "9"})
    body = {"id": made["id"], "name": made["name"], "startOn": made["startOn"], "expiresOn": made["expiresOn"],
            "earnedBadgeExpiry": {"expiryType": "NEVER"}, "ownership": {"restrictedToOwners": ["Loyalty"]},
            "earnType": "EARN"}
    status, answer, _ = call(update_badge, "PUT", "/badgeMeta", body)
    assert (status, answer["errors"][0]["code"]) == (400, 1004)
    claim(made["id"], {"ownerType": "Journeys", "referenceId": "9"}, op=unclaim_badge, verb="unclaim")
    status, answer, _ = call(update_badge, "PUT", "/badgeMeta", body)
    assert status == 200 and answer["data"]["ownership"]["restrictedToOwners"] == ["Loyalty"]
