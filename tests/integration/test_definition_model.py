"""Badge definitions of every constraint kind, seeded with Capillary's own example bodies, changed while they are
earned: limits up and down, (de)activation, claims, expiry moves and the changes refused once a badge counts,
interleaved with earns (back-dated too), issues, revokes and clock moves across month ends, year ends and 29
February. Each step runs against the service on moto and against a plain in-memory model of what a caller is
promised; every answer (status, codes, references) and, after every step, the badge's counts and what each
customer sees must agree."""
from __future__ import annotations

import calendar
import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from badges.api.jsonc import strip_comments
from badges.domain.badges import BadgeRequest, BadgeUpdateRequest
from badges.domain.claims import ClaimRequest
from badges.domain.earning import EarnRequest, IssueBulkRequest, RevokeRequest
from badges.domain.enums import CustomerBadgeType
from badges.service import badges as badge_service
from badges.service import claims, earning
from badges.service.customers import CustomerEntries, customer_entries
from badges.store.badges import badge_store
from badges.store.earning import earn_store
from tests import example_dates
from tests.e2e import oas_examples
from tests.integration.service_machine import CALLER, CLOCKS, DAY, HOUR, ServiceMachine, day_of, examples

CUSTOMERS = (1, 2, 3, 4)  # their home shards spread: 1, 0, 2 and 1 of the first three
LISTS = {"customer": "customerConstraints", "badge": "badgeConstraints"}
PREFIXES = {"customer": "CUSTOMER_BADGE_", "badge": "BADGE_"}
KINDS = ("FIXED_VALUE", "FIXED_WINDOW", "ROLLING_WINDOW", "NO_LIMIT")
WEEKDAYS = list(calendar.day_name)  # Monday first, as date.weekday() counts
# A rolling window's unit, its longest length here, and the field names of a customer window's pair.
SPANS = {"DAYS": (7, "maxEarnForDays", "rollForDays"), "WEEKS": (2, "maxEarnForWeeks", "rollForWeeks"),
         "MONTHS": (2, "maxEarnForMonths", "rollForMonths")}
STATUS = {809: 400, 810: 409, 811: 409, 814: 409}  # every other code of these answers is HTTP 400

# ---- times and windows as a caller reads the documentation --------------------------------------------------------


def epoch(value) -> Decimal:
    """A time as the bodies write it: epoch seconds, epoch milliseconds or ISO 8601."""
    if isinstance(value, str):
        return Decimal(str(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()))
    seconds = Decimal(str(value))
    return seconds / 1000 if seconds > 10**11 else seconds


def midnight(day: date) -> Decimal:
    return Decimal(calendar.timegm(day.timetuple()))


def months_from(day: date, months: int) -> date:
    """The same calendar day `months` on (or back), or that month's last day if it is shorter."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def fixed_window(window: tuple, start: Decimal, moment: Decimal) -> Decimal:
    """Where the fixed window holding `moment` begins: `refreshRate`-day windows from the start; weeks from 00:00 on
    their first day; calendar months; the first window running from the badge's start."""
    _, duration, refresh, weekday = window
    if duration == "DAYS":
        return start + int((moment - start) / (refresh * DAY)) * refresh * DAY
    day = day_of(moment)
    if duration == "WEEKS":
        first = day - timedelta(days=(day.weekday() - WEEKDAYS.index(weekday)) % 7)
    else:
        first = day.replace(day=1)
    return max(start, midnight(first))


def rolling_holds(window: tuple, end: date, day: date) -> bool:
    """Whether the trailing window ending on `end` holds `day`: n days, 7n days, or the days after the same date n
    months earlier."""
    _, unit, length = window
    if day > end:
        return False
    if unit == "MONTHS":
        return day > months_from(end, -length)
    return (end - day).days < length * (7 if unit == "WEEKS" else 1)


def counted_in(window: tuple, start: Decimal, events: list[Decimal], event: Decimal) -> list[int]:
    """The earns each window an earn at `event` would count in holds already."""
    if window[0] == "life":
        return [len(events)]
    if window[0] == "fixed":
        key = fixed_window(window, start, event)
        return [sum(e >= start and fixed_window(window, start, e) == key for e in events)]
    day = day_of(event)
    ends = [end for end in (day + timedelta(days=n) for n in range(32 * window[2])) if rolling_holds(window, end, day)]
    return [sum(rolling_holds(window, end, day_of(e)) for e in events) for end in ends]


