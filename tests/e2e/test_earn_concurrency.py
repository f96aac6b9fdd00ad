"""Exact under concurrency: many callers at once against `make run`, whose app code runs in many threads against
the local DynamoDB model with contention on: writes hold their items, overlapping transactions are cancelled and a
busy item throttles, as on DynamoDB. Every answer is a decision (200, or 400 with its code) or a 503 to retry."""
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.conftest import unique

pytestmark = pytest.mark.e2e

DAY = 86_400
OWNER = {"ownerType": "Loyalty", "referenceId": "c1"}
MIGRATION = {"X-CAP-BADGES-MIGRATION": "migration"}


def live_badge(client, **constraints) -> str:
    now = int(time.time())
    made = client.post("/badgeMeta", {
        "name": unique("conc"), "startOn": now - DAY, "expiresOn": now + 30 * DAY,
        "earnedBadgeExpiry": {"expiryType": "NEVER"}, "ownership": {"restrictedToOwners": ["Loyalty"]},
        "earnType": "EARN", **constraints}, headers=MIGRATION)
    assert made.status == 200, made.body
    badge_id = made.body["data"]["id"]
    assert client.post(f"/badgeMeta/{badge_id}/claim", OWNER).status == 200
    return badge_id


def earn_all(client, badge_id: str, customers: list[int], request_ids: list[str] | None = None) -> list:
    request_ids = request_ids or [unique("req") for _ in customers]
    bodies = [{"badgeMetaId": badge_id, "customerId": c, "requestId": r, "triggeredBy": OWNER}
              for c, r in zip(customers, request_ids, strict=True)]
    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(lambda body: client.post("/customer/earn", body), bodies))


def settled(client, badge_id: str, customers: list[int], request_ids: list[str], replies: list) -> list:
    """Each 503 retried as a caller would, with its requestId, until decided. A 503 says nothing was decided for
    the caller, not that nothing was written (a write can commit after the answer's budget ran out): an earn
    that had committed answers 809 with its first result, which counts as that earn's success."""
    final = list(replies)
    for index in range(len(replies)):
        attempts = 0
        while final[index].status == 503 and attempts < 10:
            time.sleep(1)
            body = {"badgeMetaId": badge_id, "customerId": customers[index],
                    "requestId": request_ids[index], "triggeredBy": OWNER}
            final[index] = client.post("/customer/earn", body)
            attempts += 1
    return final


def succeeded(reply) -> bool:
    return reply.status == 200 or (reply.status == 400 and reply.body["errors"][0]["code"] == 809)


def earned_count(client, badge_id: str) -> int:
    return client.get(f"/badgeMeta/{badge_id}").body["data"]["earnedCount"]


@pytest.mark.parametrize(("constraints", "customers", "limit", "code"), [
    ({"badgeConstraints": [{"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": 7}]}, list(range(20)), 7, 1021),
    ({"customerConstraints": [{"constraintType": "CUSTOMER_BADGE_FIXED_VALUE", "maxEarnLimit": 3}]}, [42] * 12, 3,
     1020),
    ({"badgeConstraints": [{"constraintType": "BADGE_ROLLING_WINDOW", "rollType": "DAYS", "rollValue": 1,
                            "maxEarnLimit": 5}]}, list(range(16)), 5, 1021),
    ({"customerConstraints": [{"constraintType": "CUSTOMER_BADGE_FIXED_WINDOW", "durationType": "DAYS",
                               "refreshRate": 30, "maxEarnLimit": 4}]}, [7] * 14, 4, 1020),
    # Badge-wide limits over the 64 tally shards: quotas of one or two a shard, spilled over when a home is full.
    ({"badgeConstraints": [{"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": 70}]}, list(range(80)), 70, 1021),
    ({"badgeConstraints": [{"constraintType": "BADGE_FIXED_WINDOW", "durationType": "DAYS", "refreshRate": 30,
                            "maxEarnLimit": 40}]}, list(range(48)), 40, 1021),
    ({"badgeConstraints": [{"constraintType": "BADGE_ROLLING_WINDOW", "rollType": "DAYS", "rollValue": 7,
                            "maxEarnLimit": 40}]}, list(range(48)), 40, 1021),
    # As many earns as the limit: not one may be refused, whichever shards their customers fall on.
    ({"badgeConstraints": [{"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": 40}]}, list(range(40)), 40, None),
    ({"badgeConstraints": [{"constraintType": "BADGE_ROLLING_WINDOW", "rollType": "DAYS", "rollValue": 30,
                            "maxEarnLimit": 36}]}, list(range(36)), 36, None),
], ids=["badge-fixed-value", "customer-fixed-value", "badge-rolling-window", "customer-fixed-window",
        "sharded-fixed-value", "sharded-fixed-window", "sharded-rolling-window", "sharded-cap-all-succeed",
        "sharded-rolling-all-succeed"])
