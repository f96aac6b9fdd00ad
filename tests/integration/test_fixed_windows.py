"""GET /badgeMeta/getFixedWindowDetails through its Lambda on moto: cycles, paging and earn counts."""
import time

from handlers import get_badge, get_fixed_window_details
from tests.integration.conftest import call
from tests.integration.test_earning import DAY, _fresh_cache, codes, earn_now, live_badge  # noqa: F401

PATH = "/badgeMeta/getFixedWindowDetails"
FIVE_DAYS = {"constraintType": "CUSTOMER_BADGE_FIXED_WINDOW", "maxEarnLimit": 2, "durationType": "DAYS",
             "refreshRate": 5}
BADGE_WEEKS = {"constraintType": "BADGE_FIXED_WINDOW", "maxEarnLimit": 100, "durationType": "WEEKS",
               "startDayOfTheWeek": "MONDAY"}


def details(query: str) -> tuple[int, dict]:
    status, answer, _ = call(get_fixed_window_details, "GET", f"{PATH}?{query}")
    return status, answer


def test_cycles_cover_the_badge_from_its_start_back_to_back_and_page(dynamodb):
    # Given a badge of 30 days with a five-day customer window
    badge = live_badge(start_days=-12, end_days=18, customerConstraints=[FIVE_DAYS])
    # When its cycles are read two at a time
    status, answer = details(f"badgeMetaId={badge['id']}&size=2&page=1")
    # Then there are six, the second page holds the third and fourth, each five days, from the badge's start
    assert status == 200, answer
    data = answer["data"]
    assert data["pagination"] == {"page": 1, "size": 2, "total": 6, "totalPages": 3}
    assert data["startDate"] == badge["startOn"] and data["endDate"] == badge["expiresOn"]
    assert "customerId" not in data
    cycles = data["fixedWindowCycles"]
    assert [c["startDate"] for c in cycles] == [badge["startOn"] + 10 * DAY, badge["startOn"] + 15 * DAY]
    assert [c["endDate"] - c["startDate"] for c in cycles] == [5 * DAY, 5 * DAY]
    reference = badge["customerConstraints"][0]["referenceId"]
    assert {(c["fixedWindowCycleReferenceId"], c["constraintType"]) for c in cycles} == {
        (reference, "CUSTOMER_BADGE_FIXED_WINDOW")}
    assert all("earnCount" not in c for c in cycles)


def test_earn_counts_are_the_customers_for_customer_windows_and_everyones_for_badge_windows(dynamodb):
    badge = live_badge(start_days=-12, end_days=18, customerConstraints=[FIVE_DAYS], badgeConstraints=[BADGE_WEEKS])
    now = int(time.time())
    assert earn_now(badge["id"], customer=7, earnEventDate=now)[0] == 200
    assert earn_now(badge["id"], customer=7, earnEventDate=now - 6 * DAY)[0] == 200
    assert earn_now(badge["id"], customer=8, earnEventDate=now)[0] == 200
    # When customer 7's cycles are read with their counts, only those holding an earn
    status, answer = details(f"badgeMetaId={badge['id']}&includeEarnCount=true&customerId=7&constraintType=ALL"
                             f"&startDate={now - 6 * DAY}&endDate={now}&size=30")
    assert status == 200, answer
    data = answer["data"]
    assert data["customerId"] == 7 and data["startDate"] == now - 6 * DAY and data["endDate"] == now
    mine = [c for c in data["fixedWindowCycles"] if c["constraintType"] == "CUSTOMER_BADGE_FIXED_WINDOW"]
    wide = [c for c in data["fixedWindowCycles"] if c["constraintType"] == "BADGE_FIXED_WINDOW"]
    assert [c["earnCount"] for c in mine] == [1, 1]  # one earn in each of two five-day windows
    assert sum(c["earnCount"] for c in wide) == 3  # every customer's earns, over the weeks the range touches
    assert data["pagination"]["total"] == len(mine) + len(wide)
    # And BADGE alone needs no customer
    status, answer = details(f"badgeMetaId={badge['id']}&includeEarnCount=true&constraintType=badge")
    assert status == 200 and {c["constraintType"] for c in answer["data"]["fixedWindowCycles"]} == {
        "BADGE_FIXED_WINDOW"}
    assert sum(c["earnCount"] for c in answer["data"]["fixedWindowCycles"]) == 3


def test_a_cycle_reference_picks_one_constraint(dynamodb):
    badge = live_badge(start_days=-12, end_days=18, customerConstraints=[FIVE_DAYS], badgeConstraints=[BADGE_WEEKS])
    reference = badge["badgeConstraints"][0]["referenceId"]
    status, answer = details(f"badgeMetaId={badge['id']}&fixedWindowCycleReferenceId={reference}&size=30")
    assert status == 200
    assert {c["fixedWindowCycleReferenceId"] for c in answer["data"]["fixedWindowCycles"]} == {reference}


def test_refusals(dynamodb):
    badge = live_badge(customerConstraints=[FIVE_DAYS])
    assert details("")[0] == 400 and codes(details("")[1]) == [1001]
    status, answer = details(f"badgeMetaId={badge['id']}&includeEarnCount=true")
    assert (status, codes(answer), answer["errors"][0]["reference"]) == (400, [1001], "customerId")
    assert codes(details(f"badgeMetaId={badge['id']}&constraintType=SOME")[1]) == [400]
    assert codes(details(f"badgeMetaId={badge['id']}&size=31")[1]) == [1002]
    assert codes(details(f"badgeMetaId={badge['id']}&startDate=yesterday")[1]) == [1002]
    assert details("badgeMetaId=0123456789abcdef01234567")[0] == 404
    # another org's badge is not found
    status, answer, _ = call(get_fixed_window_details, "GET", f"{PATH}?badgeMetaId={badge['id']}", org=999)
    assert (status, codes(answer)) == (404, [404])
    assert call(get_badge, "GET", f"/badgeMeta/{badge['id']}")[0] == 200
