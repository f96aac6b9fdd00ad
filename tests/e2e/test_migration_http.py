"""Revoking issues and importing earned badges over real HTTP: Capillary's example requests, answered in shape."""
import json
import time

import pytest

from tests.e2e.conftest import Client, unique
from tests.e2e.oas_examples import assert_same_shape, examples_by_name

pytestmark = pytest.mark.e2e

DAY = 86_400
MIGRATION = {"X-CAP-BADGES-MIGRATION": "migration"}


def make_badge(client: Client, earn_type: str, start: int) -> str:
    made = client.post("/badgeMeta", {
        "name": unique("mig"), "startOn": start, "expiresOn": int(time.time()) + 90 * DAY,
        "earnedBadgeExpiry": {"expiryType": "NEVER"}, "ownership": {"restrictedToOwners": ["Loyalty"]},
        "earnType": earn_type}, headers=MIGRATION)
    assert made.status == 200, made.body
    return made.body["data"]["id"]


def test_revoke_issue_examples_answer_in_capillarys_shape(brand_a):
    for request, response in examples_by_name("revoke-enrolment-of-a-badge.yaml"):
        badge = make_badge(brand_a, "ISSUE_EARN", int(time.time()) - DAY)
        customers = [int(i["customerId"]) for i in request.get("revokeIssuals", [])] + request.get("customers", [])
        issued = brand_a.post("/badgeMeta/customer/issueBulk", {
            "badgeMetaId": badge, "customers": customers, "requestId": unique("issue")})
        issue_ids = {r["customerId"]: r["issuedId"] for r in issued.body["data"]["issuedBadges"]}
        sent = {**request, "badgeMetaId": badge}
        if "revokeIssuals" in sent:
            sent["revokeIssuals"] = [{**i, "issueId": issue_ids[int(i["customerId"])]} for i in sent["revokeIssuals"]]
        answer = brand_a.post("/badgeMeta/customer/revokeIssue", sent)
        assert answer.status == 200, answer.body
        assert_same_shape(response, answer.body)
        results = answer.body["data"]["revokedIssuedBadges"]
        assert [(r["customerId"], r["issuedId"], r["error"]) for r in results] == [
            (c, issue_ids[c], None) for c in customers]
        assert brand_a.get(f"/badgeMeta/{badge}").body["data"]["issuedCount"] == 0
    refused = brand_a.post("/badgeMeta/customer/revokeIssue", {"badgeMetaId": badge})
    assert (refused.status, [e["code"] for e in refused.body["errors"]]) == (400, [1051])


@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_import_example_answers_in_capillarys_shape(brand_a, method):
    (request, response), = examples_by_name("import-earned-badges-of-customer.yaml")
    badge = make_badge(brand_a, "EARN", min(item["earnEventDate"] for item in request) - DAY)
    sent = [{**item, "badgeMetaId": badge} for item in request]
    answer = brand_a.request(method, "/import/customerBadges", json.dumps(sent).encode())
    assert answer.status == 200, answer.body
    assert_same_shape(response, answer.body)
    assert [one["data"]["expiresOn"] for one in answer.body] == [item["earnExpiresOn"] for item in request]
    assert brand_a.get(f"/badgeMeta/{badge}").body["data"]["earnedCount"] == len(request)
    again = brand_a.request(method, "/import/customerBadges", json.dumps(sent).encode())
    assert [e["code"] for one in again.body for e in one["errors"]] == [809] * len(request)
    assert brand_a.get(f"/badgeMeta/{badge}").body["data"]["earnedCount"] == len(request)
