"""Earning use cases against the in-memory stores: earn, refusals and their codes, repeats, revoke, issue first.

tests/integration/test_earn_store_contract.py runs these same tests on the DynamoDB adapter (moto), so the fake
is held to the adapter's contract.
"""
import time
from dataclasses import dataclass

import pytest

from badges.domain.badges import Badge, BadgeRequest
from badges.domain.claims import ClaimRequest
from badges.domain.earning import (
    EarnBulkRequest,
    EarnRecord,
    EarnRequest,
    EarnResult,
    IssueBulkRequest,
    RevokeRequest,
)
from badges.domain.errors import BadgesError, RequestRepeated
from badges.domain.identity import Caller
from badges.domain.limits import plan
from badges.domain.values import new_id, now
from badges.service.badges import create_badge
from badges.service.claims import claim_badge
from badges.service.earning import badge_cache, earn_badge, earn_bulk, issue_bulk, revoke_earn
from badges.store.ports import BadgeStore, EarnPlan, EarnStore, StaleWrite
from tests.fakes import InMemoryBadgeStore, InMemoryEarnStore

DAY = 86_400
CALLER = Caller(org_id=100, user_id=7)
OWNER = {"ownerType": "Loyalty", "referenceId": "123"}
ONE_EACH = [{"constraintType": "CUSTOMER_BADGE_FIXED_VALUE", "maxEarnLimit": 1}]
ONE_IN_ALL = [{"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": 1}]


@dataclass
class Stores:
    badges: BadgeStore
    earns: EarnStore


@pytest.fixture
def stores() -> Stores:
    badges = InMemoryBadgeStore()
    return Stores(badges, InMemoryEarnStore(badges))


@pytest.fixture(autouse=True)
def _fresh_cache():
    badge_cache.clear()
    yield
    badge_cache.clear()


def live_badge(stores: Stores, claimed: bool = True, **changes) -> Badge:
    at = int(now())
    body = {"name": f"b{time.time_ns()}", "startOn": at - 10 * DAY, "expiresOn": at + 60 * DAY,
            "earnedBadgeExpiry": {"expiryType": "RELATIVE", "relativeExpiryType": "DAYS", "value": 30},
            "ownership": {"restrictedToOwners": ["Loyalty", "Journeys"]}, "earnType": "EARN", **changes}
    badge = create_badge(BadgeRequest.model_validate(body), CALLER, stores.badges, migration=True)
    if claimed:
        claim_badge(badge.id, ClaimRequest.model_validate(OWNER), CALLER, stores.badges)
    return badge


def earn(stores: Stores, badge: Badge, customer: int = 1, request: str | None = None) -> EarnResult:
    body = {"badgeMetaId": badge.id, "customerId": customer, "requestId": request or f"r{time.time_ns()}",
            "triggeredBy": OWNER}
    return earn_badge(EarnRequest.model_validate(body), CALLER, stores.badges, stores.earns, now())


def refused(stores: Stores, badge: Badge, customer: int = 1) -> list[tuple[int, str | None]]:
    """The (code, reference) of each refusal an earn meets."""
    with pytest.raises(BadgesError) as refusal:
        earn(stores, badge, customer)
    return [(detail.code, detail.reference) for detail in refusal.value.details]


def counts(stores: Stores, badge: Badge) -> tuple[int, int]:
    return stores.badges.counts(CALLER.org_id, [badge.id])[badge.id]


def active_earns(stores: Stores, customer: int = 1) -> list[EarnRecord]:
    return [e for e in stores.earns.earned(CALLER.org_id, customer) if e.active]


def test_an_earn_is_held_by_the_customer_and_counted(stores):
    badge = live_badge(stores)
    result = earn(stores, badge, customer=7, request="first")
    assert (result.badgeMetaId, result.customerId, result.requestId, result.issuedId) == (badge.id, 7, "first", None)
    assert round(result.expiresOn - result.earnEventDate) == 30 * DAY
    assert [e.earned_id for e in active_earns(stores, 7)] == [result.earnedBadgeId]
    assert counts(stores, badge) == (1, 0)


def test_a_repeated_request_id_answers_809_with_the_first_result_and_counts_once(stores):
    badge = live_badge(stores)
    first = earn(stores, badge, request="same")
    with pytest.raises(RequestRepeated) as repeat:
        earn(stores, badge, request="same")
    assert repeat.value.details[0].code == 809
    assert repeat.value.data == first.model_dump(mode="json")
    assert counts(stores, badge) == (1, 0) and len(active_earns(stores)) == 1


def test_a_full_customer_limit_refuses_1020_naming_its_constraint_and_writes_nothing(stores):
    badge = live_badge(stores, customerConstraints=ONE_EACH)
    earn(stores, badge)
    assert refused(stores, badge) == [(1020, "customerConstraints[0]")]
    assert counts(stores, badge) == (1, 0) and len(active_earns(stores)) == 1
    earn(stores, badge, customer=2)  # another customer's limit is its own


