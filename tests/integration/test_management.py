"""GET /management/{customerId}/badge/{badgeId} through its Lambda on moto: the badge, the customer's issue and
earns, and each constraint's count now."""
from handlers import claim_badge, get_customer_badge_details, issue_bulk, revoke_earn
from tests.integration.conftest import call
from tests.integration.test_earning import OWNER, _fresh_cache, codes, earn_now, live_badge  # noqa: F401

CONSTRAINTS = {
    "customerConstraints": [
        {"constraintType": "CUSTOMER_BADGE_FIXED_VALUE", "maxEarnLimit": 5},
        {"constraintType": "CUSTOMER_BADGE_FIXED_WINDOW", "maxEarnLimit": 3, "durationType": "DAYS", "refreshRate": 5},
        {"constraintType": "CUSTOMER_BADGE_ROLLING_WINDOW", "maxEarnForDays": 4, "rollForDays": 3,
         "maxEarnForWeeks": 9, "rollForWeeks": 2}],
    "badgeConstraints": [
        {"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": 100},
        {"constraintType": "BADGE_FIXED_WINDOW", "maxEarnLimit": 50, "durationType": "MONTHS"},
        {"constraintType": "BADGE_ROLLING_WINDOW", "rollType": "DAYS", "rollValue": 1, "maxEarnLimit": 30}],
}


def details(customer: int, badge_id: str, query: str = "", org: int = 100458) -> tuple[int, dict]:
    status, answer, _ = call(get_customer_badge_details, "GET", f"/management/{customer}/badge/{badge_id}?{query}",
                             org=org)
    return status, answer


def test_statistics_count_the_customers_and_everyones_earns_now(dynamodb):
    badge = live_badge(start_days=-1, **CONSTRAINTS)
    for customer in (21, 21, 22):
        assert earn_now(badge["id"], customer=customer)[0] == 200
    status, answer = details(21, badge["id"], "includeStatistics=true")
    assert status == 200, answer
    data = answer["data"]
    assert (data["id"], data["badgeStatus"], data["action"], data["badgeType"]) == (
        badge["id"], "LIVE", "ACTIVATED", "EARN")
    assert data["claimedBy"] == [{**OWNER, "isActive": True}] and data["owner"] == ["Loyalty", "Journeys"]
    fixed, window, rolling = data["customerConstraints"]
    assert (fixed["constraintType"], fixed["earnConstraintBlockStatistics"]["currentEarnCount"]) == ("OVERALL", 2)
    assert window["constraintType"] == "FIXED_WINDOW" and window["earnConstraintBlockStatistics"][
        "currentEarnCount"] == 2
    assert window["fixedWindowReferenceId"] == badge["customerConstraints"][1]["referenceId"]
    assert window["fixedWindowCycle"]["startDate"] == badge["startOn"] and window["cycleStatus"] == "ACTIVE"
    assert window["fixedWindowCycle"]["endDate"] == badge["startOn"] + 5 * 86_400
    stats = rolling["earnConstraintBlockStatistics"]
    assert (stats["currentEarnCountDays"], stats["currentEarnCountWeeks"]) == (2, 2)
    assert rolling["rollingWindowLimits"] == {"maxEarnForDays": 4, "rollForDays": 3, "maxEarnForWeeks": 9,
                                              "rollForWeeks": 2}
    assert [c["earnConstraintBlockStatistics"]["currentEarnCount"] for c in data["badgeConstraints"]] == [3, 3, 3]
    assert [c["constraintLevel"] for c in data["badgeConstraints"]] == ["BADGE"] * 3
    assert data["activeEarnedCount"] == 2 and data["earnDetails"]["earnCount"] == 2
    assert {e["earnStatus"] for e in data["earnDetails"]["earns"]} == {"ACTIVE"}
    assert data["lastEarnedOnDate"] == max(e["earnedOn"] for e in data["earnDetails"]["earns"])
    assert data["issualDetails"] == {"issuedCount": 0, "issuals": []} and data["issuedStatus"] is None
    # A revoke gives its unit back everywhere and shows as REVOKED
    earned_id = data["earnDetails"]["earns"][0]["earnedBadgeId"]
    assert call(revoke_earn, "POST", "/customer/revokeEarn",
                {"badgeMetaId": badge["id"], "customerId": 21, "earnedBadgeId": earned_id})[0] == 200
    data = details(21, badge["id"], "includeStatistics=true")[1]["data"]
    assert data["customerConstraints"][0]["earnConstraintBlockStatistics"]["currentEarnCount"] == 1
    assert data["badgeConstraints"][0]["earnConstraintBlockStatistics"]["currentEarnCount"] == 2
    assert data["activeEarnedCount"] == 1 and data["earnDetails"]["earnCount"] == 2
    assert sorted(e["earnStatus"] for e in data["earnDetails"]["earns"]) == ["ACTIVE", "REVOKED"]


def test_without_statistics_the_constraints_issue_and_earns_are_left_out(dynamodb):
    badge = live_badge(**CONSTRAINTS)
    earn_now(badge["id"], customer=23)
    status, answer = details(23, badge["id"])
    assert status == 200
    data = answer["data"]
    assert not {"customerConstraints", "badgeConstraints", "issualDetails", "earnDetails"} & set(data)
    assert data["activeEarnedCount"] == 1 and data["startsOn"] == badge["startOn"]


def test_an_issue_shows_in_the_issual_details(dynamodb):
    badge = live_badge(earnType="ISSUE_EARN")
    assert call(issue_bulk, "POST", "/badgeMeta/customer/issueBulk",
                {"badgeMetaId": badge["id"], "customers": [24], "requestId": "enrol-24"})[0] == 200
    data = details(24, badge["id"], "includeStatistics=true")[1]["data"]
    [issual] = data["issualDetails"]["issuals"]
    assert data["issuedStatus"] == "ACTIVE" and issual["issuedStatus"] == "ACTIVE" and issual["issueId"]
    assert data["badgeType"] == "ISSUE_EARN" and data["issualDetails"]["issuedCount"] == 1


def test_an_unknown_or_another_orgs_badge_is_404_and_a_bad_customer_400(dynamodb):
    badge = live_badge(claimed=False)
    assert details(1, badge["id"], org=999)[0] == 404
    assert details(1, "0123456789abcdef01234567")[0] == 404
    assert details(1, "x" * 100)[0] == 404
    status, answer = details(-1, badge["id"])
    assert status == 400 and answer["errors"][0]["reference"] == "customerId"
    assert codes(details(1, badge["id"], "includeStatistics=maybe")[1]) == [1002]
    assert call(claim_badge, "POST", f"/badgeMeta/{badge['id']}/claim", OWNER)[0] == 200
    assert details(1, badge["id"])[1]["data"]["claimedBy"] == [{**OWNER, "isActive": True}]