@dataclass(frozen=True)
class Limit:
    """One constraint: its kind and, per window it counts in, its limit."""

    kind: str
    caps: tuple[tuple[tuple, int], ...]

    @property
    def shape(self) -> tuple:
        return self.kind, tuple(sorted(window for window, _ in self.caps))

    def refuses(self, start: Decimal, events: list[Decimal], event: Decimal) -> bool:
        return any(held >= limit for window, limit in self.caps for held in counted_in(window, start, events, event))


def limit_of(constraint: dict, scope: str) -> Limit:
    kind = constraint["constraintType"].upper().removeprefix("CUSTOMER_").removeprefix("BADGE_")
    if kind == "FIXED_VALUE":
        return Limit(kind, ((("life",), constraint["maxEarnLimit"]),))
    if kind == "FIXED_WINDOW":
        duration = constraint["durationType"].upper()
        weekday = constraint.get("startDayOfTheWeek") or "MONDAY"
        weekday = WEEKDAYS[weekday - 1] if isinstance(weekday, int) else weekday.capitalize()
        return Limit(kind, ((("fixed", duration, constraint["refreshRate"] if duration == "DAYS" else None,
                              weekday if duration == "WEEKS" else None), constraint["maxEarnLimit"]),))
    if kind == "ROLLING_WINDOW" and scope == "badge":
        return Limit(kind, ((("rolling", constraint["rollType"].upper(), constraint["rollValue"]),
                             constraint["maxEarnLimit"]),))
    if kind == "ROLLING_WINDOW":
        return Limit(kind, tuple((("rolling", unit, constraint[length]), constraint[most])
                                 for unit, (_, most, length) in SPANS.items() if constraint.get(most) is not None))
    return Limit("NO_LIMIT", ())


def expiry_after(expiry: dict | None, end: Decimal, moment: Decimal) -> Decimal:
    """When what was earned or issued at `moment` expires: with the badge's end (as it stands at that moment), on
    its own date, a number of days, weeks or calendar months on, or in 100 years (NEVER)."""
    if expiry is None:
        return end
    kind = expiry["expiryType"].upper()
    if kind == "ABSOLUTE":
        return epoch(expiry["expiresOn"]) if (expiry.get("type") or "").upper() == "FIXED_DATE" else end
    unit = "MONTHS" if kind == "NEVER" else (expiry.get("relativeExpiryType") or expiry["relativeExpirytype"]).upper()
    value = 1200 if kind == "NEVER" else expiry["value"]
    if unit == "MONTHS":
        return moment + (midnight(months_from(day_of(moment), value)) - midnight(day_of(moment)))
    return moment + value * (7 if unit == "WEEKS" else 1) * DAY


@dataclass(frozen=True)
class Terms:
    """What a body promises a caller."""

    start: Decimal
    end: Decimal
    active: bool
    issue_earn: bool
    earned_expiry: dict
    issued_expiry: dict | None
    limits: dict[str, list[Limit]]  # "customerConstraints" / "badgeConstraints" -> one Limit per entry, in order

    @classmethod
    def of(cls, body: dict) -> Terms:
        active = body.get("active", body.get("isActive"))
        return cls(start=epoch(body.get("startOnISO") or body["startOn"]),
                   end=epoch(body.get("expiresOnISO") or body["expiresOn"]), active=active is not False,
                   issue_earn=body["earnType"].upper() == "ISSUE_EARN", earned_expiry=body["earnedBadgeExpiry"],
                   issued_expiry=body.get("issuedBadgeExpiry"),
                   limits={name: [limit_of(c, scope) for c in body.get(name) or []] for scope, name in LISTS.items()})

    def live(self, at: Decimal) -> bool:
        return self.start <= at < self.end

    def shapes(self, name: str) -> list[tuple]:
        return sorted(limit.shape for limit in self.limits[name])

    def fixed_windows(self, name: str) -> list[tuple]:
        return sorted(limit.shape for limit in self.limits[name] if limit.kind == "FIXED_WINDOW")


@dataclass
class Earn:
    customer: int
    event: Decimal
    expires: Decimal
    earned_id: str
    active: bool = True


