"""GET /customer/{customerId}'s four views through its Lambda on moto: what a customer may still earn or be
issued, what expired, and the sort by latest earn."""
import time

from handlers import get_customer_badges, issue_bulk, revoke_earn
from tests.integration.conftest import call
from tests.integration.test_earning import DAY, _fresh_cache, codes, earn_now, live_badge  # noqa: F401


def view(customer: int, query: str) -> list[str]:
    status, answer, _ = call(get_customer_badges, "GET", f"/customer/{customer}?{query}&limit=100")
    assert status == 200, answer
    return [b["badgeMetaId"] for b in answer["data"]["badges"]]


def entries(customer: int, query: str) -> dict[str, dict]:
    status, answer, _ = call(get_customer_badges, "GET", f"/customer/{customer}?{query}&limit=100")
    assert status == 200, answer
    return {b["badgeMetaId"]: b for b in answer["data"]["badges"]}


def test_available_leaves_out_what_never_earns_again_and_dates_what_a_window_refuses_now(dynamodb):
    once = live_badge(customerConstraints=[{"constraintType": "CUSTOMER_BADGE_FIXED_VALUE", "maxEarnLimit": 1}])
    window = live_badge(start_days=-1, customerConstraints=[{  # one window: yesterday to 4 days ahead
        "constraintType": "CUSTOMER_BADGE_FIXED_WINDOW", "maxEarnLimit": 1, "durationType": "DAYS",
        "refreshRate": 5}])
    rolling = live_badge(customerConstraints=[{"constraintType": "CUSTOMER_BADGE_ROLLING_WINDOW",
                                               "maxEarnForDays": 2, "rollForDays": 3}])
    free = live_badge()
    # Given customer 3 used up the fixed value and the current window, and has room left in the rolling one
    earned = {}
    for badge in (once, window, rolling, free):
        status, answer = earn_now(badge["id"], customer=3)
        assert status == 200, answer
        earned[badge["id"]] = answer["data"]["earnedBadgeId"]
    # Then AVAILABLE leaves out what customer 3 will never earn again, and dates the window that refuses now
    mine = entries(3, "badgeType=AVAILABLE")
    assert {window["id"], rolling["id"], free["id"]} <= set(mine) and once["id"] not in mine
    assert mine[window["id"]]["nextEligibleOn"] == window["startOn"] + 5 * DAY  # the window's end
    assert mine[window["id"]]["nextEligibleOnISO"].endswith("Z")
    assert "nextEligibleOn" not in mine[rolling["id"]] and "nextEligibleOn" not in mine[free["id"]]
    assert {once["id"], window["id"], rolling["id"], free["id"]} <= set(view(4, "badgeType=AVAILABLE"))
    # When the rolling window fills (2 today), the earliest earn leaves it three days on, at 00:00 UTC
    assert earn_now(rolling["id"], customer=3)[0] == 200
    today = int(time.time()) // DAY * DAY
    assert entries(3, "badgeType=AVAILABLE")[rolling["id"]]["nextEligibleOn"] == today + 3 * DAY
    # A revoke gives the fixed value's unit back, and it returns
    assert call(revoke_earn, "POST", "/customer/revokeEarn", {"badgeMetaId": once["id"], "customerId": 3,
                                                          "earnedBadgeId": earned[once["id"]]})[0] == 200
    assert once["id"] in view(3, "badgeType=AVAILABLE")


def test_a_window_that_frees_only_after_the_badge_ends_leaves_the_badge_out(dynamodb):
    # a 30-day window from 10 days ago, on a badge that ends in 5 days: the next window never comes
    badge = live_badge(end_days=5, customerConstraints=[{
        "constraintType": "CUSTOMER_BADGE_FIXED_WINDOW", "maxEarnLimit": 1, "durationType": "DAYS",
        "refreshRate": 30}])
    assert earn_now(badge["id"], customer=7)[0] == 200
    assert badge["id"] not in view(7, "badgeType=AVAILABLE")


