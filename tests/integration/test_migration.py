"""Revoking issues and importing earned badges through the Lambdas on moto: what a caller sees, what is stored."""
import time

import pytest

from handlers import (
    get_customer_badges,
    import_badges,
    import_badges_put,
    issue_bulk,
    revoke_issue,
)
from tests.integration.conftest import call
from tests.integration.test_earning import DAY, _fresh_cache, codes, counts, earn_now, live_badge

__all__ = ["_fresh_cache"]  # the autouse fixture that clears the badge cache, used here too

REVOKE = "/badgeMeta/customer/revokeIssue"
IMPORT = "/import/customerBadges"


def issued_badge(customers: list[int]) -> tuple[dict, dict[int, str]]:
    badge = live_badge(earnType="ISSUE_EARN")
    _, answer, _ = call(issue_bulk, "POST", "/badgeMeta/customer/issueBulk",
                        {"badgeMetaId": badge["id"], "customers": customers, "requestId": f"i{time.time_ns()}"})
    return badge, {r["customerId"]: r["issuedId"] for r in answer["data"]["issuedBadges"]}


def revoke(body: dict, org: int = 100458) -> tuple[int, dict]:
    status, answer, _ = call(revoke_issue, "POST", REVOKE, body, org=org)
    return status, answer


def test_revoking_customers_makes_their_issues_inactive_and_counts_fewer_issues(dynamodb):
    badge, issued = issued_badge([123, 62090013, 5])
    status, answer = revoke({"badgeMetaId": badge["id"], "customers": [123, 62090013]})
    assert status == 200, answer
    assert answer["data"] == {"badgeMetaId": badge["id"], "requestId": None, "revokedIssuedBadges": [
        {"customerId": 123, "issuedId": issued[123], "error": None},
        {"customerId": 62090013, "issuedId": issued[62090013], "error": None}]}
    assert (answer["errors"], answer["warnings"]) == ([], [])
    assert counts(badge["id"]) == (0, 1)
    assert earn_now(badge["id"], customer=123)[0] == 409  # the issue an earn needs is gone
    assert earn_now(badge["id"], customer=5)[0] == 200


def test_revoking_again_is_a_per_customer_404_and_counts_nothing_twice(dynamodb):
    badge, _ = issued_badge([7])
    assert revoke({"badgeMetaId": badge["id"], "customers": [7]})[0] == 200
    status, answer = revoke({"badgeMetaId": badge["id"], "customers": [7, "8"]})
    assert status == 200
    assert answer["data"]["revokedIssuedBadges"] == [
        {"customerId": c, "issuedId": None,
         "error": {"code": 404, "message": "Customer doesn't have issue instance", "reference": None}} for c in (7, 8)]
    assert counts(badge["id"]) == (0, 0)


def test_revoke_issuals_name_the_issue_and_win_over_customers(dynamodb):
    badge, issued = issued_badge([1, 2])
    status, answer = revoke({"badgeMetaId": badge["id"], "customers": [2], "revokeIssuals": [
        {"customerId": "1", "issueId": issued[1]}, {"customerId": 2, "issueId": issued[1]}]})
    assert status == 200
    first, second = answer["data"]["revokedIssuedBadges"]
    assert first == {"customerId": 1, "issuedId": issued[1], "error": None}
    assert second["customerId"] == 2 and second["error"]["message"] == "issue doesn't belong to customer"
    assert counts(badge["id"]) == (0, 1)
    assert earn_now(badge["id"], customer=2)[0] == 200  # customer 2 kept the issue


def test_a_revoked_customer_can_be_issued_again(dynamodb):
    badge, _ = issued_badge([9])
    revoke({"badgeMetaId": badge["id"], "customers": [9]})
    _, answer, _ = call(issue_bulk, "POST", "/badgeMeta/customer/issueBulk",
                        {"badgeMetaId": badge["id"], "customers": [9], "requestId": "again"})
    assert answer["data"]["issuedBadges"][0]["error"] is None
    assert counts(badge["id"]) == (0, 1)


