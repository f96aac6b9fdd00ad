"""A badge's counts and badge-wide limits on its tally shards (store.tallies): no item on every earn, limits exact
across shards, definition changes that bite at once, and counting that survives definition changes."""
import time

import pytest

from badges.domain.badges import Constraint
from badges.store.badges import badge_store
from badges.store.items import dynamodb_client
from badges.store.ports import StaleWrite
from badges.store.tallies import SHARDS
from benchmarks.writes import WriteMeter
from handlers import (
    activate_badge,
    claim_badge,
    deactivate_badge,
    earn,
    get_customer_badges,
    issue_bulk,
    revoke_earn,
    unclaim_badge,
    update_badge,
)
from tests.integration.conftest import call
from tests.integration.test_earning import DAY, OWNER, _fresh_cache, codes, counts, earn_body, earn_now, live_badge

__all__ = ["_fresh_cache"]  # the badge cache starts empty in every test here too

CUSTOMERS = 96


def badge_wide(kind: str, limit: int) -> list[dict]:
    return [{
        "fixed-value": {"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": limit},
        "fixed-window": {"constraintType": "BADGE_FIXED_WINDOW", "durationType": "DAYS", "refreshRate": 30,
                         "maxEarnLimit": limit},
        "rolling-window": {"constraintType": "BADGE_ROLLING_WINDOW", "rollType": "DAYS", "rollValue": 7,
                           "maxEarnLimit": limit},
    }[kind]]


def test_no_item_takes_part_in_more_than_a_sixteenth_of_earns_issues_or_revokes(dynamodb):
    meter = WriteMeter(dynamodb_client())
    plain = live_badge(customerConstraints=[{"constraintType": "CUSTOMER_BADGE_FIXED_VALUE", "maxEarnLimit": 5}])
    issued = live_badge(earnType="ISSUE_EARN")
    earned = {}
    for customer in range(CUSTOMERS):
        meter.begin()
        status, answer = earn_now(plain["id"], customer=customer)
        assert status == 200, answer
        earned[customer] = answer["data"]["earnedBadgeId"]
    key, share = meter.hottest()
    assert share <= 1 / 16, (key, share)

    issues = WriteMeter(dynamodb_client())
    for customer in range(CUSTOMERS):
        issues.begin()
        body = {"badgeMetaId": issued["id"], "customers": [customer], "requestId": f"i{customer}"}
        assert call(issue_bulk, "POST", "/badgeMeta/customer/issueBulk", body)[0] == 200
    assert issues.hottest()[1] <= 1 / 16, issues.hottest()

    revokes = WriteMeter(dynamodb_client())
    for customer, earned_id in earned.items():
        revokes.begin()
        body = {"badgeMetaId": plain["id"], "customerId": customer, "earnedBadgeId": earned_id}
        assert call(revoke_earn, "POST", "/customer/revokeEarn", body)[0] == 200
    assert revokes.hottest()[1] <= 1 / 16, revokes.hottest()
    assert counts(plain["id"]) == (0, 0) and counts(issued["id"]) == (0, CUSTOMERS)


def test_an_earn_of_a_cached_badge_is_one_transaction_that_leaves_the_badge_item_alone(dynamodb):
    badge = live_badge(badgeConstraints=badge_wide("fixed-value", 1_000))
    assert earn_now(badge["id"], customer=1)[0] == 200  # the badge is cached from here on
    meter = WriteMeter(dynamodb_client())
    request = meter.begin()
    assert earn_now(badge["id"], customer=2)[0] == 200
    assert request.calls == ["TransactWriteItems"]
    assert not any(f'"BADGE#{badge["id"]}"' in key for _, key in request.units)
    assert request.write_units <= 2 * len(request.units)  # every item under 1 KB


