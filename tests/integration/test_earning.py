"""Issues, earns and revokes through the Lambdas on moto: what a caller sees, and the counts stored after."""
import time

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from badges.service.earning import badge_cache
from badges.store import earning as earning_store
from badges.store.items import dynamodb_client
from badges.store.retry import SAFETY_MARGIN
from handlers import (
    claim_badge,
    create_badge,
    create_group,
    deactivate_badge,
    earn,
    earn_bulk,
    get_badge,
    get_customer_badges,
    issue_bulk,
    revoke_earn,
)
from tests.fakes import FakeClock
from tests.integration.conftest import call

DAY = 86_400
MIGRATION = {"X-CAP-BADGES-MIGRATION": "migration"}
OWNER = {"ownerType": "Loyalty", "referenceId": "123"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    badge_cache.clear()
    yield
    badge_cache.clear()


def live_badge(claimed: bool = True, start_days: float = -10, end_days: float = 60, **changes) -> dict:
    now = int(time.time())
    body = {"name": f"b{time.time_ns()}", "startOn": now + int(start_days * DAY), "expiresOn": now + end_days * DAY,
            "earnedBadgeExpiry": {"expiryType": "RELATIVE", "relativeExpiryType": "DAYS", "value": 30},
            "ownership": {"restrictedToOwners": ["Loyalty", "Journeys"]}, "earnType": "EARN", **changes}
    status, answer, _ = call(create_badge, "POST", "/badgeMeta", body, headers=MIGRATION)
    assert status == 200, answer
    if claimed:
        assert call(claim_badge, "POST", f"/badgeMeta/{answer['data']['id']}/claim", OWNER)[0] == 200
    return answer["data"]


def earn_body(badge_id: str, customer: int = 1, request: str | int | None = None, **changes) -> dict:
    return {"badgeMetaId": badge_id, "customerId": customer, "requestId": request or f"r{time.time_ns()}",
            "triggeredBy": OWNER, **changes}


def earn_now(badge_id: str, **kw) -> tuple[int, dict]:
    status, answer, _ = call(earn, "POST", "/customer/earn", earn_body(badge_id, **kw))
    return status, answer


def counts(badge_id: str) -> tuple[int, int]:
    _, answer, _ = call(get_badge, "GET", f"/badgeMeta/{badge_id}")
    return answer["data"]["earnedCount"], answer["data"]["issuedCount"]


def codes(answer: dict) -> list[int]:
    return [e["code"] for e in answer["errors"]]


def test_the_specs_example_earns_and_answers_as_the_page_shows(dynamodb):
    badge = live_badge()
    body = {"badgeMetaId": badge["id"], "earnEventDate": time.strftime("%Y-%m-%dT%H:%M:%S.192Z", time.gmtime()),
            "customerId": 62090013, "requestId": 2132, "triggeredBy": {"ownerType": "Loyalty", "referenceId": "123"}}
    status, answer, _ = call(earn, "POST", "/customer/earn", body)
    assert status == 200, answer
    data = answer["data"]
    assert {"badgeMetaId", "customerId", "earnedBadgeId", "expiresOn", "expiresOnISO", "requestId"} <= set(data)
    assert (data["badgeMetaId"], data["customerId"], data["requestId"]) == (badge["id"], 62090013, "2132")
    assert data["issuedId"] is None
    assert round(data["expiresOn"] - data["earnEventDate"]) == 30 * DAY
    assert counts(badge["id"]) == (1, 0)


def test_a_repeated_request_id_is_809_with_the_first_result_and_changes_nothing(dynamodb):
    badge = live_badge()
    status, first = earn_now(badge["id"], request="same")
    status_again, again = earn_now(badge["id"], request="same", customer=2)
    assert (status, status_again, codes(again)) == (200, 400, [809])
    assert again["data"] == first["data"]
    assert counts(badge["id"]) == (1, 0)


def test_what_an_earn_must_name_is_reported_at_once(dynamodb):
    status, answer, _ = call(earn, "POST", "/customer/earn", {"badgeMetaId": "x"})
    assert (status, sorted(codes(answer))) == (400, [716, 717, 804, 812])


@pytest.mark.parametrize(("setup", "body_changes", "status", "code"), [
    ({"claimed": False}, {}, 409, 810),
    ({}, {"triggeredBy": {"ownerType": "Loyalty", "referenceId": "999"}}, 409, 810),
    ({"start_days": 2}, {}, 400, 815),
    ({"start_days": -20, "end_days": -1}, {}, 400, 815),
    ({}, {"earnEventDate": int(time.time()) - 30 * DAY}, 400, 816),
    ({}, {"earnEventDate": int(time.time()) + 2 * DAY}, 400, 750),
])
def test_an_earn_the_badge_does_not_allow_is_refused(dynamodb, setup, body_changes, status, code):
    badge = live_badge(**setup)
    got, answer = earn_now(badge["id"], **body_changes)
    assert (got, codes(answer)) == (status, [code])
    assert counts(badge["id"]) == (0, 0)


def test_an_event_up_to_a_day_ahead_and_in_the_past_within_the_badge_earns(dynamodb):
    badge = live_badge()
    assert earn_now(badge["id"], earnEventDate=int(time.time()) + 23 * 3600)[0] == 200
    assert earn_now(badge["id"], earnEventDateISO=time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                time.gmtime(time.time() - 5 * DAY)))[0] == 200


