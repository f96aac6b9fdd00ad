"""nextEligibleOn (our extension): a refused earn's 1020 / 1021 tells when the limit lets one through again, and so
do Member Care's individual details and the customer's AVAILABLE view. The expected moments are worked out here
with plain calendar arithmetic, from the clock: under faketime (`make test-dates`) they cross month ends, year
ends and 29 February."""
import calendar
import time
from datetime import UTC, date, datetime, timedelta

from handlers import earn_bulk, get_customer_badge_details, get_customer_badges
from tests.integration.conftest import call
from tests.integration.test_capillary_readings import _documented_live_constraints
from tests.integration.test_earning import DAY, OWNER, _fresh_cache, codes, earn_now, live_badge  # noqa: F401


def _today() -> date:
    return datetime.now(UTC).date()


def _midnight(day: date) -> int:
    return calendar.timegm(day.timetuple())


def _month_back(day: date) -> date:
    """The same date a month earlier, clamped to that month's end (31 Mar -> 28/29 Feb)."""
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def refused(badge_id: str, **kw) -> dict:
    status, answer = earn_now(badge_id, **kw)
    assert status == 400, answer
    [error] = answer["errors"]
    return error


def test_a_full_fixed_window_frees_at_its_end_for_the_customer_and_the_badge(dynamodb):
    windows = _documented_live_constraints()
    badge = live_badge(**windows)  # started 10 days ago: the window holding now is days 9 to 12
    end = badge["startOn"] + 12 * DAY
    assert earn_now(badge["id"], customer=1)[0] == 200
    error = refused(badge["id"], customer=1)
    assert (error["code"], error["reference"]) == (1020, "customerConstraints[0]")
    assert error["nextEligibleOn"] == end
    assert error["nextEligibleOnISO"] == datetime.fromtimestamp(end, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert earn_now(badge["id"], customer=2)[0] == 200
    error = refused(badge["id"], customer=3)  # the badge's 2 a window are taken
    assert (error["code"], error["reference"], error["nextEligibleOn"]) == (1021, "badgeConstraints[0]", end)


def test_a_calendar_month_window_frees_on_the_first_of_next_month(dynamodb):
    badge = live_badge(start_days=-40, end_days=400, customerConstraints=[{
        "constraintType": "CUSTOMER_BADGE_FIXED_WINDOW", "durationType": "MONTHS", "refreshRate": 1,
        "maxEarnLimit": 1}])
    assert earn_now(badge["id"], customer=4)[0] == 200
    today = _today()
    first = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    assert refused(badge["id"], customer=4)["nextEligibleOn"] == _midnight(first)


def test_a_rolling_window_frees_when_its_earliest_earn_leaves_it(dynamodb):
    badge = live_badge(customerConstraints=[{"constraintType": "CUSTOMER_BADGE_ROLLING_WINDOW",
                                             "maxEarnForDays": 2, "rollForDays": 3}])
    now = int(time.time())
    for days_ago in (2, 1):  # the window of 3 days ending today holds both
        assert earn_now(badge["id"], customer=5, earnEventDate=now - days_ago * DAY)[0] == 200
    error = refused(badge["id"], customer=5)
    # the earn of two days ago leaves the window tomorrow at 00:00 UTC: then it holds one
    assert (error["code"], error["nextEligibleOn"]) == (1020, _midnight(_today() + timedelta(days=1)))


def test_a_rolling_month_frees_a_calendar_month_on_clamped_at_the_months_end(dynamodb):
    badge = live_badge(end_days=400, customerConstraints=[{"constraintType": "CUSTOMER_BADGE_ROLLING_WINDOW",
                                                           "maxEarnForMonths": 1, "rollForMonths": 1}],
                       badgeConstraints=[{"constraintType": "BADGE_ROLLING_WINDOW", "rollType": "DAYS",
                                          "rollValue": 2, "maxEarnLimit": 5}])
    assert earn_now(badge["id"], customer=6)[0] == 200
    today, day = _today(), _today() + timedelta(days=1)
    while _month_back(day) < today:  # the window ending on `day` runs from the day after a month earlier
        day += timedelta(days=1)
    assert refused(badge["id"], customer=6)["nextEligibleOn"] == _midnight(day)


def test_a_badge_rolling_window_and_a_bulk_entry_tell_it_too(dynamodb):
    badge = live_badge(badgeConstraints=[{"constraintType": "BADGE_ROLLING_WINDOW", "rollType": "DAYS",
                                          "rollValue": 2, "maxEarnLimit": 1}])
    assert earn_now(badge["id"], customer=7)[0] == 200
    body = {"badgeMetaId": badge["id"], "customerIds": [8], "requestId": f"r{time.time_ns()}", "triggeredBy": OWNER}
    [failed] = call(earn_bulk, "POST", "/customer/earnBulk", body)[1]["data"]["failedEarnBadgeErrorList"]
    # today's earn counts in the windows ending today and tomorrow: room again the day after
    assert (failed["error"]["code"], failed["error"]["nextEligibleOn"]) == (
        1021, _midnight(_today() + timedelta(days=2)))


def test_member_care_details_and_the_available_view_carry_it_per_badge(dynamodb):
    windows = _documented_live_constraints()
    badge = live_badge(**windows)
    end = badge["startOn"] + 12 * DAY
    once = live_badge(customerConstraints=[{"constraintType": "CUSTOMER_BADGE_FIXED_VALUE", "maxEarnLimit": 1}])

    def details(customer: int, badge_id: str) -> dict:
        return call(get_customer_badge_details, "GET",
                    f"/management/{customer}/badge/{badge_id}?includeStatistics=true")[1]["data"]

    assert "nextEligibleOn" not in details(9, badge["id"])  # nothing refuses an earn now
    assert earn_now(badge["id"], customer=9)[0] == 200 and earn_now(once["id"], customer=9)[0] == 200
    data = details(9, badge["id"])
    assert data["nextEligibleOn"] == end and data["nextEligibleOnISO"].endswith("Z")
    assert (details(9, once["id"])["nextEligibleOn"], details(9, once["id"])["nextEligibleOnISO"]) == (None, None)
    assert earn_now(badge["id"], customer=10)[0] == 200  # the badge's window is full for everyone now
    assert details(11, badge["id"])["nextEligibleOn"] == end
    no_stats = call(get_customer_badge_details, "GET", f"/management/9/badge/{badge['id']}")[1]["data"]
    assert "nextEligibleOn" not in no_stats  # no counters read, nothing said
    available = call(get_customer_badges, "GET", "/customer/9?badgeType=AVAILABLE&limit=100")[1]["data"]["badges"]
    mine = {b["badgeMetaId"]: b for b in available}
    assert mine[badge["id"]]["nextEligibleOn"] == end and once["id"] not in mine
    assert codes(earn_now(once["id"], customer=9)[1]) == [1020]
