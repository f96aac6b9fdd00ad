"""GET /management/{customerId}/badge/{badgeId} through its Lambda on moto: the badge, the customer's issue and
earns, and each constraint's count now."""
from handlers import claim_badge, get_customer_badge_details, get_customer_badge_list, issue_bulk, revoke_earn
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


def listing(customer: int, query: str = "", org: int = 100458) -> tuple[int, dict]:
    status, answer, _ = call(get_customer_badge_list, "GET", f"/management/{customer}?{query}", org=org)
    return status, answer


def ids(answer: dict) -> list[str]:
    return [b["badgeMetaId"] for b in answer["data"]["customerBadges"]]


def test_the_list_filters_sorts_and_pages_the_customers_badges(dynamodb):
    early = live_badge(end_days=30, name="Early bird")
    late = live_badge(end_days=90, name="Late owl", ownership={"restrictedToOwners": ["Loyalty", "Milestones"]})
    coming = live_badge(start_days=5, end_days=40, claimed=False, name="Coming soon")
    enrol = live_badge(earnType="ISSUE_EARN", name="Enrol me")
    for badge in (early, late):
        assert earn_now(badge["id"], customer=31)[0] == 200
    # EARNED (the default), latest expiry first; ASC turns it round; pages of one
    status, answer = listing(31)
    assert status == 200 and ids(answer) == [late["id"], early["id"]]
    entry = answer["data"]["customerBadges"][0]
    assert (entry["badgeType"], entry["badgeStatus"], entry["earnCount"], entry["active"]) == ("EARN", "LIVE", 1, True)
    assert entry["startsOn"] == late["startOn"] and entry["lastEarnedOn"] == entry["lastEarnedOnDate"]
    assert ids(listing(31, "order=asc")[1]) == [early["id"], late["id"]]
    status, answer = listing(31, "size=1&page=1")
    assert ids(answer) == [early["id"]] and answer["data"]["pagination"] == {
        "page": 1, "size": 1, "total": 2, "totalPages": 2}
    # filters: name (a part, any case), owner, claimedBy, dates with their operators
    assert ids(listing(31, "name=OWL")[1]) == [late["id"]]
    assert ids(listing(31, "owner=Milestones")[1]) == [late["id"]]
    assert ids(listing(31, "claimedBy=Journeys")[1]) == []
    assert ids(listing(31, f"expiresOn={early['expiresOn'] + 60}&expiresOnOperator=LESS_THAN")[1]) == [early["id"]]
    assert ids(listing(31, f"expiresOn={early['expiresOn'] + 60}&endOnOperator=GREATER_THAN")[1]) == [late["id"]]
    # AVAILABLE shows what is coming too, once a module claimed it; badgeStatus (or badgeStatu) narrows it
    assert coming["id"] in ids(listing(31, "badgeType=AVAILABLE_TO_ISSUE&size=100")[1])
    assert coming["id"] not in ids(listing(31, "badgeType=AVAILABLE&size=100")[1])
    assert call(claim_badge, "POST", f"/badgeMeta/{coming['id']}/claim", OWNER)[0] == 200
    assert coming["id"] in ids(listing(31, "badgeType=AVAILABLE&size=100")[1])
    assert ids(listing(31, "badgeType=AVAILABLE&badgeStatus=UPCOMING&size=100")[1]) == [coming["id"]]
    assert ids(listing(31, "badgeType=AVAILABLE&badgeStatu=UPCOMING&size=100")[1]) == [coming["id"]]
    assert ids(listing(31, "badgeType=AVAILABLE_TO_ENROL&size=100")[1]) == [enrol["id"]]
    assert enrol["id"] not in ids(listing(31, "badgeType=AVAILABLE_TO_ISSUE&size=100")[1])
    assert call(issue_bulk, "POST", "/badgeMeta/customer/issueBulk",
                {"badgeMetaId": enrol["id"], "customers": [31], "requestId": "enrol-31"})[0] == 200
    status, answer = listing(31, "badgeType=AVAILABLE&sortOn=LAST_ISSUED_DATE&size=100")
    assert ids(answer)[0] == enrol["id"] and answer["data"]["customerBadges"][0]["issueStatus"] == "ACTIVE"
    # another org sees nothing; bad values are refused with their reference
    assert ids(listing(31, org=999)[1]) == []
    status, answer = listing(31, "sortOn=NAME")
    assert (status, codes(answer), answer["errors"][0]["reference"]) == (400, [400], "sortOn")
    status, answer = listing(31, "startOn=someday")
    assert (status, codes(answer), answer["errors"][0]["reference"]) == (400, [1002], "startOn")
    assert codes(listing(31, "size=101")[1]) == [1002]
