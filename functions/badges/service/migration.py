"""Revoking customers' issues of a badge, and importing earned badges, each written as the earn store writes."""
from __future__ import annotations

from collections import Counter
from decimal import Decimal

from badges.domain.badges import Badge
from badges.domain.earning import FUTURE_TOLERANCE, MAX_REQUEST_ID, EarnResult, times
from badges.domain.errors import BadgesError, Err, ErrorDetail, RequestRepeated, ValidationFailed
from badges.domain.identity import Caller
from badges.domain.limits import expiry_of, plan
from badges.domain.migration import (
    MAX_IMPORTS,
    ImportedBadge,
    ImportItem,
    ImportOutcome,
    RevokedIssue,
    RevokeIssueRequest,
    RevokeIssueResult,
)
from badges.domain.values import iso_or_epoch, new_id, to_epoch
from badges.service.earning import _on_fresh_badge, _refusal_error, badge_cache
from badges.store.ports import BadgeStore, EarnPlan, EarnRefused, EarnStore, NotActive

IMPORT = "import"  # the operation an import's keys are recorded under, apart from earn's requestIds


def revoke_issues(request: RevokeIssueRequest, caller: Caller, badges: BadgeStore, earns: EarnStore,
                  at: Decimal) -> RevokeIssueResult:
    """Each named customer's active issue of the badge (the one named, with `revokeIssuals`) is inactive and the
    badge counts one issue fewer; a customer without one gets its error in its result, nothing else changes."""
    problems = []
    if not request.badgeMetaId:
        problems.append(ErrorDetail.of(Err.FIELD_REQUIRED, "badgeMetaId", "badgeMetaId is required"))
    if request.revokeIssuals:  # wins over customers, as Capillary's page says
        pairs = [(r.customerId, r.issueId) for r in request.revokeIssuals]
        problems += [ErrorDetail.of(Err.CUSTOMER_ID_REQUIRED, f"revokeIssuals[{i}].customerId")
                     for i, (customer, _) in enumerate(pairs) if customer is None]
        problems += [ErrorDetail.of(Err.FIELD_REQUIRED, f"revokeIssuals[{i}].issueId", "issueId is required")
                     for i, (_, issue) in enumerate(pairs) if not issue]
    elif request.customers:
        pairs = [(customer, None) for customer in request.customers]
        problems += [ErrorDetail.of(Err.CUSTOMER_ID_REQUIRED, f"customers[{i}]")
                     for i, (customer, _) in enumerate(pairs) if customer is None]
    else:
        pairs = []
        problems.append(ErrorDetail.of(Err.REVOKE_ISSUALS_REQUIRED))
    if problems:
        raise ValidationFailed(problems)
    badge = badge_cache.get(caller.org_id, str(request.badgeMetaId), badges)
    return RevokeIssueResult(badgeMetaId=badge.id, revokedIssuedBadges=[
        _revoke_one(caller.org_id, badge, int(customer), issue_id, earns, at) for customer, issue_id in pairs])


def _revoke_one(org_id: int, badge: Badge, customer: int, issue_id: str | None, earns: EarnStore,
                at: Decimal) -> RevokedIssue:
    issue = earns.get_issue(org_id, customer, badge.id)
    if issue is None or not issue.active:
        return RevokedIssue(customerId=customer, issuedId=issue_id,
                            error=ErrorDetail.of(Err.NO_ISSUE_INSTANCE).as_dict())
    if issue_id is not None and issue.issued_id != issue_id:
        return RevokedIssue(customerId=customer, issuedId=issue_id,
                            error=ErrorDetail.of(Err.ISSUE_NOT_OF_CUSTOMER).as_dict())
    try:
        earns.revoke_issue(org_id, customer, badge.id, issue.issued_id, at)
    except NotActive:  # revoked or replaced since we read it
        return RevokedIssue(customerId=customer, issuedId=issue.issued_id,
                            error=ErrorDetail.of(Err.NO_ISSUE_INSTANCE).as_dict())
    return RevokedIssue(customerId=customer, issuedId=issue.issued_id)


