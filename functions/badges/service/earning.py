"""Earning use cases: issue (enrol), earn, earn in bulk and revoke, every limit decided by the store's
conditions in the one transaction that records the change."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from cachetools import TTLCache

from badges.domain.badges import Badge, BadgeDefinition
from badges.domain.earning import (
    FUTURE_TOLERANCE,
    EarnBulkRequest,
    EarnBulkResult,
    EarnedEntry,
    EarnRequest,
    EarnResult,
    FailedEntry,
    IssueBulkRequest,
    IssueBulkResult,
    IssuedEntry,
    RevokeRequest,
    RevokeResult,
    TriggeredBy,
    required_of,
    times,
)
from badges.domain.eligibility import fields, freed_at, latest
from badges.domain.enums import BadgeStatus, EarnType
from badges.domain.errors import (
    BadgeNotFound,
    BadgesError,
    Err,
    ErrorDetail,
    RequestRepeated,
    ServiceUnavailable,
    ValidationFailed,
)
from badges.domain.identity import Caller
from badges.domain.limits import expiry_of, plan
from badges.domain.values import iso_or_epoch, new_id, to_epoch
from badges.store.ports import (
    BadgeStore,
    EarnPlan,
    EarnRefused,
    EarnStore,
    IssueExists,
    NotActive,
    Refusal,
    RefusalKind,
    StaleWrite,
)
from badges.store.retry import retry_budget

T, R = TypeVar("T"), TypeVar("R")
_ATTEMPTS = 4  # a badge changed between our read and our write: read it again and retry
_CACHE_SIZE = 512
# How long a process acts on a badge it read: its writes are conditioned on the version read, but a change that
# stopped half-way tells no more shards, so an old definition would count on the untold ones for as long as it is
# cached. A function's whole run (infra.functions.TIMEOUT) bounds that, at one read of the badge per process per
# badge every 10 s.
_CACHE_SECONDS = 10
_SETTLE_PAUSE, _SETTLE_PAUSE_MOST = 0.025, 0.4  # seconds between reads of a badge whose limit is being lowered
# A lowering still flagged this long after the change was written stopped half-way: its function (10 s at most,
# infra.functions.TIMEOUT) is gone, and a waiting earn or revoke takes it over (store.changes.finish_stalled).
_STALLED_AFTER = 20
MAX_BULK = 100


class BadgeCache:
    """The badges this process read, by org and id, the `size` most recently used. An earn's write is
    conditioned on the version it planned on, so a stale entry is never acted on: it is read again, and the earn
    retried. An entry is read again after `seconds` (a change that stopped half-way tells no more shards)."""

    def __init__(self, size: int = _CACHE_SIZE, seconds: float = _CACHE_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self._badges: TTLCache[tuple[int, str], Badge] = TTLCache(maxsize=size, ttl=seconds, timer=clock)
        self._lock = threading.Lock()  # the local server runs handlers in threads

    def get(self, org_id: int, badge_id: str, store: BadgeStore, fresh: bool = False) -> Badge:
        key = (org_id, badge_id)
        if not fresh:
            with self._lock:
                cached = self._badges.get(key)
            if cached is not None:
                return cached
        badge = store.get_badge(org_id, badge_id, counted=False)
        with self._lock:
            if badge is None:
                self._badges.pop(key, None)
            else:
                self._badges[key] = badge
        if badge is None:
            raise BadgeNotFound("badgeMetaId")
        return badge

    def clear(self) -> None:
        with self._lock:
            self._badges.clear()


badge_cache = BadgeCache()


@dataclass(frozen=True)
class CustomerEarn:
    """One customer's earn of one badge, as POST earn asks for it and earnBulk for each of its customers."""

    badge_id: str
    customer: int
    request_id: Any  # as the caller gave it, for the answer
    event: Decimal
    triggered_by: TriggeredBy
    operation: str  # "earn" or "earnBulk": a requestId is used once per org and operation
    key: str  # the requestId's record: the requestId, and for earnBulk the customer too