class Model:
    """The rules, plainly: what happened, counted afresh at every question."""

    def __init__(self, body: dict):
        self.body, self.terms = body, Terms.of(body)
        self.claims: set[str] = set()
        self.earns: list[Earn] = []
        self.issues: dict[int, tuple[Decimal, Decimal]] = {}  # customer -> (issued on, expires on)
        self.issued = 0
        self.requests: set[str] = set()

    def active_earns(self, customer: int | None = None) -> list[Earn]:
        return [e for e in self.earns if e.active and customer in (None, e.customer)]

    def refusals(self, customer: int, event: Decimal, scopes=tuple(LISTS)) -> list[tuple[int, str]]:
        """Every constraint an earn at `event` would take its count to more than its limit in."""
        found = []
        for scope in scopes:
            name = LISTS[scope]
            events = [e.event for e in self.active_earns(customer if scope == "customer" else None)]
            found += [(1020 if scope == "customer" else 1021, f"{name}[{i}]") for i, limit in
                      enumerate(self.terms.limits[name]) if limit.refuses(self.terms.start, events, event)]
        return found

    def earn(self, customer: int, event: Decimal, at: Decimal, ref: str, request: str) -> list[tuple[int, str]]:
        t = self.terms
        if request in self.requests:
            return [(809, "requestId")]
        if event > at + DAY:
            return [(750, "earnEventDate")]
        if not (t.active and t.live(at)):
            return [(815, "badgeMetaId")]
        if not t.start <= event < t.end:
            return [(816, "earnEventDate")]
        if ref not in self.claims:
            return [(810, "triggeredBy")]
        issue = self.issues.get(customer)
        if t.issue_earn and (issue is None or not issue[0] <= event < issue[1]):
            return [(811, "customerId")]
        return sorted(self.refusals(customer, event))

    def issue(self, customer: int, event: Decimal, at: Decimal, ref: str | None) -> list[tuple[int, str]]:
        t = self.terms
        if not t.active or at >= t.end:
            return [(815, "badgeMetaId")]
        if not t.start <= event < t.end:
            return [(816, "issueEventDate")]
        if ref is not None and ref not in self.claims:
            return [(810, "triggeredBy")]
        if customer in self.issues and self.issues[customer][1] > at:
            return [(1040, "customerId")]
        return []

    def update(self, body: dict, at: Decimal) -> list[tuple[int, str]]:
        """What an update to `body` is refused for: dates in the past or out of order; a start moved while LIVE, or
        once earned with fixed windows (they begin at it) (723); constraint kinds and windows once earned, and
        fixed windows while LIVE (826)."""
        old, new = self.terms, Terms.of(body)
        refused = []
        if new.start >= new.end:
            refused.append((720, "expiresOn"))
        moved = new.start != old.start
        if moved and new.start < at:
            refused.append((722, "startOn"))
        if new.end <= at:
            refused.append((724, "expiresOn"))
        earned = bool(self.active_earns())
        has_fixed = any(old.fixed_windows(name) for name in LISTS.values())
        if moved and ((earned and has_fixed) or old.live(at)):
            refused.append((723, "startOn"))
        refused += [(826, name) for name in LISTS.values()
                    if (earned and old.shapes(name) != new.shapes(name))
                    or (old.live(at) and old.fixed_windows(name) != new.fixed_windows(name))]
        return sorted(refused)

    def held(self, constraint: dict, scope: str, field: str, at: Decimal) -> int:
        """The most earns one of the constraint's windows that hold `at` counts (for `field`'s limit)."""
        windows = [window for window, _ in limit_of(constraint, scope).caps
                   if field == "maxEarnLimit" or SPANS[window[1]][1] == field]
        pools = [self.active_earns(c) for c in CUSTOMERS] if scope == "customer" else [self.active_earns()]
        return max((held for window in windows for pool in pools
                    for held in counted_in(window, self.terms.start, [e.event for e in pool], at)), default=0)

    def seen(self, customer: int, at: Decimal) -> tuple[list[str], bool]:
        """What the customer sees: the ids of their earns that stand (active, unexpired), and whether the badge is
        AVAILABLE to them: LIVE, active, claimed by a module, issued to them if it must be, and earnable by them
        now or later (a badge a customer limit refuses for now is listed, with when it frees)."""
        standing = [e.earned_id for e in self.active_earns(customer) if e.expires > at]
        t, issue = self.terms, self.issues.get(customer)
        available = t.active and t.live(at) and bool(self.claims) \
            and (not t.issue_earn or (issue is not None and issue[1] > at)) and self.earnable_again(customer, at)
        return sorted(standing), available

    def earnable_again(self, customer: int, at: Decimal) -> bool:
        """Whether an earn of the customer at `at`, or at a later moment before the badge ends, passes every
        customer limit with the earns as they stand. Windows turn at midnights (days, weeks, months) or every
        `refreshRate` days from the start; 70 days after the last earn every window is empty."""
        t = self.terms
        horizon = min(t.end - 1, max([at, *(e.event for e in self.active_earns(customer))]) + 70 * DAY)
        moments = {at, horizon}
        day = day_of(at) + timedelta(days=1)
        while midnight(day) <= horizon:
            moments.add(midnight(day))
            day += timedelta(days=1)
        for limit in t.limits[LISTS["customer"]]:
            for window, _ in limit.caps:
                if window[0] == "fixed" and window[1] == "DAYS":
                    step = window[2] * DAY
                    turn = t.start + (int((at - t.start) / step) + 1) * step
                    while turn <= horizon:
                        moments.add(turn)
                        turn += step
        return any(not self.refusals(customer, moment, scopes=("customer",)) for moment in sorted(moments)
                   if moment >= at)