def test_revoke_needs_customers_or_issuals_and_at_most_twenty(dynamodb):
    badge, _ = issued_badge([1])
    status, answer = revoke({"badgeMetaId": badge["id"]})
    assert (status, answer["data"]) == (400, None)
    assert answer["errors"] == [{"code": 1051, "message": "RevokeIssuals or CustomerId is mandatory",
                                 "reference": None}]
    assert codes(revoke({"badgeMetaId": badge["id"], "customers": []})[1]) == [1051]
    status, answer = revoke({"badgeMetaId": badge["id"], "customers": list(range(21))})
    assert (status, codes(answer), answer["errors"][0]["reference"]) == (400, [1002], "customers")
    status, answer = revoke({"customers": [1], "revokeIssuals": [{"customerId": 1}]})
    assert (status, sorted(codes(answer))) == (400, [1001, 1001])
    status, answer = revoke({"badgeMetaId": badge["id"], "customers": [True]})
    assert (status, codes(answer)) == (400, [1002])
    assert counts(badge["id"]) == (0, 1)


def test_another_orgs_badge_is_not_found(dynamodb):
    badge, _ = issued_badge([1])
    status, answer = revoke({"badgeMetaId": badge["id"], "customers": [1]}, org=7)
    assert (status, codes(answer), answer["errors"][0]["reference"]) == (404, [404], "badgeMetaId")
    assert counts(badge["id"]) == (0, 1)


# ---- import ------------------------------------------------------------------------------------------------


def past_badge(**changes) -> dict:
    """A badge that started two years ago (created with the migration header) and is live."""
    return live_badge(claimed=False, start_days=-730, end_days=60, **changes)


def do_import(items, method: str = "POST", org: int = 100458) -> tuple[int, object]:
    handler = import_badges if method == "POST" else import_badges_put
    status, answer, _ = call(handler, method, IMPORT, items, org=org)
    return status, answer


def item(badge_id: str, customer: int = 382442802, event_days: float = -400, expires_days: float | None = -35,
         **changes) -> dict:
    now = int(time.time())
    body = {"badgeMetaId": badge_id, "customerId": customer, "earnEventDate": now + int(event_days * DAY), **changes}
    if expires_days is not None:
        body["earnExpiresOn"] = now + int(expires_days * DAY)
    return body


def customer_earns(customer: int, badge_id: str) -> list[dict]:
    _, answer, _ = call(get_customer_badges, "GET", f"/customer/{customer}?badgeType=EARNED&includeExpired=true")
    badges = [b for b in answer["data"]["badges"] if b["id"] == badge_id]
    return badges[0]["earnedBadges"] if badges else []


def test_the_pages_example_imports_two_earns_by_put_and_by_post(dynamodb):
    badge = past_badge()
    for method in ("PUT", "POST"):
        customer = 382442802 if method == "PUT" else 555567088
        body = [item(badge["id"], customer), item(badge["id"], customer)]
        status, answer = do_import(body, method)
        assert status == 200, answer
        assert isinstance(answer, list) and len(answer) == 2
        for sent, one in zip(body, answer, strict=True):
            assert (one["errors"], one["warnings"]) == (None, None)
            data = one["data"]
            assert (data["badgeMetaId"], data["customerId"], data["expiresOn"]) == (
                badge["id"], customer, sent["earnExpiresOn"])
            assert data["earnedBadgeId"] and data["issuedId"] is None and data["expiresOnISO"].endswith("Z")
        assert answer[0]["data"]["requestId"].endswith("_1") and answer[1]["data"]["requestId"].endswith("_2")
        assert answer[0]["data"]["earnedBadgeId"] != answer[1]["data"]["earnedBadgeId"]
        earned = customer_earns(customer, badge["id"])
        assert sorted(e["earnedBadgeId"] for e in earned) == sorted(a["data"]["earnedBadgeId"] for a in answer)
        assert {round(e["earnEventDate"]) for e in earned} == {body[0]["earnEventDate"]}
    assert counts(badge["id"]) == (4, 0)


def test_an_import_sent_again_changes_nothing_and_says_809_per_item(dynamodb):
    badge = past_badge()
    body = [item(badge["id"], 1), item(badge["id"], 1), item(badge["id"], 2, requestId="mig-2")]
    _, first = do_import(body)
    status, again = do_import(body, "PUT")
    assert status == 200
    assert [codes(one) for one in again] == [[809], [809], [809]]
    assert [one["data"]["earnedBadgeId"] for one in again] == [one["data"]["earnedBadgeId"] for one in first]
    assert first[2]["data"]["requestId"] == "mig-2"
    assert counts(badge["id"]) == (3, 0)