def test_n_concurrent_earns_against_a_limit_l_give_exactly_l(brand_a, constraints, customers, limit, code):
    badge_id = live_badge(brand_a, **constraints)
    request_ids = [unique("req") for _ in customers]
    replies = earn_all(brand_a, badge_id, customers, request_ids)
    statuses = Counter(r.status for r in replies)
    assert set(statuses) <= {200, 400, 503}, statuses  # a non-decision is a 503 to retry, never a 500
    assert all(r.headers.get("retry-after") for r in replies if r.status == 503)
    final = settled(brand_a, badge_id, customers, request_ids, replies)
    assert not [r for r in final if r.status == 503], "still undecided after 10 retries"
    refusals = {r.body["errors"][0]["code"] for r in final if not succeeded(r)}
    assert refusals <= ({code} if code else set()), refusals
    wins = sum(map(succeeded, final))
    assert earned_count(brand_a, badge_id) == wins  # every success is stored, nothing else is
    assert wins == limit  # and the limit is reached: a refusal only comes once it is


def test_k_concurrent_copies_of_one_request_id_earn_once(brand_a):
    badge_id = live_badge(brand_a)
    request_id, copies = unique("once"), 10
    replies = earn_all(brand_a, badge_id, [1] * copies, [request_id] * copies)
    statuses = Counter(r.status for r in replies)
    assert set(statuses) <= {200, 400, 503} and statuses[200] == 1, statuses
    assert all(r.body["errors"][0]["code"] == 809 for r in replies if r.status == 400)
    decided = [r for r in replies if r.status != 503]
    assert len({r.body["data"]["earnedBadgeId"] for r in decided}) == 1  # every 809 replays the one earn
    assert earned_count(brand_a, badge_id) == 1


def test_concurrent_claims_by_one_owner_make_one_claim(brand_a):
    now = int(time.time())
    badge_id = brand_a.post("/badgeMeta", {
        "name": unique("claims"), "startOn": now + DAY, "expiresOn": now + 9 * DAY,
        "earnedBadgeExpiry": {"expiryType": "NEVER"}, "ownership": {"restrictedToOwners": ["Journeys"]},
        "earnType": "EARN"}).body["data"]["id"]
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(lambda _: brand_a.post(f"/badgeMeta/{badge_id}/claim",
                                                       {"ownerType": "Journeys", "referenceId": "7"}), range(8)))
    assert sorted(r.status for r in replies) == [200] + [400] * 7
    assert brand_a.get(f"/badgeMeta/{badge_id}").body["data"]["ownership"]["claims"] == [
        {"ownerType": "Journeys", "referenceId": "7", "isActive": True}]


def test_k_concurrent_copies_of_one_issue_bulk_issue_once_and_replay_the_one_answer(brand_a):
    now = int(time.time())
    badge_id = brand_a.post("/badgeMeta", {
        "name": unique("issues"), "startOn": now - DAY, "expiresOn": now + 30 * DAY, "earnType": "ISSUE_EARN",
        "earnedBadgeExpiry": {"expiryType": "NEVER"}, "ownership": {"restrictedToOwners": ["Loyalty"]}},
        headers=MIGRATION).body["data"]["id"]
    body = {"badgeMetaId": badge_id, "customers": [11, 12, 13, 14, 15], "requestId": unique("conc")}
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(lambda _: brand_a.post("/badgeMeta/customer/issueBulk", body), range(8)))
    statuses = Counter(r.status for r in replies)
    assert set(statuses) <= {200, 400, 503} and statuses[200] <= 1, statuses
    assert all(r.body["errors"][0]["code"] == 809 for r in replies if r.status == 400)
    [first] = [r.body["data"] for r in replies if r.status == 200] or [None]
    assert all(r.body["data"] in (None, first) for r in replies if r.status == 400)  # the one answer, or none yet
    stored = brand_a.get(f"/badgeMeta/{badge_id}").body["data"]["issuedCount"]
    assert stored <= 5  # one copy issued, the others nothing
    if first is not None:  # none if the one that won answered 503
        assert stored == sum(1 for i in first["issuedBadges"] if i["error"] is None) == 5