# ---- Capillary's example bodies, and bodies of every kind ------------------------------------------------------

SPEC = Path(__file__).resolve().parents[1] / "fixtures" / "spec"


def _examples() -> list[dict]:
    """The create and update bodies of the spec pages and of the OpenAPI exports, as Capillary wrote them."""
    pages = [json.loads(strip_comments(path.read_text())) for path in sorted(SPEC.glob("*.json"))
             if path.name.startswith(("create_", "update_")) and "_response" not in path.name]
    return pages + oas_examples.requests("create-badges-org") + oas_examples.requests("update-badges")


EXAMPLES = _examples()


# Small limits, so that a few earns reach them: a customer's below the badge's, so that both are reached.
LIMITS = {"customer": st.integers(1, 3), "badge": st.integers(2, 6)}
# How long before the clock a badge begins: two to twelve days (earns are dated up to two days back), or (one in
# six) lately or in the hours to come.
BEGINNINGS = st.integers(0, 5).flatmap(
    lambda sixth: st.integers(2 * DAY, 12 * DAY) if sixth < 5 else st.integers(-12 * HOUR, 2 * DAY))


def constraints(scope: str, kinds=KINDS) -> st.SearchStrategy[dict]:
    """One constraint of the scope, of one of the kinds."""
    prefix, limits = PREFIXES[scope], LIMITS[scope]

    def of(kind: str) -> st.SearchStrategy[dict]:
        typed = {"constraintType": st.just(prefix + kind)}
        capped = {**typed, "maxEarnLimit": limits}
        if kind == "FIXED_VALUE":
            return st.fixed_dictionaries(capped)
        if kind == "FIXED_WINDOW":
            return st.one_of(
                st.fixed_dictionaries({**capped, "durationType": st.just("DAYS"), "refreshRate": st.integers(1, 4)}),
                st.fixed_dictionaries({**capped, "durationType": st.just("WEEKS")}, optional={
                    "startDayOfTheWeek": st.sampled_from(WEEKDAYS).map(str.upper) | st.integers(1, 7)}),
                st.fixed_dictionaries({**capped, "durationType": st.just("MONTHS")}))
        if kind == "ROLLING_WINDOW" and scope == "badge":
            return st.sampled_from(list(SPANS)).flatmap(lambda unit: st.fixed_dictionaries({
                **capped, "rollType": st.just(unit), "rollValue": st.integers(1, SPANS[unit][0])}))
        if kind == "ROLLING_WINDOW":
            return st.lists(st.sampled_from(list(SPANS)), min_size=1, max_size=3, unique=True).flatmap(
                lambda units: st.fixed_dictionaries({**typed, **{
                    field: limits if field == SPANS[unit][1] else st.integers(1, SPANS[unit][0])
                    for unit in units for field in SPANS[unit][1:]}}))
        return st.fixed_dictionaries(typed, optional={"maxEarnLimit": st.just(0)})  # as Capillary's example sends

    return st.sampled_from(kinds).flatmap(of)


