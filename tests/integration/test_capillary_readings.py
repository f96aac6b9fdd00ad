"""Capillary's readings from its own examples (issue 18): cycleStatus in its words, 815 saying what happened, an
earnBulk that earned nothing answering no expiry."""
import time

from handlers import deactivate_badge, earn_bulk, get_badge, get_customer_badge_details
from tests.e2e.oas_examples import requests, responses
from tests.example_dates import moved
from tests.integration.conftest import call
from tests.integration.test_earning import DAY, OWNER, _fresh_cache, codes, earn_now, live_badge  # noqa: F401


def _documented_live_constraints() -> dict:
    """The LIVE badge of get-badge-by-id's examples: a customer and a badge fixed window, both cycleStatus ACTIVE."""
    live = next(r["data"] for r in responses("get-badge-by-id") if r["data"].get("status") == "LIVE"
                and r["data"]["customerConstraints"][0].get("cycleStatus"))
    keep = ("constraintType", "durationType", "refreshRate", "maxEarnLimit")
    return {side: [{k: c[k] for k in keep} for c in live[side]] for side in ("customerConstraints",
                                                                           "badgeConstraints")}


def test_a_fixed_window_answers_capillarys_cycle_status_active_and_upcoming(dynamodb):
    constraints = _documented_live_constraints()
    for badge, expected in ((live_badge(**constraints), "ACTIVE"), (live_badge(start_days=3, **constraints),
                                                                   "UPCOMING")):
        data = call(get_badge, "GET", f"/badgeMeta/{badge['id']}")[1]["data"]
        assert [c["cycleStatus"] for c in data["customerConstraints"] + data["badgeConstraints"]] == [expected] * 2
        stats = call(get_customer_badge_details, "GET",
                     f"/management/1/badge/{badge['id']}?includeStatistics=true")[1]["data"]
        assert [c["cycleStatus"] for c in stats["customerConstraints"]] == [expected]
    ended = live_badge(start_days=-20, end_days=-1, **constraints)
    data = call(get_badge, "GET", f"/badgeMeta/{ended['id']}")[1]["data"]
    assert data["customerConstraints"][0]["cycleStatus"] == "EXPIRED"


def test_815_says_whether_the_badge_is_deactivated_not_started_or_ended(dynamodb):
    deactivated = live_badge()
    call(deactivate_badge, "PUT", f"/badgeMeta/{deactivated['id']}/deactivate")
    for badge, why in ((deactivated, "it is deactivated"), (live_badge(start_days=2), "it has not started yet"),
                       (live_badge(start_days=-20, end_days=-1), "it has ended")):
        status, answer = earn_now(badge["id"])
        assert (status, codes(answer)) == (400, [815])
        assert answer["errors"][0]["message"] == f"Badge is not live: {why}."


def test_an_earn_bulk_that_earned_nothing_answers_no_expiry(dynamodb):
    # the earnBulk page's example, sent for a badge whose fixed value is used up
    badge = live_badge(badgeConstraints=[{"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": 1}])
    assert earn_now(badge["id"], customer=1)[0] == 200
    [example] = requests("issue-badge-to-multiple-customers")
    body = {**moved(example, start_after=time.time() - DAY), "badgeMetaId": badge["id"], "triggeredBy": OWNER,
            "requestId": f"none-{time.time_ns()}"}
    status, answer, _ = call(earn_bulk, "POST", "/customer/earnBulk", body)
    data = answer["data"]
    assert status == 200 and (data["earnedCount"], data["failedCount"]) == (0, 3)
    assert (data["expiresOn"], data["expiresOnISO"]) == (None, None)
    body["requestId"] = f"some-{time.time_ns()}"
    body["badgeMetaId"] = live_badge()["id"]
    data = call(earn_bulk, "POST", "/customer/earnBulk", body)[1]["data"]
    assert data["earnedCount"] == 3 and data["expiresOn"] and data["expiresOnISO"].endswith("Z")