def earn_badge(request: EarnRequest, caller: Caller, badges: BadgeStore, earns: EarnStore, at: Decimal) -> EarnResult:
    """The customer holds one more earned badge, counted against every limit; or nothing changed and the
    refusal says why. A requestId seen before answers 809 with the first result."""
    required_of(request.badgeMetaId, request.customerId, request.requestId, request.triggeredBy)
    return _earn(CustomerEarn(request.badgeMetaId, request.customerId, request.requestId, request.event(at),
                              request.triggeredBy, "earn", str(request.requestId)), caller, badges, earns, at)


def earn_bulk(request: EarnBulkRequest, caller: Caller, badges: BadgeStore, earns: EarnStore,
              at: Decimal) -> EarnBulkResult:
    """Each customer earns or is refused alone, with its own requestId record (`<requestId>#<customer>`); a badge
    the trigger has not claimed refuses the whole request (810, 409) unless it is a repeat (then each customer's
    809)."""
    customers = request.customerIds or []
    required_of(request.badgeMetaId, customers or None, request.requestId, request.triggeredBy,
                customer_ref="customerIds")
    _check_bulk(customers, "customerIds")
    event = request.event(at)
    badge = badge_cache.get(caller.org_id, request.badgeMetaId, badges)  # an unknown badge fails the whole request
    if not _claimed_by(badge, request.triggeredBy):
        badge = badge_cache.get(caller.org_id, request.badgeMetaId, badges, fresh=True)
        if not _claimed_by(badge, request.triggeredBy) and not any(  # at most 100 reads, only when refused
                earns.request_result(caller.org_id, "earnBulk", f"{request.requestId}#{c}") for c in customers):
            raise BadgesError(Err.NOT_CLAIMED_BY_TRIGGER, "triggeredBy")
    earned: list[EarnedEntry] = []
    failed: list[FailedEntry] = []
    expires: dict[str, Any] = {"expiresOn": None, "expiresOnISO": None}  # nothing earned, nothing expires
    for customer in customers:
        try:
            result = _earn(CustomerEarn(request.badgeMetaId, customer, request.requestId, event, request.triggeredBy,
                                        "earnBulk", f"{request.requestId}#{customer}"), caller, badges, earns, at)
        except BadgesError as refused:
            replay = refused.data if isinstance(refused.data, dict) else {}
            failed.append(FailedEntry(customerId=customer, error=refused.details[0].as_dict(),
                                      earnedBadgeId=replay.get("earnedBadgeId")))
            continue
        if not earned:
            expires = {"expiresOn": result.expiresOn, "expiresOnISO": result.expiresOnISO}
        earned.append(EarnedEntry(customerId=customer, earnedBadgeId=result.earnedBadgeId))
    return EarnBulkResult(badgeMetaId=request.badgeMetaId, requestId=str(request.requestId),
                          triggeredBy=request.triggeredBy, **expires, earnedBadgesList=earned,
                          totalCount=len(customers), earnedCount=len(earned), failedCount=len(failed),
                          failedEarnBadgeErrorList=failed)