def expiries(at: Decimal) -> st.SearchStrategy[dict]:
    return st.one_of(
        st.just({"expiryType": "NEVER"}),
        st.fixed_dictionaries({"expiryType": st.just("RELATIVE"), "relativeExpiryType": st.sampled_from(list(SPANS)),
                               "value": st.integers(1, 3)}),
        st.just({"expiryType": "ABSOLUTE", "type": "WITH_BADGE_META", "expireWithBadgeMeta": True}),
        st.integers(0, 22 * DAY).map(lambda sooner: {"expiryType": "ABSOLUTE", "type": "FIXED_DATE",
                                                     "expiresOn": int(at) + 20 * DAY - sooner}))


@st.composite
def generated(draw, at: Decimal) -> dict:
    start = int(at) - draw(BEGINNINGS)
    earn_type = draw(st.sampled_from(["EARN", "ISSUE_EARN"]))
    body = {"name": "generated", "startOn": start, "expiresOn": int(at) + 40 * DAY - draw(st.integers(0, 38 * DAY)),
            "earnType": earn_type, "earnedBadgeExpiry": draw(expiries(at)),
            "ownership": {"restrictedToOwners": ["Loyalty"]},
            "customerConstraints": draw(st.lists(constraints("customer"), min_size=1, max_size=4)),
            "badgeConstraints": draw(st.lists(constraints("badge"), min_size=1, max_size=4)),
            "active": draw(st.sampled_from([True] * 7 + [False]))}
    if earn_type == "ISSUE_EARN" and draw(st.booleans()):
        body["issuedBadgeExpiry"] = draw(expiries(at))
    return body


def _limit_fields(constraint: dict, scope: str) -> list[str]:
    kind = limit_of(constraint, scope).kind
    if kind == "NO_LIMIT":
        return []
    if kind == "ROLLING_WINDOW" and scope == "customer":
        return [most for _, most, _ in SPANS.values() if constraint.get(most) is not None]
    return ["maxEarnLimit"]


@st.composite
def seeded(draw, at: Decimal) -> dict:
    """One of Capillary's examples, moved to start within days of the clock; often made active (some are sent
    inactive) and its limits small."""
    body = example_dates.moved(draw(st.sampled_from(EXAMPLES)), float(at - draw(BEGINNINGS) - DAY))
    body.pop("id", None)
    if not draw(st.booleans(), label="sent as written"):
        body.pop("isActive", None)
        body["active"] = True
    if not draw(st.booleans(), label="limits as written"):
        for scope, name in LISTS.items():
            for constraint in body.get(name) or []:
                for field in _limit_fields(constraint, scope):
                    constraint[field] = draw(LIMITS[scope])
    return body


# ---- definition changes: each a function of the body a caller holds, drawing what it changes ------------------


def _entries(body: dict) -> list[tuple[str, str, int]]:
    return [(scope, name, i) for scope, name in LISTS.items() for i in range(len(body.get(name) or []))]


def _set_time(body: dict, key: str, value: Decimal) -> None:
    body.pop(f"{key}ISO", None)  # the ISO twin would win
    body[key] = float(value)


@dataclass(frozen=True)
class Now:
    """What a change may be drawn around: the clock, and how many earns a constraint's windows hold now (at most,
    over customers for a customer constraint)."""

    at: Decimal
    held: Callable[[dict, str, str], int]


def change_limit(body: dict, draw, now: Now) -> None:
    """A limit raised or lowered: often to just under, at or over what it counts now."""
    fields = [(scope, name, i, field) for scope, name, i in _entries(body)
              for field in _limit_fields(body[name][i], scope)]
    if fields:
        scope, name, i, field = draw(st.sampled_from(fields))
        current, held = body[name][i][field], now.held(body[name][i], scope, field)
        body[name][i][field] = draw(st.sampled_from(sorted({max(held - 1, 1), max(held, 1), held + 1}))
                                    | st.integers(1, max(current - 1, 1)) | st.integers(current + 1, current + 3))


def move_end(body: dict, draw, now: Now) -> None:
    hours = draw(st.integers(-10 * 24, -1) | st.integers(1, 20 * 24))
    _set_time(body, "expiresOn", Terms.of(body).end + hours * HOUR)