def test_an_inactive_badge_and_another_orgs_badge_do_not_earn(dynamodb):
    badge = live_badge()
    call(deactivate_badge, "PUT", f"/badgeMeta/{badge['id']}/deactivate")
    assert codes(earn_now(badge["id"])[1]) == [815]
    status, answer, _ = call(earn, "POST", "/customer/earn", earn_body(badge["id"]), org=999)
    assert (status, codes(answer)) == (404, [404])


def test_an_issue_earn_badge_needs_an_issue_first_and_answers_its_id(dynamodb):
    badge = live_badge(earnType="ISSUE_EARN", issuedBadgeExpiry={"expiryType": "RELATIVE",
                                                                 "relativeExpiryType": "DAYS", "value": 5})
    status, answer = earn_now(badge["id"], customer=7)
    assert (status, codes(answer)) == (409, [811])
    status, issued, _ = call(issue_bulk, "POST", "/badgeMeta/customer/issueBulk",
                             {"badgeMetaId": badge["id"], "customers": [7, {"customerId": 8}], "requestId": "i1"})
    assert status == 200
    results = issued["data"]["issuedBadges"]
    assert [r["customerId"] for r in results] == [7, 8]
    assert all(r["issuedId"] and (r["status"], r["error"]) == ("ACTIVE", None) for r in results)
    assert (issued["data"]["triggeredBy"], issued["data"]["requestId"]) == (None, "i1")
    assert abs(issued["data"]["expiresOn"] - time.time() - 5 * DAY) < 60 and issued["data"]["expiresOnISO"]
    status, answer = earn_now(badge["id"], customer=7)
    assert status == 200 and answer["data"]["issuedId"] == results[0]["issuedId"]
    _, again, _ = call(issue_bulk, "POST", "/badgeMeta/customer/issueBulk",
                       {"badgeMetaId": badge["id"], "customerIds": [7], "requestId": "i2"})
    [standing] = again["data"]["issuedBadges"]
    assert (standing["error"]["code"], standing["issuedId"], standing["status"]) == (1040, results[0]["issuedId"],
                                                                                   "ACTIVE")
    status, repeat, _ = call(issue_bulk, "POST", "/badgeMeta/customer/issueBulk",
                             {"badgeMetaId": badge["id"], "customerIds": [9], "requestId": "i1"})
    assert (status, codes(repeat), repeat["data"]) == (400, [809], issued["data"])  # whole, with the first answer
    assert counts(badge["id"]) == (1, 2)
    status, _ = earn_now(badge["id"], customer=9)
    assert status == 409  # the repeat issued nothing


def test_issues_are_for_issue_earn_badges_within_their_window(dynamodb):
    plain = live_badge()
    status, answer, _ = call(issue_bulk, "POST", "/badgeMeta/customer/issueBulk",
                             {"badgeMetaId": plain["id"], "customers": [1], "requestId": "x"})
    assert (status, codes(answer)) == (400, [1005])
    issuable = live_badge(earnType="ISSUE_EARN")
    _, answer, _ = call(issue_bulk, "POST", "/badgeMeta/customer/issueBulk", {
        "badgeMetaId": issuable["id"], "customers": [1], "requestId": "y",
        "issueEventDate": int(time.time()) - 30 * DAY})
    assert answer["data"]["issuedBadges"][0]["error"]["code"] == 816