@pytest.mark.parametrize("kind", ["fixed-value", "fixed-window", "rolling-window"])
@pytest.mark.parametrize("limit", [3, 70])  # under and over the shards: quotas of one or none, of one or two
def test_a_badge_wide_limit_over_the_shards_is_exact_and_refuses_only_once_all_of_it_is_used(dynamodb, kind, limit):
    badge = live_badge(badgeConstraints=badge_wide(kind, limit))
    answers = [earn_now(badge["id"], customer=customer) for customer in range(limit)]
    assert [status for status, _ in answers] == [200] * limit, answers  # however the customers fall on shards
    status, answer = earn_now(badge["id"], customer=limit)
    assert (status, codes(answer)) == (400, [1021])
    assert answer["errors"][0]["reference"] == "badgeConstraints[0]"
    assert counts(badge["id"])[0] == limit

    revoked = {"badgeMetaId": badge["id"], "customerId": 0, "earnedBadgeId": answers[0][1]["data"]["earnedBadgeId"]}
    assert call(revoke_earn, "POST", "/customer/revokeEarn", revoked)[0] == 200
    assert earn_now(badge["id"], customer=limit + 1)[0] == 200  # the unit given back is found on its shard
    assert codes(earn_now(badge["id"], customer=limit + 2)[1]) == [1021]
    assert counts(badge["id"])[0] == limit


def test_a_definition_change_bites_the_next_earn_of_a_cached_badge_on_every_shard(dynamodb):
    badge = live_badge()
    assert earn_now(badge["id"], customer=0)[0] == 200  # cached
    assert call(deactivate_badge, "PUT", f"/badgeMeta/{badge['id']}/deactivate")[0] == 200
    assert [codes(earn_now(badge["id"], customer=c)[1]) for c in range(1, 40)] == [[815]] * 39
    tallies = [item for item in dynamodb.scan(TableName="test-badges")["Items"]
               if item["pk"]["S"].startswith(f"ORG#100458#BADGE#{badge['id']}#T#") and item["sk"]["S"] == "T"]
    assert len(tallies) == SHARDS  # created 1, claimed 2, deactivated 3: every shard was told
    assert {tally["version"]["N"] for tally in tallies} == {"3"}


def test_an_unclaim_bites_the_next_earn_of_a_cached_badge(dynamodb):
    badge = live_badge()
    assert earn_now(badge["id"], customer=0)[0] == 200
    assert call(unclaim_badge, "POST", f"/badgeMeta/{badge['id']}/unclaim", OWNER)[0] == 200
    assert codes(earn_now(badge["id"], customer=1)[1]) == [810]
    assert call(claim_badge, "POST", f"/badgeMeta/{badge['id']}/claim", OWNER)[0] == 200
    assert earn_now(badge["id"], customer=1)[0] == 200


def _update(badge: dict, **changes) -> tuple[int, dict]:
    keep = {key: badge[key] for key in ("name", "startOn", "expiresOn", "earnType", "customerConstraints",
                                        "badgeConstraints")}
    body = {**keep, "id": badge["id"], "earnedBadgeExpiry": {"expiryType": "NEVER"},
            "ownership": {"restrictedToOwners": ["Loyalty", "Journeys"]}, **changes}
    status, answer, _ = call(update_badge, "PUT", "/badgeMeta", body, headers={"X-CAP-BADGES-MIGRATION": "migration"})
    return status, answer


def _rolling(days: int) -> list[dict]:
    return [{"constraintType": "CUSTOMER_BADGE_ROLLING_WINDOW", "maxEarnForDays": 1, "rollForDays": days}]


def test_a_live_badges_rolling_window_keeps_its_length_once_it_has_earns(dynamodb):
    fresh = live_badge(customerConstraints=_rolling(7))
    assert _update(fresh, customerConstraints=_rolling(8))[0] == 200  # no earns: still free to change
    badge = live_badge(customerConstraints=_rolling(7))
    assert earn_now(badge["id"], customer=5)[0] == 200
    status, answer = _update(badge, customerConstraints=_rolling(8))
    assert (status, codes(answer)) == (400, [826]) and answer["errors"][0]["reference"] == "customerConstraints"
    assert codes(earn_now(badge["id"], customer=5, earnEventDate=int(time.time()) - 3 * DAY)[1]) == [1020]
    assert counts(badge["id"])[0] == 1
    assert _update(badge, customerConstraints=[{**_rolling(7)[0], "maxEarnForDays": 2}])[0] == 200  # a limit may