def move_start(body: dict, draw, now: Now) -> None:
    _set_time(body, "startOn", Terms.of(body).start + draw(st.integers(-3 * 24, -1) | st.integers(1, 3 * 24)) * HOUR)


def change_earned_expiry(body: dict, draw, now: Now) -> None:
    body["earnedBadgeExpiry"] = draw(expiries(now.at))


def change_issued_expiry(body: dict, draw, now: Now) -> None:
    body["issuedBadgeExpiry"] = draw(st.none() | expiries(now.at))


def change_kind(body: dict, draw, now: Now) -> None:
    """An entry replaced by one of another kind, or of its own kind with other windows (and limits)."""
    if _entries(body):
        scope, name, i = draw(st.sampled_from(_entries(body)))
        same = draw(st.booleans())
        kinds = (limit_of(body[name][i], scope).kind,) if same else KINDS
        body[name][i] = draw(constraints(scope, kinds))


def add_entry(body: dict, draw, now: Now) -> None:
    scope = draw(st.sampled_from(list(LISTS)))
    body[LISTS[scope]] = [*(body.get(LISTS[scope]) or []), draw(constraints(scope))]


def remove_entry(body: dict, draw, now: Now) -> None:
    if _entries(body):
        _, name, i = draw(st.sampled_from(_entries(body)))
        del body[name][i]


def reorder(body: dict, draw, now: Now) -> None:
    """The same constraints in another order: nothing changes but the references that name them."""
    name = draw(st.sampled_from(list(LISTS.values())))
    body[name] = draw(st.permutations(body.get(name) or []))


CHANGES = [change_limit, move_end, move_start, change_earned_expiry, change_issued_expiry, change_kind, add_entry,
           remove_entry, reorder]


