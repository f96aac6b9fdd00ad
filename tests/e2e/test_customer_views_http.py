"""A customer's badges, their management views and a badge's fixed-window cycles over real HTTP against
`make run`: each oas example's request sent, and every key of its example answer found with its JSON type."""
import time
from urllib.parse import quote

import pytest

from tests.e2e.conftest import unique
from tests.e2e.oas_examples import assert_same_shape, examples

pytestmark = pytest.mark.e2e

DAY = 86_400
MIGRATION = {"X-CAP-BADGES-MIGRATION": "migration"}
OWNER = {"ownerType": "Loyalty", "referenceId": "123"}


def live_badge(client, **changes) -> dict:
    now = int(time.time())
    made = client.post("/badgeMeta", {
        "name": unique("views"), "startOn": now - 12 * DAY, "expiresOn": now + 18 * DAY,
        "earnedBadgeExpiry": {"expiryType": "RELATIVE", "relativeExpiryType": "DAYS", "value": 30},
        "ownership": {"restrictedToOwners": ["Loyalty"]}, "earnType": "EARN",
        "customerConstraints": [{"constraintType": "CUSTOMER_BADGE_FIXED_WINDOW", "maxEarnLimit": 2,
                                 "durationType": "DAYS", "refreshRate": 3}],
        "badgeConstraints": [{"constraintType": "BADGE_FIXED_WINDOW", "maxEarnLimit": 100, "durationType": "WEEKS",
                              "startDayOfTheWeek": "MONDAY"}], **changes}, headers=MIGRATION)
    assert made.status == 200, made.body
    assert client.post(f"/badgeMeta/{made.body['data']['id']}/claim", OWNER).status == 200
    return made.body["data"]


def earn(client, badge_id: str, customer: int) -> None:
    answer = client.post("/customer/earn", {"badgeMetaId": badge_id, "customerId": customer,
                                            "requestId": unique("r"), "triggeredBy": OWNER})
    assert answer.status == 200, answer.body


def test_fixed_window_details_answers_as_the_examples_show(brand_a):
    badge = live_badge(brand_a)
    earn(brand_a, badge["id"], 38144111)
    start, end = badge["startOn"], badge["expiresOn"]
    # The page's example query, its ids and dates made this badge's
    for level, reference in (("BADGE", badge["badgeConstraints"][0]["referenceId"]), ("ALL", None)):
        query = (f"includeEarnCount=true&constraintType={level}&page=0&size=30&customerId=38144111"
                 f"&startDate={quote(time.strftime('%Y-%m-%dT%H:%M:%S.192Z', time.gmtime(start)))}"
                 f"&endDate={quote(time.strftime('%Y-%m-%dT%H:%M:%S.192Z', time.gmtime(end)))}"
                 f"&badgeMetaId={badge['id']}" + (f"&fixedWindowCycleReferenceId={reference}" if reference else ""))
        answer = brand_a.get(f"/badgeMeta/getFixedWindowDetails?{query}")
        assert answer.status == 200, answer.body
        for _, example in examples("get-fixed-window-details.yaml"):
            assert_same_shape(example, answer.body)
        cycles = answer.body["data"]["fixedWindowCycles"]
        assert sum(c["earnCount"] for c in cycles if c["constraintType"] == "BADGE_FIXED_WINDOW") == 1
    assert len(examples("get-fixed-window-details.yaml")) >= 2


def test_fixed_window_details_is_not_read_as_a_badge_id(brand_a, brand_b):
    badge = live_badge(brand_a)
    assert brand_a.get("/badgeMeta/getFixedWindowDetails").body["errors"][0]["reference"] == "badgeMetaId"
    assert brand_b.get(f"/badgeMeta/getFixedWindowDetails?badgeMetaId={badge['id']}").status == 404


def test_a_customers_badges_answer_as_the_examples_show(brand_a):
    group = brand_a.post("/group", {"name": unique("g"), "rank": 1}).body["data"]
    badge = live_badge(brand_a, badgeGroupId=group["id"], badgeRank=2, description="Make 5 transactions",
                       images=[{"name": "Issued", "fileSvcHandle": "qwer-8634-8938", "url": "https://x/y.jpg",
                                "tag": "EARNED"}], benefits=[{"benefitType": "COUPON", "seriesId": 13745}],
                       customFields={"Badge use": "uses"})
    earn(brand_a, badge["id"], 62090013)
    for query in ("badgeType=AVAILABLE", "badgeType=EARNED", f"badgeType=EARNED&groupId={group['id']}&sortOn=RANK",
                  "badgeType=EARNED&sortOn=LAST_EARNED_ON_DATE&includeExpired=true"):
        answer = brand_a.get(f"/customer/62090013?{query}&limit=100")
        assert answer.status == 200, answer.body
        mine = [b for b in answer.body["data"]["badges"] if b["badgeMetaId"] == badge["id"]]
        assert mine, query
        for _, example in examples("get-badges-for-customer.yaml"):
            assert_same_shape({**example, "data": {**example["data"], "badges": example["data"]["badges"][:1]}},
                              {**answer.body, "data": {**answer.body["data"], "badges": mine}})
    assert len(examples("get-badges-for-customer.yaml")) == 3
    assert brand_a.get("/customer/62090013?badgeType=AVAILABLE_TO_ISSUE").status == 200
    assert brand_a.get("/customer/62090013?badgeType=EXPIRED").status == 200