def test_an_expired_badge_with_earns_keeps_its_windows_when_it_comes_back(dynamodb):
    window = [{"constraintType": "CUSTOMER_BADGE_FIXED_WINDOW", "durationType": "DAYS", "refreshRate": 20,
               "maxEarnLimit": 1}]
    now = int(time.time())
    badge = live_badge(customerConstraints=window, start_days=-10)
    assert earn_now(badge["id"], customer=9, earnEventDate=now - 5 * DAY)[0] == 200
    status, answer = _update(badge, expiresOn=now - 60)
    assert status == 200 and answer["data"]["status"] == "EXPIRED", answer
    status, answer = _update(badge, expiresOn=now + 30 * DAY,
                             customerConstraints=[{**window[0], "refreshRate": 7}])
    assert (status, codes(answer)) == (400, [826])
    assert _update(badge, expiresOn=now + 30 * DAY)[0] == 200  # back, with the same window
    status, answer = earn_now(badge["id"], customer=9, earnEventDate=now - 2 * DAY)
    assert (status, codes(answer)) == (400, [1020])  # the window it counted in is still full


def _earn_all(badge: dict, customers) -> dict[int, str]:
    """Each customer earns once: customer -> earnedBadgeId."""
    earned = {}
    for customer in customers:
        status, answer = earn_now(badge["id"], customer=customer)
        assert status == 200, answer
        earned[customer] = answer["data"]["earnedBadgeId"]
    return earned


def _revoke(badge: dict, customer: int, earned_id: str) -> None:
    body = {"badgeMetaId": badge["id"], "customerId": customer, "earnedBadgeId": earned_id}
    status, answer, _ = call(revoke_earn, "POST", "/customer/revokeEarn", body)
    assert status == 200, answer


def _shard_counts(dynamodb, badge: dict) -> dict[tuple[str, str], list[int]]:
    """(sort key, attribute) -> each shard's stored count, for the badge-wide counters of the badge."""
    stem = f"ORG#100458#BADGE#{badge['id']}#T#"
    found: dict[tuple[str, str], list[int]] = {}
    for item in dynamodb.scan(TableName="test-badges")["Items"]:
        if not item["pk"]["S"].startswith(stem):
            continue
        shard = int(item["pk"]["S"][len(stem):])
        for name, value in item.items():
            if "N" in value and name not in ("version", "freed", "issued"):
                found.setdefault((item["sk"]["S"], name), [0] * SHARDS)[shard] = int(value["N"])
    return found


@pytest.mark.parametrize("kind", ["fixed-value", "fixed-window", "rolling-window"])
def test_a_lowered_badge_wide_limit_above_the_count_admits_exactly_up_to_it(dynamodb, kind):
    badge = live_badge(badgeConstraints=badge_wide(kind, 200))
    _earn_all(badge, range(10))  # on the customers' home shards, most of them past the new quotas' first 13
    status, answer = _update(badge, badgeConstraints=badge_wide(kind, 13))
    assert status == 200 and answer["data"]["earnedCount"] == 10, answer
    answers = [earn_now(badge["id"], customer=customer) for customer in range(100, 105)]
    assert [codes(answer) for _, answer in answers] == [[], [], [], [1021], [1021]]
    assert counts(badge["id"])[0] == 13
    limited = {"fixed-value": "T", "fixed-window": "FW#", "rolling-window": "RW#"}[kind]
    spread = {key: by_shard for key, by_shard in _shard_counts(dynamodb, badge).items() if key[0].startswith(limited)}
    assert spread and max(sum(by_shard) for by_shard in spread.values()) == 13
    for key, by_shard in spread.items():  # every shard within its part of 13: one on the first 13 shards, none after
        assert all(count <= (1 if shard < 13 else 0) for shard, count in enumerate(by_shard)), key