def test_a_customer_fixed_value_and_a_badge_fixed_value_hold(dynamodb):
    badge = live_badge(customerConstraints=[{"constraintType": "CUSTOMER_BADGE_FIXED_VALUE", "maxEarnLimit": 2}],
                       badgeConstraints=[{"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": 3}])
    assert [earn_now(badge["id"], customer=1)[0] for _ in range(3)] == [200, 200, 400]
    status, answer = earn_now(badge["id"], customer=1)
    assert answer["errors"][0] == {"code": 1020, "reference": "customerConstraints[0]",
                                   "message": "CUSTOMER_BADGE_FIXED_VALUE allows 2: the limit is reached",
                                   "nextEligibleOn": None, "nextEligibleOnISO": None}  # a fixed value never frees
    assert earn_now(badge["id"], customer=2)[0] == 200
    status, answer = earn_now(badge["id"], customer=3)
    assert (status, codes(answer), answer["errors"][0]["reference"]) == (400, [1021], "badgeConstraints[0]")
    assert counts(badge["id"]) == (3, 0)


def refusals(answer: dict) -> list[tuple[int, str]]:
    return sorted((e["code"], e["reference"]) for e in answer["errors"])


# functions/handlers/README.md, "Issuing and earning": several refusals are reported together; issue 16: one error per
# constraint refused.
def test_an_earn_over_a_customer_and_a_badge_limit_names_both(dynamodb):
    badge = live_badge(customerConstraints=[{"constraintType": "CUSTOMER_BADGE_FIXED_VALUE", "maxEarnLimit": 1}],
                       badgeConstraints=[{"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": 1}])
    assert earn_now(badge["id"], customer=1)[0] == 200
    status, answer = earn_now(badge["id"], customer=1)
    assert (status, refusals(answer)) == (400, [(1020, "customerConstraints[0]"), (1021, "badgeConstraints[0]")])


def test_an_earn_over_two_badge_limits_names_both(dynamodb):
    badge = live_badge(badgeConstraints=[
        {"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": 1},
        {"constraintType": "BADGE_ROLLING_WINDOW", "rollType": "DAYS", "rollValue": 1, "maxEarnLimit": 1}])
    assert earn_now(badge["id"], customer=1)[0] == 200
    status, answer = earn_now(badge["id"], customer=2)
    assert (status, refusals(answer)) == (400, [(1021, "badgeConstraints[0]"), (1021, "badgeConstraints[1]")])


def test_an_earn_over_two_limits_of_one_kind_names_both(dynamodb):
    badge = live_badge(customerConstraints=[{"constraintType": "CUSTOMER_BADGE_FIXED_VALUE", "maxEarnLimit": 1}] * 2)
    assert earn_now(badge["id"], customer=1)[0] == 200
    status, answer = earn_now(badge["id"], customer=1)
    assert (status, refusals(answer)) == (400, [(1020, "customerConstraints[0]"), (1020, "customerConstraints[1]")])


def test_an_earn_refused_without_a_write_names_every_constraint_too(dynamodb):
    """Once an earn found the badge-wide limits full, the next ones are refused on one read of the shards, with no
    write: they still name the customer's limits full, and every badge-wide limit full (found by the model test)."""
    badge = live_badge(customerConstraints=[{"constraintType": "CUSTOMER_BADGE_FIXED_VALUE", "maxEarnLimit": 1}],
                       badgeConstraints=[{"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": 2},
                                         {"constraintType": "BADGE_FIXED_WINDOW", "maxEarnLimit": 2,
                                          "durationType": "MONTHS"}])
    assert [earn_now(badge["id"], customer=c)[0] for c in (1, 3)] == [200, 200]
    both = [(1021, "badgeConstraints[0]"), (1021, "badgeConstraints[1]")]
    status, answer = earn_now(badge["id"], customer=4)  # finds the shards full
    assert (status, refusals(answer)) == (400, both)
    status, answer = earn_now(badge["id"], customer=1)  # known full: no write
    assert (status, refusals(answer)) == (400, [(1020, "customerConstraints[0]"), *both])
    assert counts(badge["id"]) == (2, 0)