class DefinitionMachine(ServiceMachine):
    @initialize(clock=CLOCKS, data=st.data(), earns=st.lists(
        st.tuples(st.sampled_from(CUSTOMERS), st.integers(0, 48)), min_size=2, max_size=8))
    def create(self, clock, data, earns):
        """The badge made (a migration, for a start in the past), claimed, issued if it must be, and earned a few
        times, so that the steps meet its limits."""
        self.at = Decimal(clock)
        self.clock = mock.patch.object(badge_service, "now", lambda: self.at)  # updates read the model's clock
        self.clock.start()
        body = data.draw(st.one_of(seeded(self.at), generated(self.at)), label="badge")
        self.badge_id = badge_service.create_badge(BadgeRequest.model_validate(body), CALLER, badge_store(),
                                                   migration=True).id
        self.model = Model(body)
        if not self.model.terms.active and not data.draw(st.booleans(), label="left inactive"):
            self._switch(True)
        self._claim("a", True)
        if self.model.terms.issue_earn:
            self.issue(list(CUSTOMERS), 48, None)
        for customer, hours in earns:
            self._earn(customer, self.at - hours * HOUR, "a", repeat=False)

    def teardown(self):
        if hasattr(self, "clock"):
            self.clock.stop()
        super().teardown()

    def _expect(self, what: str, answer, refused: list[tuple[int, str]]) -> None:
        expected = (STATUS.get(refused[0][0], 400), refused) if refused else (200, [])
        event(f"{what}: {sorted({code for code, _ in refused}) or 'done'}")  # in --hypothesis-show-statistics
        assert answer == expected, f"answered {answer}, the model expects {expected}"

    def _earn(self, customer: int, event: Decimal, ref: str, repeat: bool, what: str = "earn") -> None:
        request = sorted(self.model.requests)[0] if repeat and self.model.requests else self._request()
        refused = self.model.earn(customer, event, self.at, ref, request)
        body = EarnRequest(badgeMetaId=self.badge_id, customerId=customer, requestId=request, earnEventDate=event,
                           triggeredBy={"ownerType": "Loyalty", "referenceId": ref})
        earned = []
        answer = self._answer(lambda: earned.append(earning.earn_badge(body, CALLER, badge_store(), earn_store(),
                                                                       self.at)))
        self._expect(what, answer, refused)
        if earned:
            expires = expiry_after(self.model.terms.earned_expiry, self.model.terms.end, event)
            assert earned[0].expiresOn == float(expires), (earned[0].expiresOn, expires)
            self.model.requests.add(request)
            self.model.earns.append(Earn(customer, event, expires, earned[0].earnedBadgeId))

    @rule(earns=st.lists(st.tuples(st.sampled_from(CUSTOMERS), st.integers(-26, 48)), min_size=1, max_size=4),
          ref=st.sampled_from("aaaaab"), repeat=st.sampled_from([False] * 5 + [True]))
    def earn(self, earns, ref, repeat):
        """Earns one after another, dated up to two days back (or a day ahead, or more: 750)."""
        for customer, hours in earns:
            self._earn(customer, self.at - hours * HOUR, ref, repeat)

    @rule(customer=st.sampled_from(CUSTOMERS), minutes=st.integers(2 * 24 * 60, 12 * 24 * 60))
    def earn_back_dated(self, customer, minutes):
        self._earn(customer, self.at - minutes * 60, "a", repeat=False)

    @precondition(lambda self: self.model.terms.issue_earn)
    @rule(customers=st.lists(st.sampled_from(CUSTOMERS), min_size=1, max_size=3, unique=True),
          hours=st.integers(0, 72), ref=st.sampled_from([None, "a", "b"]))
    def issue(self, customers, hours, ref):
        """One enrolment request, dated up to three days back: each customer issued, or refused in its entry."""
        when = self.at - hours * HOUR
        refused = {customer: self.model.issue(customer, when, self.at, ref) for customer in customers}
        request = IssueBulkRequest(badgeMetaId=self.badge_id, customers=customers, requestId=self._request(),
                                   issueEventDate=when,
                                   triggeredBy={"ownerType": "Loyalty", "referenceId": ref} if ref else None)
        issued = []
        answer = self._answer(lambda: issued.extend(earning.issue_bulk(
            request, CALLER, badge_store(), earn_store(), self.at).issuedBadges))
        entries = {e.customerId: [(e.error["code"], e.error["reference"])] if e.error else [] for e in issued}
        for customer in customers:
            event(f"issue: {[code for code, _ in refused[customer]] or 'done'}")
        assert (answer, entries) == ((200, []), refused), ((answer, entries), refused)
        for customer in customers:
            if not refused[customer]:
                self.model.issued += 1
                self.model.issues[customer] = (when, expiry_after(self.model.terms.issued_expiry,
                                                                  self.model.terms.end, when))

    @rule(pick=st.integers(0, 50), earn_after=st.booleans())
    def revoke(self, pick, earn_after):
        """An earn revoked: one that stands, else one revoked already, else one never made (814); then maybe every
        customer tries to earn: the unit it freed opens room only where the counts are under the limits."""
        earns = self.model.active_earns() or self.model.earns
        chosen = earns[pick % len(earns)] if earns else Earn(CUSTOMERS[0], self.at, self.at, "none", active=False)
        request = RevokeRequest(badgeMetaId=self.badge_id, customerId=chosen.customer, earnedBadgeId=chosen.earned_id)
        answer = self._answer(lambda: earning.revoke_earn(request, CALLER, badge_store(), earn_store(), self.at))
        self._expect("revoke", answer, [] if chosen.active else [(814, "earnedBadgeId")])
        chosen.active = False
        for customer in CUSTOMERS if earn_after else ():
            self._earn(customer, self.at, "a", repeat=False, what="earn after a revoke")

    @precondition(lambda self: self.at < self.model.terms.end + 3 * DAY)
    @rule(hours=st.integers(1, 72))
    def wait(self, hours):
        self.at += hours * HOUR

    def _claim(self, ref: str, active: bool) -> None:
        request = ClaimRequest(ownerType="Loyalty", referenceId=ref)
        action = claims.claim_badge if active else claims.unclaim_badge
        answer = self._answer(lambda: action(self.badge_id, request, CALLER, badge_store()))
        if active:
            self._expect("claim", answer, [(900, "referenceId")] if ref in self.model.claims else [])
            self.model.claims.add(ref)
        else:
            self._expect("unclaim", answer, [] if ref in self.model.claims else [(737, "referenceId")])
            self.model.claims.discard(ref)

    def _switch(self, active: bool) -> None:
        answer = self._answer(lambda: badge_service.set_active(self.badge_id, active, CALLER, badge_store()))
        self._expect("activate" if active else "deactivate", answer, [])
        self.model.body = {**self.model.body, "active": active}  # what the caller holds, for its next update
        self.model.body.pop("isActive", None)
        self.model.terms = Terms.of(self.model.body)

    @rule(ref=st.sampled_from("ab"), active=st.booleans())
    def claim(self, ref, active):
        """Loyalty "b" claims or withdraws; "a", the earns' usual trigger, claims again (900 while it holds one)."""
        self._claim(ref, active or ref == "a")

    @rule(change=st.sampled_from(["activate", "deactivate", "unclaim"]), customer=st.sampled_from(CUSTOMERS),
          hours=st.integers(-2, 48))
    def switch(self, change, customer, hours):
        """The badge activated (some of Capillary's examples start inactive); or deactivated, or its usual trigger's
        claim withdrawn (the last one unless "b" holds one), and undone after. What customers see follows at once,
        and every earn sent after the answer sees the change (815, 810)."""
        undo = partial(self._claim, "a") if change == "unclaim" else self._switch
        undo(change == "activate")
        self.counts_and_views_agree()
        self._earn(customer, self.at - hours * HOUR, "a", repeat=False, what=f"earn after {change}")
        if change != "activate":
            undo(True)

    @rule(data=st.data())
    def update(self, data):
        """The badge as the caller holds it, with one or two changes of any kind, sent whole (PUT /badgeMeta)."""
        self._update(data, data.draw(st.lists(st.sampled_from(CHANGES), min_size=1, max_size=2), label="changes"))

    @rule(data=st.data(), hours=st.integers(0, 48))
    def change_limits(self, data, hours):
        """One or two limits raised or lowered, often to about what they count; then every customer tries to earn:
        each earn after the answer counts under the new limits (a badge-wide one has its shards re-spread)."""
        self._update(data, [change_limit] * data.draw(st.integers(1, 2), label="limits changed"))
        for customer in CUSTOMERS:
            self._earn(customer, self.at - hours * HOUR, "a", repeat=False, what="earn after the limits changed")

    def _update(self, data, changes) -> None:
        body = copy.deepcopy(self.model.body)
        for change in changes:
            change(body, data.draw, Now(self.at, partial(self.model.held, at=self.at)))
        refused = self.model.update(body, self.at)
        request = BadgeUpdateRequest.model_validate({**body, "id": self.badge_id})
        answer = self._answer(lambda: badge_service.update_badge(request, CALLER, badge_store()))
        self._expect("update", answer, refused)
        if not refused and any(limit <= len(self.model.active_earns()) for rule in self.model.terms.limits[
                LISTS["badge"]] for window, limit in rule.caps if window == ("life",)):
            event("update: the badge's fixed value at or under its count")
        if not refused:
            self.model.body, self.model.terms = body, Terms.of(body)

    @invariant()
    def counts_and_views_agree(self):
        if not hasattr(self, "model"):
            return
        stored = badge_service.get_badge(self.badge_id, CALLER, badge_store())
        assert (stored.earnedCount, stored.issuedCount, stored.definition.active) == (
            len(self.model.active_earns()), self.model.issued, self.model.terms.active)
        # The customers who earned or were issued, and one who never was (all such customers see the same).
        met = {e.customer for e in self.model.earns} | set(self.model.issues)
        for customer in sorted(met) + [c for c in CUSTOMERS if c not in met][:1]:
            earned = customer_entries(CustomerEntries(customer, CustomerBadgeType.EARNED), CALLER, badge_store(),
                                      earn_store(), self.at)
            available = customer_entries(CustomerEntries(customer, CustomerBadgeType.AVAILABLE), CALLER,
                                         badge_store(), earn_store(), self.at)
            seen = (sorted(e.earnedBadgeId for entry in earned for e in entry.earnedBadges), bool(available))
            assert seen == self.model.seen(customer, self.at), (customer, seen)
            assert [entry.earnedCount for entry in earned + available] == [len(seen[0])] * len(earned + available)


DefinitionMachine.TestCase.settings = settings(
    max_examples=examples(12), stateful_step_count=25, deadline=None, derandomize=True, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow])
TestDefinitionsAgainstTheModel = DefinitionMachine.TestCase