def issue_bulk(request: IssueBulkRequest, caller: Caller, badges: BadgeStore, earns: EarnStore,
               at: Decimal) -> IssueBulkResult:
    """Each customer holds an active issue of the ISSUE_EARN badge (1040 if it held one already). The requestId
    is reserved for the whole request before any customer is written (one conditional put): a repeat, even a
    concurrent one, is 809 and replays this answer, stored once every customer is done. A stop between the
    reservation and the stored answer leaves the requestId spent (its repeats replay null) and the customers
    reached so far issued."""
    field = "customers" if request.customers else "customerIds"
    customers = request.customers or request.customerIds or []
    required_of(request.badgeMetaId, customers or None, request.requestId, request.triggeredBy,
                owner_required=False, customer_ref=field)
    _check_bulk(customers, field)
    event = iso_or_epoch(request.issueEventDateISO, request.issueEventDate, default=at)
    badge = badge_cache.get(caller.org_id, request.badgeMetaId, badges)
    if badge.definition.earnType != EarnType.ISSUE_EARN:
        raise BadgesError(Err.NOT_ISSUABLE, "badgeMetaId")
    key = str(request.requestId)
    earns.reserve_request(caller.org_id, "issueBulk", key, at)

    def issue(customer: int) -> IssuedEntry:
        def record(current: Badge, _: None) -> IssuedEntry:
            issued_id = new_id()
            expires = expiry_of(current.definition.issuedBadgeExpiry, current.definition, event)
            try:
                earns.record_issue(current, customer, issued_id, event, expires, at)
            except IssueExists as exists:
                raise BadgesError(Err.ACTIVE_ISSUE_EXISTS, "customerId") from exists
            return IssuedEntry(customerId=customer, issuedId=issued_id, status="ACTIVE")

        try:
            return _on_fresh_badge(caller, request.badgeMetaId, "issueBulk", None, badges, earns, at,
                                   lambda current: _check_issuable(current, event, at, request.triggeredBy), record)
        except BadgesError as refused:
            standing = earns.get_issue(caller.org_id, customer, badge.id) \
                if refused.details[0].code == Err.ACTIVE_ISSUE_EXISTS.code else None
            return IssuedEntry(customerId=customer, issuedId=standing.issued_id if standing else None,
                               status="ACTIVE" if standing else None, error=refused.details[0].as_dict())

    result = IssueBulkResult(badgeMetaId=badge.id, triggeredBy=request.triggeredBy,
                             **times(expiry_of(badge.definition.issuedBadgeExpiry, badge.definition, event)),
                             issuedBadges=[issue(customer) for customer in customers], requestId=key)
    earns.complete_request(caller.org_id, "issueBulk", key, result.model_dump(mode="json"))
    return result


def revoke_earn(request: RevokeRequest, caller: Caller, badges: BadgeStore, earns: EarnStore,
                at: Decimal) -> RevokeResult:
    """The earned badge is no longer active and gives back every unit it took; 814 if none was active."""
    problems = []
    if not request.badgeMetaId:
        problems.append(ErrorDetail.of(Err.FIELD_REQUIRED, "badgeMetaId", "badgeMetaId is required"))
    if request.customerId is None:
        problems.append(ErrorDetail.of(Err.CUSTOMER_ID_REQUIRED, "customerId"))
    if not request.earnedBadgeId:
        problems.append(ErrorDetail.of(Err.FIELD_REQUIRED, "earnedBadgeId", "earnedBadgeId is required"))
    if problems:
        raise ValidationFailed(problems)
    assert isinstance(request.customerId, int)  # the handler resolved it (service.customer_ids)
    active = [e for e in earns.earned(caller.org_id, request.customerId, request.badgeMetaId)
              if e.active and request.earnedBadgeId == e.earned_id]
    if not active:
        raise BadgesError(Err.NO_ACTIVE_EARN, "earnedBadgeId")
    earned = active[-1]
    for attempt in range(_ATTEMPTS):
        badge = _settled(caller, request.badgeMetaId, badges, badge_cache.get(
            caller.org_id, request.badgeMetaId, badges, fresh=attempt > 0), at)
        try:
            earns.revoke(caller.org_id, earned, at, badge)
            break
        except NotActive as gone:
            raise BadgesError(Err.NO_ACTIVE_EARN, "earnedBadgeId") from gone
        except StaleWrite:
            continue
    else:
        raise ServiceUnavailable()
    return RevokeResult(badgeMetaId=request.badgeMetaId, customerId=request.customerId,
                        earnedBadgeId=earned.earned_id, isActive=False)