def test_back_dated_earns_count_in_their_own_fixed_window(dynamodb):
    badge = live_badge(start_days=-22, customerConstraints=[{  # windows: now-2d..now+3d, now-12d..now-7d, ...
        "constraintType": "CUSTOMER_BADGE_FIXED_WINDOW", "maxEarnLimit": 1, "durationType": "DAYS",
        "refreshRate": 5}])
    now = int(time.time())
    assert earn_now(badge["id"], earnEventDate=now)[0] == 200
    assert codes(earn_now(badge["id"], earnEventDate=now - 60)[1]) == [1020]  # same five days
    assert earn_now(badge["id"], earnEventDate=now - 12 * DAY)[0] == 200  # an earlier window
    assert codes(earn_now(badge["id"], earnEventDate=now - 12 * DAY + 60)[1]) == [1020]


def test_a_revoke_gives_its_unit_back_and_a_second_revoke_is_814(dynamodb):
    badge = live_badge(badgeConstraints=[{"constraintType": "BADGE_ROLLING_WINDOW", "rollType": "DAYS",
                                          "rollValue": 1, "maxEarnLimit": 1}])
    _, first = earn_now(badge["id"], customer=1)
    assert codes(earn_now(badge["id"], customer=2)[1]) == [1021]
    body = {"badgeMetaId": badge["id"], "customerId": 1, "earnedBadgeId": first["data"]["earnedBadgeId"]}
    status, answer, _ = call(revoke_earn, "POST", "/customer/revokeEarn", body)
    assert (status, answer["data"]) == (200, {**body, "isActive": False})
    assert earn_now(badge["id"], customer=2)[0] == 200
    status, answer, _ = call(revoke_earn, "POST", "/customer/revokeEarn", body)
    assert (status, codes(answer), answer["errors"][0]["reference"]) == (409, [814], "earnedBadgeId")
    assert counts(badge["id"]) == (1, 0)


def test_earn_bulk_answers_the_earned_and_the_refused_with_counts_and_replays_repeats(dynamodb):
    badge = live_badge(badgeConstraints=[{"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": 2}])
    body = {"badgeMetaId": badge["id"], "customerIds": [1, 2, 3], "requestId": "bulk", "triggeredBy": OWNER}
    status, answer, _ = call(earn_bulk, "POST", "/customer/earnBulk", body)
    data = answer["data"]
    assert status == 200 and answer["errors"] == []
    assert [e["customerId"] for e in data["earnedBadgesList"]] == [1, 2]
    assert all(e["earnedBadgeId"] for e in data["earnedBadgesList"])
    assert (data["totalCount"], data["earnedCount"], data["failedCount"]) == (3, 2, 1)
    [failed] = data["failedEarnBadgeErrorList"]
    assert (failed["customerId"], failed["error"]["code"]) == (3, 1021)
    assert (data["triggeredBy"], data["requestId"], data["badgeMetaId"]) == (OWNER, "bulk", badge["id"])
    assert abs(data["expiresOn"] - time.time() - 30 * DAY) < 60 and data["expiresOnISO"]
    _, again, _ = call(earn_bulk, "POST", "/customer/earnBulk", body)
    replayed = again["data"]
    assert (replayed["earnedCount"], replayed["failedCount"]) == (0, 3)
    assert (replayed["expiresOn"], replayed["expiresOnISO"]) == (None, None)  # nothing earned, nothing expires
    assert [f["error"]["code"] for f in replayed["failedEarnBadgeErrorList"]] == [809, 809, 1021]
    assert [f.get("earnedBadgeId") for f in replayed["failedEarnBadgeErrorList"][:2]] == [
        e["earnedBadgeId"] for e in data["earnedBadgesList"]]
    assert counts(badge["id"]) == (2, 0)


def test_earn_bulk_by_an_owner_without_a_claim_is_409_810_whole_and_earns_nothing(dynamodb):
    badge = live_badge(claimed=False)
    body = {"badgeMetaId": badge["id"], "customerIds": [1, 2], "requestId": "unclaimed", "triggeredBy": OWNER}
    status, answer, _ = call(earn_bulk, "POST", "/customer/earnBulk", body)
    assert (status, codes(answer), answer["data"], answer["warnings"]) == (409, [810], None, [])
    assert counts(badge["id"]) == (0, 0)


