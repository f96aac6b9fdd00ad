"""What nextEligibleOn and X-CAP-CUSTOMER-IDENTIFIER cost, metered: DynamoDB calls and read units per request
(benchmarks.reads) and writes (benchmarks.writes), against moto in this process."""
import time
from decimal import Decimal

import pytest

from badges.domain.enums import Period
from badges.domain.windows import day_of, rolling_window_ends
from badges.store.items import dynamodb_client
from benchmarks.reads import ReadMeter
from benchmarks.writes import WriteMeter
from handlers import earn, get_customer_badge_details, get_customer_badges, put_customer_identifiers
from tests.integration.conftest import call
from tests.integration.test_earning import _fresh_cache, earn_body, live_badge  # noqa: F401

WINDOW = {"customerConstraints": [{"constraintType": "CUSTOMER_BADGE_FIXED_WINDOW", "durationType": "DAYS",
                                   "refreshRate": 3, "maxEarnLimit": 1}],
          "badgeConstraints": [{"constraintType": "BADGE_ROLLING_WINDOW", "rollType": "DAYS", "rollValue": 3,
                                "maxEarnLimit": 1000}]}
ROLLING = {"customerConstraints": [{"constraintType": "CUSTOMER_BADGE_ROLLING_WINDOW", "maxEarnForDays": 1,
                                    "rollForDays": 3}]}


@pytest.fixture
def meters(dynamodb):
    reads, writes = ReadMeter(dynamodb_client()), WriteMeter(dynamodb_client())
    yield reads, writes
    reads.requests, writes.requests = [], []  # the client outlives the test: its hooks then meter nothing


def metered(meters, *request) -> tuple[dict, list[str], float, list[str], int]:
    reads, writes = meters
    read, written = reads.begin(), writes.begin()
    _, answer, _ = call(*request)
    return answer, read.calls, read.units, written.calls, written.write_units


@pytest.mark.parametrize("limits", [WINDOW, ROLLING], ids=["fixed window", "rolling window"])
def test_a_refused_earn_tells_next_eligible_on_with_no_read_and_no_write_more(meters, limits):
    badge = live_badge(**limits)
    call(earn, "POST", "/customer/earn", earn_body(badge["id"], customer=1))  # the badge is cached from here on
    answer, reads, units, calls, write_units = metered(meters, earn, "POST", "/customer/earn",
                                                       earn_body(badge["id"], customer=1))
    assert answer["errors"][0]["code"] == 1020 and answer["errors"][0]["nextEligibleOn"]
    print(f"refused earn: reads {reads} ({units} units), writes {calls} ({write_units} units)")
    # the refused transaction and the check that the requestId is not a retry of an earn that succeeded; the
    # counters come back with the refusal
    assert reads == [] and calls == ["TransactWriteItems"] and write_units == 0


def test_resolving_an_identifier_adds_one_get_item_of_one_read_unit(meters):
    call(put_customer_identifiers, "PUT", "/customerIdentifiers", [{"customerId": 7, "email": "seven@example.com"}])
    badge = live_badge(**WINDOW)
    call(earn, "POST", "/customer/earn", earn_body(badge["id"], customer=7))
    header = {"X-CAP-CUSTOMER-IDENTIFIER": "email"}
    for path in ("/customer/{}?badgeType=EARNED", f"/management/{{}}/badge/{badge['id']}?includeStatistics=true"):
        handler = get_customer_badges if path.startswith("/customer") else get_customer_badge_details
        by_id = metered(meters, handler, "GET", path.format(7))
        by_email = metered(meters, handler, "GET", path.format("seven@example.com"), None, 100458, 1, header)
        assert by_id[0]["data"] == by_email[0]["data"]
        print(f"{path}: by id {by_id[1]} ({by_id[2]} units); by email {by_email[1]} ({by_email[2]} units)")
        assert by_email[1] == ["GetItem", *by_id[1]] and by_email[2] - by_id[2] == 1


def _months_an_earn_today_counts_in() -> int:
    """The month items of WINDOW's 3-day badge rolling window that an earn today counts in: 2 in a month's last
    days (its windows end next month), else 1."""
    return len({(end.year, end.month) for end in rolling_window_ends(day_of(Decimal(time.time())), Period.DAYS, 3)})


def test_member_care_details_read_next_eligible_on_in_the_calls_they_make(meters):
    badge = live_badge(**WINDOW)
    call(earn, "POST", "/customer/earn", earn_body(badge["id"], customer=9))
    months = {_months_an_earn_today_counts_in()}
    answer, reads, units, _, write_units = metered(meters, get_customer_badge_details, "GET",
                                                   f"/management/9/badge/{badge['id']}?includeStatistics=true")
    months.add(_months_an_earn_today_counts_in())  # the clock may pass midnight during the request
    assert answer["data"]["nextEligibleOn"] and write_units == 0
    print(f"details with statistics: reads {reads} ({units} units)")
    # the counters an earn now checks are the ones the statistics read: the calls of the statistics alone (the
    # badge, its counts, the earns, the issue), the customer's counters in one BatchGetItem and the badge-wide ones
    # over the 64 shards, 100 keys a BatchGetItem: one month item in one, two (at a month's end) in two
    shard_batches = {-(-64 * n // 100) for n in months}
    assert reads.count("BatchGetItem") - 2 in shard_batches and len(reads) - 5 in shard_batches