def _valid(expiry: dict | None) -> dict | None:
    """An example's expiry with its fixed date made a future one."""
    if expiry is None:
        return None
    fixed = {"expiresOn": int(time.time()) + 60 * DAY} if expiry.get("type") == "FIXED_DATE" else {}
    return {k: v for k, v in expiry.items() if k not in ("expiresOn", "expiresOnISO")} | fixed


def test_a_customers_badge_details_answer_as_the_examples_show(brand_a):
    window = {"constraintType": "BADGE_FIXED_WINDOW", "maxEarnLimit": 100, "durationType": "DAYS", "refreshRate": 3}
    cases = examples("get-individual-badge-details-of-a-customer.yaml")
    assert len(cases) == 7
    for _, example in cases:
        # Given a badge shaped as the example's (earn type, expiries, group), issued if it is ISSUE_EARN, earned once
        data = example["data"]
        group = brand_a.post("/group", {"name": unique("g"), "rank": 1}).body["data"]
        badge = live_badge(brand_a, earnType=data["badgeType"], badgeRank=3, description="Make 5 transactions",
                           badgeConstraints=[window], earnedBadgeExpiry=_valid(data["earnExpiry"]),
                           images=[{"name": "Issued", "fileSvcHandle": "h", "url": "https://x/y.jpg", "tag": "EARNED"}],
                           **({"issuedBadgeExpiry": _valid(data["issueExpiry"])} if data.get("issueExpiry") else {}),
                           **({"badgeGroupId": group["id"]} if "badgeGroupName" in data else {}))
        if data["badgeType"] == "ISSUE_EARN":
            enrolled = brand_a.post("/badgeMeta/customer/issueBulk", {
                "badgeMetaId": badge["id"], "customers": [381921157], "requestId": unique("enrol")})
            assert enrolled.status == 200, enrolled.body
        earn(brand_a, badge["id"], 381921157)
        # When Member Care reads it, with statistics as the example was taken, or without
        statistics = "customerConstraints" in data
        answer = brand_a.get(f"/management/381921157/badge/{badge['id']}?includeStatistics={str(statistics).lower()}")
        assert answer.status == 200, answer.body
        for issual in data.get("issualDetails", {}).get("issuals", []):
            # an issue records no owner (issueBulk's triggeredBy is optional) and an active one no revokedOn
            issual |= {"ownerType": None, "ownerReferenceId": None, "revokedOn": None}
        assert_same_shape(example, answer.body)
        assert ("earnDetails" in answer.body["data"]) == statistics


def test_a_customers_badge_list_answers_as_the_examples_show(brand_a):
    group = brand_a.post("/group", {"name": unique("g"), "rank": 1}).body["data"]
    badge = live_badge(brand_a, earnType="ISSUE_EARN", badgeGroupId=group["id"], badgeRank=3,
                       description="Make 5 transactions",
                       images=[{"name": "Issued", "fileSvcHandle": "h", "url": "https://x/y.jpg", "tag": "EARNED"}])
    enrolled = brand_a.post("/badgeMeta/customer/issueBulk", {"badgeMetaId": badge["id"], "customers": [62090014],
                                                              "requestId": unique("enrol")})
    assert enrolled.status == 200, enrolled.body
    earn(brand_a, badge["id"], 62090014)
    # The examples' queries (their names say them), on this customer's badges
    for query in ("badgeType=EARNED", "badgeType=EARNED&badgeStatus=LIVE", "owner=Loyalty&badgeType=EARNED",
                  f"groupId={group['id']}",
                  # the org holds every other test's badges too: the group keeps this one on the first page
                  f"badgeStatus=LIVE&badgeType=AVAILABLE&page=0&size=50&groupId={group['id']}"):
        answer = brand_a.get(f"/management/62090014?{query}")
        assert answer.status == 200, answer.body
        mine = [b for b in answer.body["data"]["customerBadges"] if b["badgeMetaId"] == badge["id"]]
        assert mine, query  # other tests' badges are available to every customer of the org too
        for _, example in examples("get-all-customer-badges.yaml"):
            data = example["data"]
            assert_same_shape({**example, "data": {**data, "customerBadges": data["customerBadges"][:1]}},
                              {**answer.body, "data": {**answer.body["data"], "customerBadges": mine}})
    assert len(examples("get-all-customer-badges.yaml")) == 8
    for kind in ("AVAILABLE_TO_ISSUE", "EXPIRED"):
        assert brand_a.get(f"/management/62090014?badgeType={kind}").status == 200