def test_earn_bulk_takes_the_pages_issue_event_date_as_the_earn_event_date(dynamodb):
    badge = live_badge(start_days=-20)
    past = int(time.time()) - 5 * DAY
    body = {"badgeMetaId": badge["id"], "customerIds": [4], "requestId": "dated", "triggeredBy": OWNER,
            "issueEventDate": time.strftime("%Y-%m-%dT%H:%M:%S.192Z", time.gmtime(past))}
    status, answer, _ = call(earn_bulk, "POST", "/customer/earnBulk", body)
    assert status == 200 and answer["data"]["earnedCount"] == 1
    assert round(answer["data"]["expiresOn"] - past) == 30 * DAY
    _, mine, _ = call(get_customer_badges, "GET", "/customer/4?badgeType=EARNED")
    assert round(mine["data"]["badges"][0]["earnedBadges"][0]["earnEventDate"]) == past
    body = {**body, "requestId": "both", "customerIds": [5], "earnEventDate": past + DAY}
    _, answer, _ = call(earn_bulk, "POST", "/customer/earnBulk", body)
    assert round(answer["data"]["expiresOn"] - past) == 31 * DAY  # earnEventDate wins


def test_a_revoke_must_name_the_earned_badge(dynamodb):
    status, answer, _ = call(revoke_earn, "POST", "/customer/revokeEarn", {"badgeMetaId": "b", "customerId": 1})
    assert (status, codes(answer), answer["errors"][0]["reference"]) == (400, [1001], "earnedBadgeId")


def test_a_customers_badges_earned_and_available_sorted_by_group_badge_rank_and_expiry(dynamodb):
    _, low, _ = call(create_group, "POST", "/group", {"name": "second", "rank": 2})
    _, high, _ = call(create_group, "POST", "/group", {"name": "first", "rank": 1})
    in_second = live_badge(badgeGroupId=low["data"]["id"], badgeRank=1)
    in_first_b = live_badge(badgeGroupId=high["data"]["id"], badgeRank=2)
    in_first_a = live_badge(badgeGroupId=high["data"]["id"], badgeRank=1)
    loose = live_badge()
    issue_only = live_badge(earnType="ISSUE_EARN")
    for badge in (loose, in_second, in_first_b, in_first_a):
        assert earn_now(badge["id"], customer=5)[0] == 200
    earn_now(in_first_a["id"], customer=5)
    _, answer, _ = call(get_customer_badges, "GET", "/customer/5?badgeType=earned&limit=3")
    page = answer["data"]
    assert [b["badgeMetaId"] for b in page["badges"]] == [in_first_a["id"], in_first_b["id"], in_second["id"]]
    assert page["pagination"] == {"page": 0, "size": 3, "total": 4, "totalPages": 2}
    assert page["badges"][0]["earnedCount"] == 2 and page["badges"][0]["badgeGroupName"] == "first"
    assert len(page["badges"][0]["earnedBadges"]) == 2
    _, second_page, _ = call(get_customer_badges, "GET", "/customer/5?badgeType=EARNED&limit=3&page=1")
    assert [b["badgeMetaId"] for b in second_page["data"]["badges"]] == [loose["id"]]
    _, grouped, _ = call(get_customer_badges, "GET", f"/customer/5?groupId={low['data']['id']}")
    assert [b["badgeMetaId"] for b in grouped["data"]["badges"]] == [in_second["id"]]
    _, available, _ = call(get_customer_badges, "GET", "/customer/5?badgeType=AVAILABLE&limit=100")
    ids = {b["badgeMetaId"] for b in available["data"]["badges"]}
    assert {loose["id"], in_first_a["id"]} <= ids and issue_only["id"] not in ids
    call(issue_bulk, "POST", "/badgeMeta/customer/issueBulk",
         {"badgeMetaId": issue_only["id"], "customers": [5], "requestId": "iss"})
    _, available, _ = call(get_customer_badges, "GET", "/customer/5?badgeType=AVAILABLE&limit=100")
    assert issue_only["id"] in {b["badgeMetaId"] for b in available["data"]["badges"]}
    _, other_org, _ = call(get_customer_badges, "GET", "/customer/5", org=2)
    assert other_org["data"]["badges"] == []


def test_revoked_and_expired_earns_leave_the_earned_list_unless_asked(dynamodb):
    badge = live_badge(start_days=-60, earnedBadgeExpiry={"expiryType": "RELATIVE", "relativeExpiryType": "DAYS",
                                                          "value": 1})
    earn_now(badge["id"], customer=9, earnEventDate=int(time.time()) - 10 * DAY)
    _, answer, _ = call(get_customer_badges, "GET", "/customer/9")
    assert answer["data"]["badges"] == []
    _, answer, _ = call(get_customer_badges, "GET", "/customer/9?includeExpired=true")
    assert [b["badgeMetaId"] for b in answer["data"]["badges"]] == [badge["id"]]


