"""Random sequences of claims, issues, earns, revokes and clock moves, run against the service on moto and
against a plain in-memory model of the rules; after every step both must agree. The clock starts just before a
month end, a year end or 29 February on purpose, or at a random moment, never at the wall clock's."""
from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from badges.domain.badges import BadgeRequest
from badges.domain.claims import ClaimRequest
from badges.domain.earning import EarnRequest, IssueBulkRequest, RevokeRequest
from badges.service import badges as badge_service
from badges.service import claims, earning
from badges.store.badges import badge_store
from badges.store.earning import earn_store
from tests.integration.service_machine import CALLER, CLOCKS, DAY, HOUR, ServiceMachine, day_of, examples

LIMITS = {"customer_total": 4, "customer_week": 3, "badge_two_days": 3, "badge_total": 10, "issue_customer": 2}

class Model:
    """The rules, plainly: lists of what happened, counted afresh at every question."""

    def __init__(self, start: Decimal, end: Decimal):
        self.start, self.end = start, end
        self.claims: set[str] = set()
        self.issues: dict[int, tuple[Decimal, Decimal]] = {}  # customer -> (issued on, expires on)
        self.earns: list[dict] = []  # badge, customer, event, active
        self.requests: set[str] = set()

    def week_of(self, event: Decimal):
        monday = day_of(event) - timedelta(days=day_of(event).weekday())
        return max(monday, day_of(self.start))

    def earn_outcome(self, badge: str, customer: int, event: Decimal, at: Decimal, ref: str, request: str) -> set[int]:
        if request in self.requests:
            return {809}
        if event > at + DAY:
            return {750}
        if not self.start <= at < self.end:
            return {815}
        if not self.start <= event < self.end:
            return {816}
        if ref not in self.claims:
            return {810}
        active = [e for e in self.earns if e["active"] and e["badge"] == badge]
        mine = [e for e in active if e["customer"] == customer]
        if badge == "issue":
            issue = self.issues.get(customer)
            if issue is None or not issue[0] <= event < issue[1]:
                return {811}
            return {1020} if len(mine) >= LIMITS["issue_customer"] else set()
        refused = set()
        if len(mine) >= LIMITS["customer_total"] or sum(
                self.week_of(e["event"]) == self.week_of(event) for e in mine) >= LIMITS["customer_week"]:
            refused.add(1020)
        # every two-day window that would hold the new earn (ending on its day or the next) must have room
        windows_full = any(sum(0 <= (day_of(event) + timedelta(days=shift) - day_of(e["event"])).days <= 1
                               for e in active) >= LIMITS["badge_two_days"] for shift in (0, 1))
        if len(active) >= LIMITS["badge_total"] or windows_full:
            refused.add(1021)
        return refused


