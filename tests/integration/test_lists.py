"""GET /group and GET /badgeMeta as Capillary pages them, GET /badgeMeta/{id}'s options, the switches' answer, a
group update by POST and 724, on moto: what a caller sees, and what is stored afterwards."""
import time
from decimal import Decimal

import pytest

from badges.domain.paging import MAX_OFFSET_ITEMS
from badges.store import listing
from handlers import (
    claim_badge,
    create_badge,
    create_group,
    deactivate_badge,
    get_badge,
    get_group,
    list_badges,
    list_groups,
    update_badge,
    update_group_post,
)
from tests.integration.conftest import call
from tests.integration.test_badge_handlers import DAY, MIGRATION, body, create


def groups(n: int, org: int = 100458) -> list[str]:
    return [call(create_group, "POST", "/group", {"name": f"G{i}", "rank": i}, org=org)[1]["data"]["id"]
            for i in range(n)]


def ok(handler, path: str, org: int = 100458) -> dict:
    status, answer, _ = call(handler, "GET", path, org=org)
    assert status == 200, answer
    return answer["data"]


def test_groups_page_by_page_and_size_with_their_place(dynamodb):
    made = groups(5)
    groups(1, org=2)
    first = ok(list_groups, "/group?page=0&size=2")
    assert [g["id"] for g in first["badgeGroups"]] == made[:2]
    assert first["pagination"] == {"page": 0, "size": 2, "total": 5, "totalPages": 3}
    last = ok(list_groups, "/group?page=2&size=2")
    assert [g["id"] for g in last["badgeGroups"]] == made[4:]
    assert last["nextToken"] is None
    newest = ok(list_groups, "/group?size=2&order=desc")
    assert [g["id"] for g in newest["badgeGroups"]] == made[:2:-1][:2] == [made[4], made[3]]
    beyond = ok(list_groups, "/group?page=7&size=2")
    assert beyond["badgeGroups"] == [] and beyond["pagination"]["total"] == 5


def test_groups_default_to_ten_and_limit_still_sizes_a_page(dynamodb):
    made = groups(12)
    assert [g["id"] for g in ok(list_groups, "/group")["badgeGroups"]] == made[:10]
    assert len(ok(list_groups, "/group?limit=3")["badgeGroups"]) == 3


def test_a_token_goes_on_after_an_offset_page_in_either_order(dynamodb):
    made = groups(5)
    for order, expected in (("ASC", made), ("DESC", made[::-1])):
        page = ok(list_groups, f"/group?size=2&order={order}")
        seen = [g["id"] for g in page["badgeGroups"]]
        while page["nextToken"]:
            page = ok(list_groups, f"/group?size=2&order={order}&nextToken={page['nextToken']}")
            assert page["pagination"] == {"page": None, "size": 2, "total": None, "totalPages": None}
            seen += [g["id"] for g in page["badgeGroups"]]
        assert seen == expected
    token = ok(list_groups, "/group?size=2")["nextToken"]
    status, answer, _ = call(list_groups, "GET", f"/group?size=2&order=DESC&nextToken={token}")
    assert (status, answer["errors"][0]["code"], answer["errors"][0]["reference"]) == (400, 1003, "nextToken")


@pytest.mark.parametrize(("query", "code", "reference"), [
    ("?page=10&size=100", 1002, "page"), ("?page=1000&size=1", 1002, "page"), ("?page=-1", 1002, "page"),
    ("?size=0", 1002, "size"), ("?size=101", 1002, "size"), ("?order=UP", 400, "order"),
])
def test_offsets_beyond_the_bound_are_400(dynamodb, query, code, reference):
    status, answer, _ = call(list_groups, "GET", "/group" + query)
    assert (status, answer["errors"][0]["code"], answer["errors"][0]["reference"]) == (400, code, reference)
    status, _, _ = call(list_groups, "GET", f"/group?page={MAX_OFFSET_ITEMS // 100 - 1}&size=100")
    assert status == 200  # the last page the bound reaches


def test_a_request_reads_a_bounded_part_of_a_large_listing(dynamodb, monkeypatch):
    monkeypatch.setattr(listing, "MAX_OFFSET_ITEMS", 4)  # as if the org had more groups than one request reads
    made = groups(6)
    page = ok(list_groups, "/group?size=3&page=1")
    assert [g["id"] for g in page["badgeGroups"]] == made[3:4]
    assert page["pagination"]["total"] == 4  # the matches among the items read
    deeper = ok(list_groups, f"/group?size=3&nextToken={page['nextToken']}")
    assert [g["id"] for g in deeper["badgeGroups"]] == made[4:]