def _earn(earn: CustomerEarn, caller: Caller, badges: BadgeStore, earns: EarnStore, at: Decimal) -> EarnResult:
    """The customer holds one more earned badge, or the refusal says why (see earn_badge)."""
    def record(badge: Badge, issued_id: str | None) -> EarnResult:
        earned_id, expires = new_id(), expiry_of(badge.definition.earnedBadgeExpiry, badge.definition, earn.event)
        result = EarnResult(badgeMetaId=badge.id, customerId=earn.customer, earnedBadgeId=earned_id,
                            earnEventDate=to_epoch(earn.event), requestId=str(earn.request_id), issuedId=issued_id,
                            **times(expires))
        try:
            earns.record_earn(EarnPlan(
                org_id=caller.org_id, badge=badge, customer_id=earn.customer, operation=earn.operation,
                request_key=earn.key, earned_id=earned_id, event=earn.event, at=at, expires=expires,
                limits=plan(badge.definition, earn.event), result=result.model_dump(mode="json"),
                issued_id=issued_id, triggered_by=earn.triggered_by.model_dump(mode="json")))
        except EarnRefused as refused:
            raise _refusal_error(refused, badge.definition, earn.event) from refused
        return result

    return _on_fresh_badge(caller, earn.badge_id, earn.operation, earn.key, badges, earns, at,
                           lambda badge: _check_earnable(badge, earn, at, earns), record)


def _on_fresh_badge(caller: Caller, badge_id: str, operation: str, key: str | None, badges: BadgeStore,
                    earns: EarnStore, at: Decimal,
                    check: Callable[[Badge], T], record: Callable[[Badge, T], R]) -> R:
    """Check the badge as cached, then record against the version checked; a refusal is only given on a fresh
    read (the cache may be behind a claim, say), a retry of a request that once succeeded answers 809 with its
    first result, and a write that finds the badge changed reads it again and starts over."""
    for attempt in range(_ATTEMPTS):
        badge = _settled(caller, badge_id, badges, badge_cache.get(caller.org_id, badge_id, badges,
                                                                    fresh=attempt > 0), at)
        try:
            checked = check(badge)
        except BadgesError:
            if attempt == 0:
                continue
            if key is not None:
                _replay_if_repeated(earns, caller.org_id, operation, key)
            raise
        try:
            return record(badge, checked)
        except StaleWrite:
            continue
    raise ServiceUnavailable()


def _settled(caller: Caller, badge_id: str, badges: BadgeStore, badge: Badge, at: Decimal) -> Badge:
    """The badge once no lowered limit is being applied to it: while the shards' counts are spread again
    (store.changes, well under a second) it is read again after growing pauses, within the retry budget (then
    503, to be retried). A lowering that stopped half-way is finished here, by one waiting caller at a time."""
    deadline = time.monotonic() + retry_budget()
    pause, tried = _SETTLE_PAUSE, False
    while badge.rebalancing:
        if not tried and _stalled(badge, at):
            # One try a request, and only with no lease read: the badge's item is no hot item.
            tried = True
            badges.finish_stalled(badge, at)
            badge = badge_cache.get(caller.org_id, badge_id, badges, fresh=True)
            continue
        if time.monotonic() + pause > deadline:
            raise ServiceUnavailable()
        time.sleep(pause)
        pause = min(2 * pause, _SETTLE_PAUSE_MOST)
        badge = badge_cache.get(caller.org_id, badge_id, badges, fresh=True)
    return badge


def _stalled(badge: Badge, at: Decimal) -> bool:
    """A lowering that its own function can no longer be finishing, and that no caller holds a lease on."""
    return at - badge.lastUpdatedOn > _STALLED_AFTER and (badge.finishing is None or badge.finishing < at)


def _check_earnable(badge: Badge, earn: CustomerEarn, at: Decimal, earns: EarnStore) -> str | None:
    """What can be checked against the badge as read (the write is conditioned on its version); for an
    ISSUE_EARN badge, the customer's issue id, which the write checks again."""
    event = earn.event
    if event > at + FUTURE_TOLERANCE:
        raise BadgesError(Err.EVENT_IN_FUTURE, "earnEventDate")
    d = badge.definition
    if not d.active or badge.status(at) != BadgeStatus.LIVE:
        raise _not_live(badge, at)
    if not d.startOn <= event < d.expiresOn:
        raise BadgesError(Err.EVENT_OUTSIDE_BADGE, "earnEventDate")
    _check_claimed(badge, earn.triggered_by)
    if d.earnType != EarnType.ISSUE_EARN:
        return None
    issue = earns.get_issue(badge.orgId, earn.customer, badge.id)
    if issue is None or not issue.active or not issue.issued_on <= event < issue.expires_on:
        raise BadgesError(Err.ISSUE_REQUIRED, "customerId")
    return issue.issued_id