def test_available_to_issue_follows_member_care_and_enrolment_is_available_to_enrol(dynamodb):
    # Member Care (guide-Badges_in_Membercare.md): "Available to Issue" holds the badges issued directly (EARN)
    # and those "already enrolled and ready to be issued"; "Available to Enrol" the Enrol-and-Issue badges
    enrol = live_badge(earnType="ISSUE_EARN")
    direct = live_badge()
    unclaimed = live_badge(claimed=False)
    assert direct["id"] in view(6, "badgeType=available_to_issue")
    assert enrol["id"] not in view(6, "badgeType=AVAILABLE_TO_ISSUE")
    assert enrol["id"] in view(6, "badgeType=AVAILABLE_TO_ENROL")
    assert direct["id"] not in view(6, "badgeType=AVAILABLE_TO_ENROL")
    assert call(issue_bulk, "POST", "/badgeMeta/customer/issueBulk",
                {"badgeMetaId": enrol["id"], "customers": [6], "requestId": "enrol-6"})[0] == 200
    to_issue = entries(6, "badgeType=AVAILABLE_TO_ISSUE")
    assert enrol["id"] in to_issue and to_issue[enrol["id"]]["issuedId"]
    assert enrol["id"] not in view(6, "badgeType=AVAILABLE_TO_ENROL")
    assert enrol["id"] in view(6, "badgeType=AVAILABLE")
    # AVAILABLE lists only what an earn can reach: a badge no module claimed answers 810, so it is not there
    assert unclaimed["id"] in view(6, "badgeType=AVAILABLE_TO_ISSUE")
    assert unclaimed["id"] not in view(6, "badgeType=AVAILABLE")


def test_expired_lists_the_badges_whose_earns_expired_with_those_earns(dynamodb):
    short = live_badge(start_days=-60, earnedBadgeExpiry={"expiryType": "RELATIVE", "relativeExpiryType": "DAYS",
                                                          "value": 1})
    now = int(time.time())
    earn_now(short["id"], customer=9, earnEventDate=now - 10 * DAY)
    earn_now(short["id"], customer=9, earnEventDate=now)
    _, answer, _ = call(get_customer_badges, "GET", "/customer/9?badgeType=EXPIRED")
    [entry] = answer["data"]["badges"]
    assert entry["badgeMetaId"] == short["id"] and entry["earnedCount"] == 1
    assert [e["earnEventDate"] for e in entry["earnedBadges"]] == [now - 10 * DAY]
    assert view(10, "badgeType=EXPIRED") == []


def test_sort_on_the_latest_earn_and_filter_by_it(dynamodb):
    now = int(time.time())
    older, newer, never = live_badge(), live_badge(), live_badge()
    earn_now(newer["id"], customer=11, earnEventDate=now - 2 * DAY)
    earn_now(older["id"], customer=11, earnEventDate=now - 5 * DAY)  # earned last, its event the oldest
    assert view(11, "badgeType=EARNED&sortOn=LAST_EARNED_EVENT_DATE") == [newer["id"], older["id"]]
    assert view(11, "badgeType=EARNED&sortOn=last_earned_on_date") == [older["id"], newer["id"]]
    ranked = view(11, "badgeType=AVAILABLE&sortOn=LAST_EARNED_EVENT_DATE")
    assert ranked[:2] == [newer["id"], older["id"]] and never["id"] in ranked[2:]
    assert view(11, f"badgeType=EARNED&lastEarnEventDate={(now - 3 * DAY) * 1000}") == [newer["id"]]
    status, answer, _ = call(get_customer_badges, "GET", "/customer/11?sortOn=NAME")
    assert (status, codes(answer), answer["errors"][0]["reference"]) == (400, [400], "sortOn")
    status, answer, _ = call(get_customer_badges, "GET", "/customer/11?lastEarnedOnDate=soon")
    assert (status, codes(answer), answer["errors"][0]["reference"]) == (400, [1002], "lastEarnedOnDate")