@pytest.mark.parametrize("kind", ["fixed-value", "fixed-window", "rolling-window"])
def test_a_lowered_badge_wide_limit_below_the_count_keeps_the_earns_and_refuses_until_revokes_bring_it_under(
        dynamodb, kind):
    badge = live_badge(badgeConstraints=badge_wide(kind, 200))
    earned = _earn_all(badge, range(10))
    status, answer = _update(badge, badgeConstraints=badge_wide(kind, 6))
    assert status == 200 and answer["data"]["earnedCount"] == 10, answer
    assert codes(earn_now(badge["id"], customer=50)[1]) == [1021]
    for customer in range(4):  # ten to six: still not under six
        _revoke(badge, customer, earned[customer])
    assert codes(earn_now(badge["id"], customer=51)[1]) == [1021]
    _revoke(badge, 4, earned[4])  # five: room for one
    assert earn_now(badge["id"], customer=52)[0] == 200
    assert codes(earn_now(badge["id"], customer=53)[1]) == [1021]
    assert counts(badge["id"])[0] == 6


def test_a_limit_raised_while_the_count_stands_above_it_admits_nothing_until_the_count_is_under(dynamodb):
    badge = live_badge(badgeConstraints=badge_wide("fixed-value", 200))
    earned = _earn_all(badge, range(10))
    assert _update(badge, badgeConstraints=badge_wide("fixed-value", 6))[0] == 200
    assert _update(badge, badgeConstraints=badge_wide("fixed-value", 8))[0] == 200  # still under ten
    assert codes(earn_now(badge["id"], customer=50)[1]) == [1021]
    for customer in range(3):
        _revoke(badge, customer, earned[customer])
    assert earn_now(badge["id"], customer=51)[0] == 200
    assert codes(earn_now(badge["id"], customer=52)[1]) == [1021]
    assert counts(badge["id"])[0] == 8
    assert _update(badge, badgeConstraints=badge_wide("fixed-value", 9))[0] == 200  # raised over the count
    assert earn_now(badge["id"], customer=53)[0] == 200
    assert codes(earn_now(badge["id"], customer=54)[1]) == [1021]


def test_a_customer_limit_is_lowered_and_raised_live(dynamodb):
    limit = [{"constraintType": "CUSTOMER_BADGE_FIXED_VALUE", "maxEarnLimit": 3}]
    badge = live_badge(customerConstraints=limit)
    _earn_all(badge, [7, 7])
    assert _update(badge, customerConstraints=[{**limit[0], "maxEarnLimit": 1}])[0] == 200
    assert codes(earn_now(badge["id"], customer=7)[1]) == [1020]
    assert earn_now(badge["id"], customer=8)[0] == 200
    assert _update(badge, customerConstraints=[{**limit[0], "maxEarnLimit": 3}])[0] == 200
    assert earn_now(badge["id"], customer=7)[0] == 200
    assert codes(earn_now(badge["id"], customer=7)[1]) == [1020]


def test_a_definition_change_writes_the_badge_then_each_shard_alone_and_no_transaction(dynamodb):
    badge = live_badge(badgeConstraints=badge_wide("fixed-value", 100))
    meter = WriteMeter(dynamodb_client())
    request = meter.begin()
    assert call(deactivate_badge, "PUT", f"/badgeMeta/{badge['id']}/deactivate")[0] == 200
    assert "TransactWriteItems" not in request.calls
    assert request.calls.count("UpdateItem") == 2 + SHARDS  # the badge (its definition, then `told`), each shard
    assert len(request.units) == 1 + SHARDS and max(request.units.values()) <= 2  # each under 1 KB, but the badge
    assert request.write_units <= SHARDS + 2
    stored = badge_store().get_badge(100458, badge["id"])
    assert (stored.version, stored.told, stored.rebalancing) == (3, 3, False)