def _check_issuable(badge: Badge, event: Decimal, at: Decimal, triggered_by: TriggeredBy | None) -> None:
    d = badge.definition
    if not d.active or badge.status(at) == BadgeStatus.EXPIRED:
        raise _not_live(badge, at)
    if event > at + FUTURE_TOLERANCE:
        raise BadgesError(Err.EVENT_IN_FUTURE, "issueEventDate")
    if not d.startOn <= event < d.expiresOn:
        raise BadgesError(Err.EVENT_OUTSIDE_BADGE, "issueEventDate")
    if triggered_by is not None:
        _check_claimed(badge, triggered_by)


def _not_live(badge: Badge, at: Decimal) -> BadgesError:
    """815 with what happened: the badge was deactivated, has not started, or has ended (in that order)."""
    if not badge.definition.active:
        why = "it is deactivated"
    elif badge.status(at) == BadgeStatus.UPCOMING:
        why = "it has not started yet"
    else:
        why = "it has ended"
    return BadgesError(Err.BADGE_NOT_LIVE, "badgeMetaId", f"{Err.BADGE_NOT_LIVE.value.message[:-1]}: {why}.")


def _check_claimed(badge: Badge, triggered_by: TriggeredBy) -> None:
    if not _claimed_by(badge, triggered_by):
        raise BadgesError(Err.NOT_CLAIMED_BY_TRIGGER, "triggeredBy")


def _claimed_by(badge: Badge, triggered_by: TriggeredBy) -> bool:
    claimed = {(c.ownerType, c.referenceId) for c in badge.claims if c.isActive}
    return (triggered_by.ownerType.value, triggered_by.referenceId.strip()) in claimed


def _replay_if_repeated(earns: EarnStore, org_id: int, operation: str, key: str) -> None:
    """A refused retry of a request that once succeeded is 809 with the first answer, not the refusal."""
    original = earns.request_result(org_id, operation, key)
    if original is not None:
        raise RequestRepeated(original)


def _refusal_error(refused: EarnRefused, definition: BadgeDefinition, event: Decimal) -> BadgesError:
    """One error per constraint refused (a rolling window counted on two month items refuses on both, one
    constraint), each with when it lets an earn through again (nextEligibleOn, from the counters the refusal saw:
    the latest of its items')."""
    if any(r.kind == RefusalKind.ISSUE for r in refused.refusals):
        return BadgesError(Err.ISSUE_REQUIRED, "customerId")
    by_constraint: dict[tuple[RefusalKind, str | None], list[Refusal]] = {}
    for r in refused.refusals:
        by_constraint.setdefault((r.kind, r.reference), []).append(r)
    details = [ErrorDetail.of(
        Err.CUSTOMER_LIMIT_REACHED if r.kind == RefusalKind.CUSTOMER_LIMIT else Err.BADGE_LIMIT_REACHED, r.reference,
        f"{r.describes} allows {r.limit}: the limit is reached", fields(latest([
            freed_at(definition, s.reference, s.sk or "", s.limit, event, s.counts or {}) for s in same])))
        for same in by_constraint.values() for r in same[:1]]
    return ValidationFailed(details)


def _check_bulk(customers: list, field: str) -> None:
    if len(customers) > MAX_BULK:
        raise BadgesError(Err.INVALID_VALUE, field, f"Invalid value: at most {MAX_BULK} customers a request")
    missing = [ErrorDetail.of(Err.CUSTOMER_ID_REQUIRED, f"{field}[{i}]") for i, c in enumerate(customers) if c is None]
    if missing:
        raise ValidationFailed(missing)