def test_a_group_is_updated_by_post_as_by_put(dynamodb):
    [gold] = groups(1)
    status, answer, _ = call(update_group_post, "POST", f"/group/{gold}", {"name": "GROUP_RANK_59", "rank": 1},
                             user=7)
    assert status == 200 and answer["data"]["name"] == "GROUP_RANK_59" and answer["data"]["lastUpdatedBy"] == 7
    assert ok(get_group, f"/group/{gold}")["name"] == "GROUP_RANK_59"
    status, answer, _ = call(update_group_post, "POST", f"/group/{gold}", {"name": "x", "rank": 1}, org=2)
    assert (status, answer["errors"][0]["code"]) == (404, 404)


@pytest.fixture
def shelf(dynamodb):
    """Badges of every kind the filters tell apart, oldest first."""
    _, group, _ = call(create_group, "POST", "/group", {"name": "Tier", "rank": 1})
    now = int(time.time())
    made = {
        "live": create(body("b Live", start_in_days=-1, ownership={"restrictedToOwners": ["Loyalty", "Journeys"]}),
                       headers=MIGRATION),
        "upcoming": create(body("c Coming", start_in_days=5, earnType="ISSUE_EARN")),
        "grouped": create(body("a Grouped", start_in_days=2, badgeGroupId=group["data"]["id"])),
        "expired": create({**body("d Old", start_in_days=-10), "expiresOn": now - DAY}, headers=MIGRATION),
        "off": create(body("e Off", start_in_days=3)),
    }
    assert call(deactivate_badge, "PUT", f"/badgeMeta/{made['off']['id']}/deactivate")[0] == 200
    status, _, _ = call(claim_badge, "POST", f"/badgeMeta/{made['live']['id']}/claim",
                        {"ownerType": "Journeys", "referenceId": "j-1"})
    assert status == 200
    create(body("elsewhere"), org=2)
    return made, group["data"]


@pytest.mark.parametrize(("query", "expected"), [
    ("?status=LIVE,UPCOMING", ["live", "upcoming", "grouped", "off"]),
    ("?status=live,%20ended", ["live", "expired"]),
    ("?action=DE_ACTIVATED", ["off"]), ("?action=activated", ["live", "upcoming", "grouped", "expired"]),
    ("?claimedBy=Journeys", ["live"]), ("?claimedBy=Loyalty", []),
    ("?unclaimed=true", ["upcoming", "grouped", "expired", "off"]),
    ("?unclaimed=false", ["live", "upcoming", "grouped", "expired", "off"]),
    ("?badgeType=issue_earn", ["upcoming"]), ("?earnType=EARN&status=UPCOMING", ["grouped", "off"]),
])
def test_the_list_filters_as_capillary_names_them(shelf, query, expected):
    made, _ = shelf
    data = ok(list_badges, "/badgeMeta" + query)
    assert [b["id"] for b in data["metaBasicDetails"]] == [made[k]["id"] for k in expected]
    assert data["pagination"] == {"page": 0, "size": 10, "total": len(expected), "totalPages": 1 if expected else 0}


def test_the_list_filters_by_dates(shelf):
    made, _ = shelf
    start = Decimal(str(made["grouped"]["startOn"]))
    later = ok(list_badges, f"/badgeMeta?startOn={start}")
    assert [b["id"] for b in later["metaBasicDetails"]] == [made[k]["id"] for k in ("upcoming", "grouped", "off")]
    iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time()))
    ended = ok(list_badges, f"/badgeMeta?expiresOn={iso}")
    assert [b["id"] for b in ended["metaBasicDetails"]] == [made["expired"]["id"]]
    status, answer, _ = call(list_badges, "GET", "/badgeMeta?startOn=yesterday")
    assert (status, answer["errors"][0]["code"], answer["errors"][0]["reference"]) == (400, 1002, "startOn")