def test_a_change_that_stopped_half_way_is_finished_by_the_next_change(dynamodb, monkeypatch):
    from badges.store.changes import ShardWalk

    badge = live_badge()
    assert earn_now(badge["id"], customer=0)[0] == 200  # cached, active
    with monkeypatch.context() as stopped:
        stopped.setattr(ShardWalk, "finish", lambda self, badge: None)  # the function stopped after the commit
        assert call(deactivate_badge, "PUT", f"/badgeMeta/{badge['id']}/deactivate")[0] == 200
    assert earn_now(badge["id"], customer=1)[0] == 200  # the cached definition still counts on untold shards
    assert call(deactivate_badge, "PUT", f"/badgeMeta/{badge['id']}/deactivate")[0] == 200  # the retry
    assert [codes(earn_now(badge["id"], customer=c)[1]) for c in range(2, 20)] == [[815]] * 18


def test_a_lowering_that_stopped_half_way_is_finished_by_an_earn_that_finds_it_stalled(dynamodb, monkeypatch):
    from badges.domain.earning import EarnRequest
    from badges.domain.identity import Caller
    from badges.service import earning
    from badges.store.changes import ShardWalk
    from badges.store.earning import earn_store

    badge = live_badge(badgeConstraints=badge_wide("fixed-value", 200))
    _earn_all(badge, range(10))
    with monkeypatch.context() as stopped:
        stopped.setattr(ShardWalk, "finish", lambda self, badge: None)  # the function stopped after the commit
        assert _update(badge, badgeConstraints=badge_wide("fixed-value", 12))[0] == 200
    flagged = badge_store().get_badge(100458, badge["id"])
    assert flagged.rebalancing and not flagged.walked
    # Half a minute on, the change's function is long gone and no process holds the old definition any more (the
    # badge cache keeps a badge 10 s): the earn that finds the badge still flagged walks it.
    earning.badge_cache.clear()
    later = flagged.lastUpdatedOn + 30
    result = earning.earn_badge(EarnRequest(badgeMetaId=badge["id"], customerId=50, requestId="late",
                                            earnEventDate=later, triggeredBy=OWNER),
                                Caller(org_id=100458, user_id=1), badge_store(), earn_store(), later)
    assert result.earnedBadgeId
    finished = badge_store().get_badge(100458, badge["id"])
    assert (finished.rebalancing, finished.walked, finished.earnedCount) == (False, True, 11)
    assert [codes(earn_now(badge["id"], customer=c)[1]) for c in (51, 52)] == [[], [1021]]
    assert counts(badge["id"])[0] == 12


def test_one_caller_at_a_time_takes_over_a_stalled_change(dynamodb, monkeypatch):
    from badges.store.changes import FINISH_LEASE, ShardWalk

    badge = live_badge(badgeConstraints=badge_wide("fixed-value", 200))
    _earn_all(badge, range(3))
    walks = []
    monkeypatch.setattr(ShardWalk, "finish", lambda self, badge: walks.append(badge.version))  # never gets far
    assert _update(badge, badgeConstraints=badge_wide("fixed-value", 2))[0] == 200
    stalled = badge_store().get_badge(100458, badge["id"])
    walks.clear()
    now = stalled.lastUpdatedOn + 30
    badge_store().finish_stalled(stalled, now)
    assert badge_store().get_badge(100458, badge["id"]).finishing == now + FINISH_LEASE  # what waiting earns read
    badge_store().finish_stalled(stalled, now + FINISH_LEASE - 1)  # the first one's lease holds
    assert walks == [stalled.version]
    badge_store().finish_stalled(stalled, now + FINISH_LEASE + 1)  # it lapsed: that taker stopped too
    assert walks == [stalled.version] * 2
    monkeypatch.undo()
    badge_store().finish_stalled(stalled, now + 3 * FINISH_LEASE)
    assert badge_store().get_badge(100458, badge["id"]).walked
    badge_store().finish_stalled(stalled, now + 5 * FINISH_LEASE)  # finished: nothing to take over
    assert not badge_store().get_badge(100458, badge["id"]).rebalancing