def test_a_full_badge_limit_refuses_every_customer_with_1021(stores):
    badge = live_badge(stores, badgeConstraints=ONE_IN_ALL)
    earn(stores, badge, customer=1)
    assert refused(stores, badge, customer=2) == [(1021, "badgeConstraints[0]")]
    assert counts(stores, badge) == (1, 0)


def test_every_full_limit_is_named_at_once(stores):
    badge = live_badge(stores, customerConstraints=ONE_EACH, badgeConstraints=ONE_IN_ALL)
    earn(stores, badge)
    assert refused(stores, badge) == [(1020, "customerConstraints[0]"), (1021, "badgeConstraints[0]")]


def test_a_revoke_gives_back_every_unit_the_earn_took_once(stores):
    badge = live_badge(stores, customerConstraints=ONE_EACH, badgeConstraints=ONE_IN_ALL)
    first = earn(stores, badge)
    revoke = RevokeRequest(badgeMetaId=badge.id, customerId=1, earnedBadgeId=first.earnedBadgeId)
    answer = revoke_earn(revoke, CALLER, stores.badges, stores.earns, now())
    assert (answer.earnedBadgeId, answer.isActive) == (first.earnedBadgeId, False)
    assert counts(stores, badge) == (0, 0) and active_earns(stores) == []
    with pytest.raises(BadgesError) as again:
        revoke_earn(revoke, CALLER, stores.badges, stores.earns, now())
    assert again.value.details[0].code == 814
    earn(stores, badge)  # both limits have room again
    assert counts(stores, badge) == (1, 0)


def test_an_issue_earn_badge_is_earned_only_on_an_active_issue(stores):
    badge = live_badge(stores, earnType="ISSUE_EARN")
    assert refused(stores, badge) == [(811, "customerId")]
    issue = IssueBulkRequest(badgeMetaId=badge.id, customerIds=[1], requestId="issue", triggeredBy=OWNER)
    issued = issue_bulk(issue, CALLER, stores.badges, stores.earns, now()).issuedBadges[0]
    assert issued.status == "ACTIVE" and counts(stores, badge) == (0, 1)
    assert earn(stores, badge).issuedId == issued.issuedId
    again = IssueBulkRequest(badgeMetaId=badge.id, customerIds=[1], requestId="issue again", triggeredBy=OWNER)
    standing = issue_bulk(again, CALLER, stores.badges, stores.earns, now()).issuedBadges[0]
    assert (standing.error["code"], standing.issuedId) == (1040, issued.issuedId)
    with pytest.raises(RequestRepeated):
        issue_bulk(issue, CALLER, stores.badges, stores.earns, now())


def test_a_badge_no_trigger_claimed_refuses_810(stores):
    badge = live_badge(stores, claimed=False)
    assert refused(stores, badge) == [(810, "triggeredBy")]
    assert counts(stores, badge) == (0, 0)


def test_earn_bulk_earns_or_refuses_each_customer_alone(stores):
    badge = live_badge(stores, customerConstraints=ONE_EACH)
    earn(stores, badge, customer=1)
    bulk = EarnBulkRequest(badgeMetaId=badge.id, customerIds=[1, 2], requestId="bulk", triggeredBy=OWNER)
    answer = earn_bulk(bulk, CALLER, stores.badges, stores.earns, now())
    assert [e.customerId for e in answer.earnedBadgesList] == [2]
    assert [(f.customerId, f.error["code"]) for f in answer.failedEarnBadgeErrorList] == [(1, 1020)]
    assert counts(stores, badge) == (2, 0)


def test_an_earn_planned_on_an_older_version_of_the_badge_is_stale(stores):
    badge = live_badge(stores)  # as created: the claim wrote a newer version
    with pytest.raises(StaleWrite):
        stores.earns.record_earn(a_plan(badge, "stale"))
    assert counts(stores, badge) == (0, 0)


def a_plan(badge: Badge, request: str) -> EarnPlan:
    at = now()
    return EarnPlan(org_id=CALLER.org_id, badge=badge, customer_id=1, operation="earn", request_key=request,
                    earned_id=new_id(), event=at, at=at, expires=at + DAY, limits=plan(badge.definition, at),
                    result={"requestId": request})


def test_a_recorded_earn_answers_the_counter_items_it_added_to(stores):
    badge = live_badge(stores, customerConstraints=ONE_EACH)
    badge = stores.badges.get_badge(CALLER.org_id, badge.id, counted=False)  # as claimed: the version an earn plans on
    counted = stores.earns.record_earn(a_plan(badge, "counted"))
    assert sorted((c.sk, c.adds) for c in counted) == [("FV", ["n"]), ("T", ["earned"])]
    [earned] = active_earns(stores)
    assert earned.request_id == "counted" and list(earned.counters) == counted