def import_earned(items: list[ImportItem], caller: Caller, badges: BadgeStore, earns: EarnStore,
                  at: Decimal) -> list[ImportOutcome]:
    """One answer per item, in order: each earned badge recorded as an earn is (every count and limit, at its own
    event date), or its refusal. An item is recorded once: by its requestId, or else by its badge, customer,
    event date and its place among identical items of the request, so a request sent again changes nothing."""
    if not 1 <= len(items) <= MAX_IMPORTS:
        raise BadgesError(Err.IMPORT_SIZE, "body", f"Import needs a list of 1 to {MAX_IMPORTS} earned badges")
    batch, seen = new_id(), Counter[tuple]()
    outcomes = []
    for index, item in enumerate(items, 1):
        try:
            outcomes.append(_import_one(item, f"{batch}_{index}", seen, caller, badges, earns, at))
        except RequestRepeated as repeated:
            original = repeated.data if isinstance(repeated.data, dict) else {}
            first = ImportedBadge(**{k: original.get(k) for k in ImportedBadge.model_fields})
            outcomes.append(ImportOutcome(data=first, errors=[d.as_dict() for d in repeated.details]))
        except BadgesError as refused:
            outcomes.append(ImportOutcome(data=None, errors=[d.as_dict() for d in refused.details]))
    return outcomes


def _import_one(item: ImportItem, default_request_id: str, seen: Counter, caller: Caller, badges: BadgeStore,
                earns: EarnStore, at: Decimal) -> ImportOutcome:
    event = iso_or_epoch(item.earnEventDateISO, item.earnEventDate)
    expires = iso_or_epoch(item.earnExpiresOnISO, item.earnExpiresOn)
    _check_item(item, event, expires, at)
    assert item.badgeMetaId is not None and item.customerId is not None and event is not None
    badge_id, customer = item.badgeMetaId, item.customerId
    if item.requestId is not None:
        key, request_id = f"id#{item.requestId}", item.requestId
    else:
        same = (badge_id, customer, event)
        seen[same] += 1
        key, request_id = f"item#{badge_id}#{customer}#{event}#{seen[same]}", default_request_id

    def check(badge: Badge) -> None:
        if not badge.definition.startOn <= event < badge.definition.expiresOn:
            raise BadgesError(Err.EVENT_OUTSIDE_BADGE, "earnEventDate")

    def record(badge: Badge, _: None) -> ImportOutcome:
        until = expires if expires is not None else expiry_of(badge.definition.earnedBadgeExpiry, badge.definition,
                                                              event)
        result = EarnResult(badgeMetaId=badge.id, customerId=customer, earnedBadgeId=new_id(),
                            earnEventDate=to_epoch(event), requestId=request_id, **times(until))
        try:
            earns.record_earn(EarnPlan(
                org_id=caller.org_id, badge=badge, customer_id=customer, operation=IMPORT, request_key=key,
                earned_id=result.earnedBadgeId, event=event, at=at, expires=until,
                limits=plan(badge.definition, event), result=result.model_dump(mode="json", exclude_none=True),
                issued_id=None))
        except EarnRefused as refused:
            raise _refusal_error(refused, badge.definition, event) from refused
        return ImportOutcome(data=ImportedBadge(**result.model_dump(include=set(ImportedBadge.model_fields))))

    return _on_fresh_badge(caller, badge_id, IMPORT, key, badges, earns, at, check, record)


def _check_item(item: ImportItem, event: Decimal | None, expires: Decimal | None, at: Decimal) -> None:
    """What an item must name, all at once: the badge, the customer, a past event date and a later expiry."""
    problems = []
    if not item.badgeMetaId:
        problems.append(ErrorDetail.of(Err.FIELD_REQUIRED, "badgeMetaId", "badgeMetaId is required"))
    if item.customerId is None:
        problems.append(ErrorDetail.of(Err.CUSTOMER_ID_REQUIRED, "customerId"))
    if event is None:
        problems.append(ErrorDetail.of(Err.FIELD_REQUIRED, "earnEventDate", "earnEventDate is required"))
    elif event > at + FUTURE_TOLERANCE:
        problems.append(ErrorDetail.of(Err.EVENT_IN_FUTURE, "earnEventDate"))
    elif expires is not None and expires <= event:
        problems.append(ErrorDetail.of(Err.INVALID_VALUE, "earnExpiresOn",
                                       "Invalid value: earnExpiresOn must be after earnEventDate"))
    if item.requestId is not None and (str(item.requestId).strip() == "" or len(str(item.requestId)) > MAX_REQUEST_ID):
        problems.append(ErrorDetail.of(Err.INVALID_VALUE, "requestId",
                                       f"Invalid value: 1 to {MAX_REQUEST_ID} characters"))
    if problems:
        raise ValidationFailed(problems)