def test_imports_count_toward_the_customers_and_the_badges_limits(dynamodb):
    badge = past_badge(customerConstraints=[{"constraintType": "CUSTOMER_BADGE_FIXED_VALUE", "maxEarnLimit": 2}],
                       badgeConstraints=[{"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": 3}])
    status, answer = do_import([item(badge["id"], 1, event_days=-300 + i) for i in range(3)]
                               + [item(badge["id"], 2, event_days=-200), item(badge["id"], 3, event_days=-100)])
    assert status == 200
    assert [codes(one) if one["errors"] else [] for one in answer] == [[], [], [1020], [], [1021]]
    assert answer[2]["data"] is None and answer[2]["errors"][0]["reference"] == "customerConstraints[0]"
    assert counts(badge["id"]) == (3, 0)
    assert len(customer_earns(1, badge["id"])) == 2


def test_an_item_is_refused_alone_with_its_reasons(dynamodb):
    badge = past_badge()
    own_rule = item(badge["id"], 5, expires_days=None)  # the badge's own expiry rule: 30 days after the event
    status, answer = do_import([
        item(badge["id"], 1, event_days=-800),  # before the badge started
        item(badge["id"], 2, event_days=3),  # ahead of the clock
        item(badge["id"], 3, event_days=-10, expires_days=-20),  # expires before it was earned
        {"earnEventDate": 1674292011},
        item("0" * 24, 4),
        own_rule,
    ])
    assert status == 200
    assert [sorted(codes(one)) if one["errors"] else [] for one in answer] == [
        [816], [750], [1002], [812, 1001], [404], []]
    assert answer[2]["errors"][0]["reference"] == "earnExpiresOn"
    assert answer[5]["data"]["expiresOn"] - own_rule["earnEventDate"] == 30 * DAY  # its own event, read once
    assert counts(badge["id"]) == (1, 0)


def test_an_import_holds_1_to_100_items_and_an_array(dynamodb):
    badge = past_badge()
    for body in ([], [item(badge["id"], c) for c in range(101)]):
        status, answer = do_import(body)
        assert (status, answer["data"], codes(answer), answer["errors"][0]["reference"]) == (400, None, [1054],
                                                                                              "body")
    status, answer = do_import(item(badge["id"]))
    assert (status, codes(answer), answer["errors"][0]["reference"]) == (400, [1002], "body")
    status, answer = do_import([item(badge["id"], customer=True)])
    assert (status, codes(answer), answer["errors"][0]["reference"]) == (400, [1002], "[0].customerId")
    assert counts(badge["id"]) == (0, 0)


def test_another_orgs_badge_is_not_imported(dynamodb):
    badge = past_badge()
    status, answer = do_import([item(badge["id"])], org=7)
    assert (status, codes(answer[0])) == (200, [404])
    assert counts(badge["id"]) == (0, 0)


def test_an_import_into_an_upcoming_badges_past_is_refused(dynamodb):
    badge = live_badge(claimed=False, start_days=5)
    _, answer = do_import([item(badge["id"])])
    assert codes(answer[0]) == [816]
    assert counts(badge["id"]) == (0, 0)


def test_null_lists_and_odd_ids_are_answered_not_faults(dynamodb):
    status, answer = revoke({"badgeMetaId": "\U0002f016\u0000b\t", "customers": None, "revokeIssuals": None})
    assert (status, codes(answer)) == (400, [1051])
    status, answer = revoke({"badgeMetaId": "\U0002f016\u0000b\t", "customers": [1]})
    assert (status, codes(answer)) == (404, [404])


def test_two_revokes_racing_on_one_issue_count_it_once(dynamodb):
    # Both read the issue as active; the second write's condition refuses it, and the count moves once.
    from badges.store.earning import earn_store
    from badges.store.ports import NotActive

    badge, issued = issued_badge([11])
    earn_store().revoke_issue(100458, 11, badge["id"], issued[11], 1)
    with pytest.raises(NotActive):
        earn_store().revoke_issue(100458, 11, badge["id"], issued[11], 2)
    assert counts(badge["id"]) == (0, 0)
    assert earn_store().get_issue(100458, 11, badge["id"]).active is False