@pytest.mark.parametrize("switch", ["deactivate", "activate"])
def test_a_badge_with_no_limit_entries_switches_and_changes(dynamodb, switch):
    no_limits = {"customerConstraints": [{"constraintType": "CUSTOMER_BADGE_NO_LIMIT"}] * 2,
                 "badgeConstraints": [{"constraintType": "BADGE_NO_LIMIT"}] * 2}
    badge = live_badge(**no_limits)
    assert earn_now(badge["id"], customer=1)[0] == 200
    route = deactivate_badge if switch == "deactivate" else activate_badge
    status, answer, _ = call(route, "PUT", f"/badgeMeta/{badge['id']}/{switch}")
    assert status == 200 and answer["data"]["isActive"] == (switch == "activate"), answer
    assert _update(badge, **no_limits, active=switch == "activate")[0] == 200
    assert earn_now(badge["id"], customer=2)[0] == (200 if switch == "activate" else 400)


def test_a_change_to_what_counts_loses_to_an_earn_that_lands_first(dynamodb):
    badge = live_badge(customerConstraints=_rolling(7))
    store = badge_store()
    before = store.get_badge(100458, badge["id"])
    assert before.earnedCount == 0
    assert earn_now(badge["id"], customer=3)[0] == 200  # lands between the update's read and its write
    definition = before.definition.model_copy(update={"customerConstraints": [Constraint(
        constraintType="ROLLING_WINDOW", maxEarnForDays=1, rollForDays=8)]})
    changed = before.model_copy(update={"definition": definition, "version": before.version + 1})
    with pytest.raises(StaleWrite):
        store.replace_badge(before, changed, uncounted=True)
    assert store.get_badge(100458, badge["id"]).definition == before.definition


def test_a_customers_views_show_the_badges_issued_count_and_the_customers_own_earned_count(dynamodb):
    badge = live_badge(earnType="ISSUE_EARN")
    for customer in (1, 2, 3):
        body = {"badgeMetaId": badge["id"], "customers": [customer], "requestId": f"v{customer}"}
        assert call(issue_bulk, "POST", "/badgeMeta/customer/issueBulk", body)[0] == 200
    assert earn_now(badge["id"], customer=2)[0] == 200
    assert earn_now(badge["id"], customer=3)[0] == 200
    assert earn_now(badge["id"], customer=3)[0] == 200
    # each view, for a customer who has not earned (1), earned once (2) and twice (3)
    for badge_type, customer, earned in (("AVAILABLE", 1, 0), ("AVAILABLE", 3, 2), ("EARNED", 2, 1), ("EARNED", 3, 2)):
        status, answer, _ = call(get_customer_badges, "GET", f"/customer/{customer}?badgeType={badge_type}")
        assert status == 200, answer
        [entry] = [b for b in answer["data"]["badges"] if b["badgeMetaId"] == badge["id"]]
        assert (entry["issuedCount"], entry["earnedCount"], len(entry["earnedBadges"])) == (3, earned, earned)


def test_once_a_cap_is_used_up_a_refusal_reads_the_shards_once_and_writes_nothing_and_a_repeat_is_still_809(dynamodb):
    badge = live_badge(badgeConstraints=badge_wide("fixed-value", 2))
    first = earn_body(badge["id"], customer=0)
    assert call(earn, "POST", "/customer/earn", first)[0] == 200
    assert earn_now(badge["id"], customer=1)[0] == 200
    assert codes(earn_now(badge["id"], customer=2)[1]) == [1021]  # found full: remembered
    meter = WriteMeter(dynamodb_client())
    request = meter.begin()
    assert codes(earn_now(badge["id"], customer=3)[1]) == [1021]
    assert request.calls == ["BatchGetItem", "GetItem"] and not request.units  # shards, then the requestId
    status, answer, _ = call(earn, "POST", "/customer/earn", first)
    assert (status, codes(answer)) == (400, [809])
    assert counts(badge["id"])[0] == 2