def test_a_back_dated_earn_needs_room_in_every_rolling_window_it_would_count_in(dynamodb):
    badge = live_badge(start_days=-20, customerConstraints=[{
        "constraintType": "CUSTOMER_BADGE_ROLLING_WINDOW", "maxEarnForDays": 1, "rollForDays": 7}])
    now = int(time.time())
    assert earn_now(badge["id"], earnEventDate=now - 2 * DAY)[0] == 200
    # the window ending 6 days ago is empty, but the one ending 2 days ago would then hold two
    status, answer = earn_now(badge["id"], earnEventDate=now - 6 * DAY)
    assert (status, codes(answer), answer["errors"][0]["reference"]) == (400, [1020], "customerConstraints[0]")
    assert earn_now(badge["id"], earnEventDate=now - 12 * DAY)[0] == 200  # far enough back
    assert counts(badge["id"]) == (2, 0)


def test_ids_longer_than_ours_are_not_found(dynamodb):
    status, answer, _ = call(get_badge, "GET", "/badgeMeta/" + "x" * 2000)
    assert (status, codes(answer)) == (404, [404])
    status, answer = earn_now("y" * 3000)
    assert (status, codes(answer)) == (404, [404])
    status, answer = earn_now(live_badge()["id"], request="r" * 300)
    assert (status, codes(answer)) == (400, [1002])


def _refusal(code: str, **fields) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": 400},
                        **fields}, "TransactWriteItems")


@pytest.mark.parametrize("busy", [
    lambda: _refusal("ThrottlingException"),
    lambda: _refusal("TransactionCanceledException", CancellationReasons=[
        {"Code": "None"}, {"Code": "ThrottlingError"}, {"Code": "None"}]),
    lambda: ReadTimeoutError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com"),
], ids=["throttling", "cancelled-by-throttling", "read-timeout"])
def test_an_earn_whose_table_stays_busy_is_503_with_retry_after_never_500(dynamodb, monkeypatch, busy):
    # Given a live, claimed badge and a table that refuses every write for longer than the invocation may wait
    badge_id = live_badge()["id"]
    client, clock, tokens = dynamodb_client(), FakeClock(), []

    def stays_busy(**params):
        tokens.append(params["ClientRequestToken"])
        raise busy()

    monkeypatch.setattr(client.wrapped, "transact_write_items", stays_busy)
    monkeypatch.setattr(client, "clock", clock)
    # When a customer earns it
    status, answer, headers = call(earn, "POST", "/customer/earn", earn_body(badge_id))
    # Then the caller is told to come back, in the envelope, after retries of the one transaction that took the
    # invocation's budget (its 10 s less the safety margin), not the default
    assert (status, headers.get("Retry-After")) == (503, "1")
    assert answer == {"data": None, "warnings": [],
                      "errors": [{"code": 503, "message": "Service busy, retry later", "reference": None}]}
    assert len(tokens) > 5 and len(set(tokens)) == 1
    assert 10 - SAFETY_MARGIN - 1 < clock.now <= 10 - SAFETY_MARGIN
    monkeypatch.undo()
    assert counts(badge_id) == (0, 0)


def test_an_issue_bulk_that_stops_before_its_answer_leaves_the_request_id_spent_and_its_customers_issued(
        dynamodb, monkeypatch):
    badge = live_badge(earnType="ISSUE_EARN")
    body = {"badgeMetaId": badge["id"], "customers": [21, 22], "requestId": "stops"}

    def crash(*_):
        raise RuntimeError("the function stopped")

    monkeypatch.setattr(earning_store.DynamoEarnStore, "complete_request", crash)
    status, _, _ = call(issue_bulk, "POST", "/badgeMeta/customer/issueBulk", body)
    assert status == 500
    monkeypatch.undo()
    monkeypatch.setattr(earning_store, "_PENDING_WAIT", 0.2)
    status, repeat, _ = call(issue_bulk, "POST", "/badgeMeta/customer/issueBulk", body)
    assert (status, codes(repeat), repeat["data"]) == (400, [809], None)
    assert counts(badge["id"]) == (0, 2)
    _, fresh, _ = call(issue_bulk, "POST", "/badgeMeta/customer/issueBulk", {**body, "requestId": "again"})
    assert [(i["error"]["code"], i["status"]) for i in fresh["data"]["issuedBadges"]] == [(1040, "ACTIVE")] * 2
    assert all(i["issuedId"] for i in fresh["data"]["issuedBadges"])