class EarningMachine(ServiceMachine):
    @initialize(clock=CLOCKS)
    def start_the_clock(self, clock):
        now = Decimal(clock)
        self.at = now
        start, end = now - 3 * DAY, now + 20 * DAY
        self.model = Model(start, end)
        self.badges = {"earn": self._badge(start, end, "EARN", customer=[
            {"constraintType": "CUSTOMER_BADGE_FIXED_VALUE", "maxEarnLimit": LIMITS["customer_total"]},
            {"constraintType": "CUSTOMER_BADGE_FIXED_WINDOW", "durationType": "WEEKS", "startDayOfTheWeek": "MONDAY",
             "maxEarnLimit": LIMITS["customer_week"]}], badge=[
            {"constraintType": "BADGE_ROLLING_WINDOW", "rollType": "DAYS", "rollValue": 2,
             "maxEarnLimit": LIMITS["badge_two_days"]},
            {"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": LIMITS["badge_total"]}]),
            "issue": self._badge(start, end, "ISSUE_EARN", customer=[
                {"constraintType": "CUSTOMER_BADGE_FIXED_VALUE", "maxEarnLimit": LIMITS["issue_customer"]}])}
        for badge_id in self.badges.values():  # start claimed by "a", so most earns reach the limits
            claims.claim_badge(badge_id, ClaimRequest(ownerType="Loyalty", referenceId="a"), CALLER, badge_store())
        self.model.claims.add("a")

    def _badge(self, start, end, earn_type, customer=(), badge=()) -> str:
        request = BadgeRequest.model_validate({
            "name": f"{earn_type}-{time.time_ns()}", "startOn": start, "expiresOn": end, "earnType": earn_type,
            "earnedBadgeExpiry": {"expiryType": "NEVER"}, "ownership": {"restrictedToOwners": ["Loyalty"]},
            "issuedBadgeExpiry": {"expiryType": "RELATIVE", "relativeExpiryType": "DAYS", "value": 5},
            "customerConstraints": list(customer), "badgeConstraints": list(badge)})
        return badge_service.create_badge(request, CALLER, badge_store(), migration=True).id

    @rule(ref=st.sampled_from(["a", "b"]))
    def claim(self, ref):
        request = ClaimRequest(ownerType="Loyalty", referenceId=ref)
        codes = [self._code(lambda badge=badge: claims.claim_badge(badge, request, CALLER, badge_store()))
                 for badge in self.badges.values()]
        assert codes == [{900} if ref in self.model.claims else set()] * 2
        self.model.claims.add(ref)

    @rule(ref=st.sampled_from(["a", "b"]))
    def unclaim(self, ref):
        request = ClaimRequest(ownerType="Loyalty", referenceId=ref)
        codes = [self._code(lambda badge=badge: claims.unclaim_badge(badge, request, CALLER, badge_store()))
                 for badge in self.badges.values()]
        assert codes == [set() if ref in self.model.claims else {737}] * 2
        self.model.claims.discard(ref)

    @rule(customer=st.integers(1, 3))
    def issue(self, customer):
        request = IssueBulkRequest(badgeMetaId=self.badges["issue"], customers=[customer], requestId=self._request())
        result = earning.issue_bulk(request, CALLER, badge_store(), earn_store(), self.at).issuedBadges[0]
        held = self.model.issues.get(customer)
        if not self.model.start <= self.at < self.model.end:
            expected = {815} if self.at >= self.model.end else {816}
        elif held is not None and held[1] > self.at:
            expected = {1040}
        else:
            expected = set()
            self.model.issues[customer] = (self.at, self.at + 5 * DAY)
        assert ({result.error["code"]} if result.error else set()) == expected

    @rule(badge=st.sampled_from(["earn", "earn", "issue"]), customer=st.integers(1, 3), hours=st.integers(-60, 26),
          ref=st.sampled_from(["a", "a", "a", "b"]), repeat=st.booleans())
    def earn(self, badge, customer, hours, ref, repeat):
        request = sorted(self.model.requests)[0] if repeat and self.model.requests else self._request()
        event = self.at + hours * HOUR
        expected = self.model.earn_outcome(badge, customer, event, self.at, ref, request)
        body = EarnRequest(badgeMetaId=self.badges[badge], customerId=customer, requestId=request,
                           earnEventDate=event, triggeredBy={"ownerType": "Loyalty", "referenceId": ref})
        got = self._code(lambda: earning.earn_badge(body, CALLER, badge_store(), earn_store(), self.at))
        assert got == expected, (got, expected)
        if not got:
            self.model.requests.add(request)
            self.model.earns.append({"badge": badge, "customer": customer, "event": event, "active": True})

    @rule(badge=st.sampled_from(["earn", "issue"]), customer=st.integers(1, 3))
    def revoke(self, badge, customer):
        held = [e for e in earn_store().earned(CALLER.org_id, customer, self.badges[badge]) if e.active]
        request = RevokeRequest(badgeMetaId=self.badges[badge], customerId=customer,
                                earnedBadgeId=held[-1].earned_id if held else "none")
        got = self._code(lambda: earning.revoke_earn(request, CALLER, badge_store(), earn_store(), self.at))
        mine = [e for e in self.model.earns if e["active"] and e["badge"] == badge and e["customer"] == customer]
        assert got == (set() if mine else {814})
        if mine:
            mine[-1]["active"] = False

    @precondition(lambda self: self.at < self.model.end + 2 * DAY)
    @rule(hours=st.integers(1, 60))
    def wait(self, hours):
        self.at += hours * HOUR

    @invariant()
    def counts_stay_true(self):
        for name, badge_id in self.badges.items():
            stored = badge_store().get_badge(1, badge_id)
            assert stored.earnedCount == sum(e["active"] and e["badge"] == name for e in self.model.earns)
            if name == "issue":
                assert stored.issuedCount <= 3 * 10


EarningMachine.TestCase.settings = settings(
    max_examples=examples(30), stateful_step_count=40, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
TestEarningAgainstTheModel = EarningMachine.TestCase