@pytest.mark.parametrize(("query", "expected"), [
    ("?sortOn=NAME", ["grouped", "live", "upcoming", "expired", "off"]),
    ("?sortOn=name&order=DESC", ["off", "expired", "upcoming", "live", "grouped"]),
    ("?sortOn=START_DATE", ["expired", "live", "grouped", "off", "upcoming"]),
    ("?order=DESC", ["off", "expired", "grouped", "upcoming", "live"]),
])
def test_the_list_sorts(shelf, query, expected):
    made, _ = shelf
    data = ok(list_badges, "/badgeMeta" + query)
    assert [b["id"] for b in data["metaBasicDetails"]] == [made[k]["id"] for k in expected]
    assert data["nextToken"] is None
    # a token resumes in id order only: a list sorted otherwise goes on by page alone
    sized = ok(list_badges, "/badgeMeta" + query + "&size=2")
    assert (sized["nextToken"] is None) == ("sortOn" in query) and sized["pagination"]["totalPages"] == 3


def test_a_listed_badge_names_its_group_and_carries_its_counts(shelf):
    made, group = shelf
    data = ok(list_badges, "/badgeMeta?size=2&page=1")
    assert [b["id"] for b in data["metaBasicDetails"]] == [made["grouped"]["id"], made["expired"]["id"]]
    grouped, expired = data["metaBasicDetails"]
    assert (grouped["badgeGroupId"], grouped["badgeGroupName"]) == (group["id"], "Tier")
    assert expired["badgeGroupName"] is None and expired["earnedCount"] == 0
    assert data["pagination"] == {"page": 1, "size": 2, "total": 5, "totalPages": 3}


def test_a_bad_status_in_the_list_is_400(dynamodb):
    status, answer, _ = call(list_badges, "GET", "/badgeMeta?status=LIVE,SOON")
    assert (status, answer["errors"][0]["code"], answer["errors"][0]["reference"]) == (400, 400, "status")


def test_a_badge_read_with_or_without_statistics_carries_its_counts(dynamodb):
    badge = create(body())
    full = ok(get_badge, f"/badgeMeta/{badge['id']}?includeStatistics=true")
    assert (full["issuedCount"], full["earnedCount"], full["badgeNumericId"]) == (0, 0, 1)
    assert ok(get_badge, f"/badgeMeta/{badge['id']}?includeStatistics=false") == full  # as one example shows
    status, answer, _ = call(get_badge, "GET", f"/badgeMeta/{badge['id']}?includeStatistics=maybe")
    assert (status, answer["errors"][0]["reference"]) == (400, "includeStatistics")


def test_badges_are_numbered_per_org_and_a_refused_create_leaves_a_gap(dynamodb):
    first, second = create(body("One")), create(body("Two"))
    assert (first["badgeNumericId"], second["badgeNumericId"]) == (1, 2)
    assert create(body("Elsewhere"), org=2)["badgeNumericId"] == 1
    assert call(create_badge, "POST", "/badgeMeta", body("One"))[0] == 400  # 725: refused before numbering
    # numbered, then refused by the transaction
    assert call(create_badge, "POST", "/badgeMeta", body("Lost", badgeGroupId="none"))[0] == 404
    third = create(body("Three"))
    assert third["badgeNumericId"] == 4
    assert ok(get_badge, f"/badgeMeta/{third['id']}")["badgeNumericId"] == 4


def test_a_live_fixed_window_shows_its_current_cycle(dynamodb):
    window = {"constraintType": "CUSTOMER_BADGE_FIXED_WINDOW", "durationType": "DAYS", "refreshRate": 3,
              "maxEarnLimit": 1}
    badge = create(body(start_in_days=-4, customerConstraints=[window]), headers=MIGRATION)
    [constraint] = ok(get_badge, f"/badgeMeta/{badge['id']}")["customerConstraints"]
    assert constraint["currentCycle"] == {"startDate": badge["startOn"] + 3 * DAY,
                                          "endDate": badge["startOn"] + 6 * DAY}
    upcoming = create(body("Later", customerConstraints=[window]))
    assert "currentCycle" not in ok(get_badge, f"/badgeMeta/{upcoming['id']}")["customerConstraints"][0]


def test_an_update_that_ends_a_badge_in_the_past_is_724(dynamodb):
    badge = create(body())
    past = {**body(), "id": badge["id"], "startOn": badge["startOn"], "expiresOn": int(time.time()) - 60}
    status, answer, _ = call(update_badge, "PUT", "/badgeMeta", past)
    assert status == 400 and {"code": 724, "message": "Expiry Date cannot be past date",
                              "reference": "expiresOn"} in answer["errors"]
    assert ok(get_badge, f"/badgeMeta/{badge['id']}")["expiresOn"] == badge["expiresOn"]
