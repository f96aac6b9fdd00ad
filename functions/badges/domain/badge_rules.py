"""The rules a badge definition must keep, checked all at once so one response names every problem."""
from __future__ import annotations

from decimal import Decimal

from badges.domain.badges import Badge, BadgeDefinition, BadgeRequest, Constraint, Expiry
from badges.domain.custom_fields import CustomField, apply_custom_fields
from badges.domain.enums import BadgeStatus, BenefitType, ConstraintKind, DayOfWeek, ExpiryBase, ExpiryType, Period
from badges.domain.enums import parse_owner as owner_of
from badges.domain.errors import Err, ErrorDetail
from badges.domain.limits import most_items
from badges.domain.values import iso_or_epoch

MAX_EARN_ITEMS = 100  # DynamoDB's limit on the items of one transaction, which an earn is
HUNDRED_YEARS = Decimal(100 * 365 * 24 * 3600 + 25 * 24 * 3600)  # 100 years with their leap days
_ROLLING_PAIRS = (("maxEarnForDays", "rollForDays"), ("maxEarnForWeeks", "rollForWeeks"),
                  ("maxEarnForMonths", "rollForMonths"))
_CONSTRAINT_PARAMS = ("durationType", "refreshRate", "startDayOfTheWeek", "maxEarnLimit", "rollType", "rollValue",
                      *(name for pair in _ROLLING_PAIRS for name in pair))
# The longest rolling windows: an earn adds to one counter item per month its windows reach, in one transaction.
_LONGEST = {Period.DAYS: 366, Period.WEEKS: 52, Period.MONTHS: 12}
# As long as NEVER: earned badges' expiry dates stay within the years a date can hold.
_LONGEST_EXPIRY = {Period.DAYS: 36_500, Period.WEEKS: 5_200, Period.MONTHS: 1_200}
# Once a badge is LIVE its fixed windows are counting: their geometry may no longer change.
_WINDOW_GEOMETRY = ("durationType", "refreshRate", "startDayOfTheWeek")


class Problems(list):
    """The problems found so far, as envelope errors."""

    def add(self, err: Err, reference: str | None, message: str | None = None) -> None:
        self.append(ErrorDetail.of(err, reference, message))

    def require(self, value: object, reference: str, what: str | None = None) -> bool:
        if value is None or (isinstance(value, str) and not value.strip()):
            self.add(Err.FIELD_REQUIRED, reference, f"{what or reference} is required")
            return False
        return True

    def positive(self, value: int | None, reference: str, most: int | None = None,
                 why: str = "a rolling window reaches back") -> None:
        if self.require(value, reference) and value < 1:
            self.add(Err.INVALID_VALUE, reference, "Invalid value: must be at least 1")
        elif most is not None and value is not None and value > most:
            self.add(Err.INVALID_VALUE, reference, f"Invalid value: {why} {most} at most")


def definition_of(request: BadgeRequest, now: Decimal, migration: bool, previous: Badge | None = None,
                  custom_fields: list[CustomField] | None = None) -> tuple[BadgeDefinition | None, list[ErrorDetail]]:
    """The normalized definition a request describes, or None and every rule it breaks.

    `previous` is the stored badge for an update: a LIVE badge keeps its startOn (723) and its fixed windows (826),
    and an owner with an active claim stays among restrictedToOwners.
    """
    problems = Problems()
    problems.require(request.name, "name")
    start = iso_or_epoch(request.startOnISO, request.startOn)
    end = iso_or_epoch(request.expiresOnISO, request.expiresOn)
    problems.require(start, "startOn")
    problems.require(end, "expiresOn")
    if start is not None and end is not None and start >= end:
        problems.add(Err.START_AFTER_END, "expiresOn")
    start_changed = previous is None or start != previous.definition.startOn
    if start is not None and start_changed and (start < now - HUNDRED_YEARS or (start < now and not migration)):
        problems.add(Err.START_IN_PAST, "startOn")
    if previous is not None and end is not None and end <= now and not migration:
        problems.add(Err.EXPIRY_IN_PAST, "expiresOn")  # an update may not end a badge in the past (spec: PUT)

    owners = _owners(request, problems)
    if problems.require(request.earnedBadgeExpiry, "earnedBadgeExpiry"):
        _check_expiry(request.earnedBadgeExpiry, "earnedBadgeExpiry", problems)
    if request.issuedBadgeExpiry is not None:
        _check_expiry(request.issuedBadgeExpiry, "issuedBadgeExpiry", problems)
    problems.require(request.earnType, "earnType")
    customer = [_constraint(c, f"customerConstraints[{i}]", problems, customer=True)
                for i, c in enumerate(request.customerConstraints or [])]
    badge = [_constraint(c, f"badgeConstraints[{i}]", problems, customer=False)
             for i, c in enumerate(request.badgeConstraints or [])]
    for i, benefit in enumerate(request.benefits or []):
        _check_benefit(benefit, f"benefits[{i}]", problems)

    custom, custom_problems = apply_custom_fields(request.customFields or {}, custom_fields or [])
    problems.extend(custom_problems)

    if previous is not None:
        _check_update(previous, start, owners, customer, badge, now, problems)
    if problems:
        return None, list(problems)
    definition = BadgeDefinition(
        name=request.name, description=request.description, startOn=start, expiresOn=end,
        earnedBadgeExpiry=_normalized_expiry(request.earnedBadgeExpiry),
        issuedBadgeExpiry=_normalized_expiry(request.issuedBadgeExpiry) if request.issuedBadgeExpiry else None,
        images=request.images or [], restrictedToOwners=owners, customerConstraints=customer,
        badgeConstraints=badge, earnType=request.earnType, benefits=request.benefits or [],
        tags=request.tags or [], customFields=custom, defaultTillId=request.defaultTillId,
        badgeGroupId=request.badgeGroupId or None, badgeRank=request.badgeRank,
        active=True if request.active is None else request.active,
    )
    if most_items(definition) > MAX_EARN_ITEMS:
        return None, [ErrorDetail.of(Err.INVALID_VALUE, "customerConstraints", (
            "Invalid value: the constraints together reach too far: an earn would count in more than "
            f"{MAX_EARN_ITEMS - 4} counter items; use fewer or shorter rolling windows"))]
    return definition, []


def _owners(request: BadgeRequest, problems: Problems) -> list[str]:
    given = (request.ownership.restrictedToOwners if request.ownership else None) or []
    owners = []
    for value in given:
        owner = owner_of(value)
        if owner is None:
            problems.add(Err.OWNER_NOT_ALLOWED, "ownership.restrictedToOwners", f"Owner type is not allowed: {value}")
        elif owner.value not in owners:
            owners.append(owner.value)
    if not given:
        problems.add(Err.OWNER_REQUIRED, "ownership.restrictedToOwners")
    return owners


def _check_expiry(expiry: Expiry, ref: str, problems: Problems) -> None:
    if not problems.require(expiry.expiryType, f"{ref}.expiryType"):
        return
    if expiry.expiryType == ExpiryType.RELATIVE:
        problems.require(expiry.relativeExpiryType, f"{ref}.relativeExpiryType")
        problems.positive(expiry.value, f"{ref}.value", _LONGEST_EXPIRY.get(expiry.relativeExpiryType),
                          "a relative expiry lasts 100 years, that is")
    elif expiry.expiryType == ExpiryType.ABSOLUTE:
        base = expiry.type or (ExpiryBase.WITH_BADGE_META if expiry.expireWithBadgeMeta else None)
        if problems.require(base, f"{ref}.type") and base == ExpiryBase.FIXED_DATE:
            problems.require(expiry.expiresOn, f"{ref}.expiresOn")


def _normalized_expiry(expiry: Expiry) -> Expiry:
    """Only the fields that mean something for the expiry's type, with expireWithBadgeMeta derived."""
    if expiry.expiryType == ExpiryType.RELATIVE:
        return Expiry(expiryType=expiry.expiryType, relativeExpiryType=expiry.relativeExpiryType, value=expiry.value)
    if expiry.expiryType == ExpiryType.NEVER:
        return Expiry(expiryType=expiry.expiryType)
    base = expiry.type or ExpiryBase.WITH_BADGE_META
    fixed = base == ExpiryBase.FIXED_DATE
    return Expiry(expiryType=expiry.expiryType, type=base, expiresOn=expiry.expiresOn if fixed else None,
                  expireWithBadgeMeta=not fixed)


def _constraint(constraint: Constraint, ref: str, problems: Problems, customer: bool) -> Constraint:
    """The constraint with only the parameters its type uses, after checking those it needs."""
    kind = constraint.constraintType
    if not problems.require(kind, f"{ref}.constraintType"):
        return constraint
    keep: dict = {}
    if kind == ConstraintKind.FIXED_VALUE:
        problems.positive(constraint.maxEarnLimit, f"{ref}.maxEarnLimit")
        keep = {"maxEarnLimit": constraint.maxEarnLimit}
    elif kind == ConstraintKind.FIXED_WINDOW:
        problems.positive(constraint.maxEarnLimit, f"{ref}.maxEarnLimit")
        keep = {"maxEarnLimit": constraint.maxEarnLimit, "durationType": constraint.durationType}
        if problems.require(constraint.durationType, f"{ref}.durationType"):
            if constraint.durationType == Period.DAYS:
                problems.positive(constraint.refreshRate, f"{ref}.refreshRate", _LONGEST_EXPIRY[Period.DAYS],
                                  "a fixed window lasts 100 years, that is")
                keep["refreshRate"] = constraint.refreshRate
            elif constraint.durationType == Period.WEEKS:
                keep["startDayOfTheWeek"] = constraint.startDayOfTheWeek or DayOfWeek.MONDAY
    elif kind == ConstraintKind.ROLLING_WINDOW and customer:
        given = [pair for pair in _ROLLING_PAIRS if any(getattr(constraint, f) is not None for f in pair)]
        if not given:
            problems.add(Err.FIELD_REQUIRED, f"{ref}.maxEarnForDays",
                         "a customer rolling window needs maxEarnFor* and rollFor* for days, weeks or months")
        for pair in given:
            for name in pair:
                most = _LONGEST[Period(name.removeprefix("rollFor").upper())] if name.startswith("rollFor") else None
                problems.positive(getattr(constraint, name), f"{ref}.{name}", most)
                keep[name] = getattr(constraint, name)
    elif kind == ConstraintKind.ROLLING_WINDOW:
        problems.require(constraint.rollType, f"{ref}.rollType")
        problems.positive(constraint.rollValue, f"{ref}.rollValue", _LONGEST.get(constraint.rollType))
        problems.positive(constraint.maxEarnLimit, f"{ref}.maxEarnLimit")
        keep = {"rollType": constraint.rollType, "rollValue": constraint.rollValue,
                "maxEarnLimit": constraint.maxEarnLimit}
    return Constraint(constraintType=kind, **{k: v for k, v in keep.items() if v is not None})


def _check_benefit(benefit, ref: str, problems: Problems) -> None:
    if not problems.require(benefit.benefitType, f"{ref}.benefitType"):
        return
    if benefit.benefitType == BenefitType.COUPON:
        problems.require(benefit.seriesId, f"{ref}.seriesId")
    else:
        for name in ("programId", "promotionId", "allocationStrategyId", "expirationStrategyId"):
            problems.require(getattr(benefit, name), f"{ref}.{name}")


def counting_changes(previous: BadgeDefinition, start: Decimal | None, customer: list[Constraint],
                     badge: list[Constraint]) -> list[ErrorDetail]:
    """What in a new definition would change how the earns counted so far count: the constraints' kinds and
    windows (rolling lengths, fixed windows' geometry, which are the counters' keys) or the start (fixed windows
    begin at it). Allowed only while the badge has no earns. Limits may change either way at any time: a lowered
    badge-wide limit re-spreads the shards' counts before earns resume (store.changes)."""
    problems = Problems()
    if start is not None and start != previous.startOn and _has_fixed_window(previous):
        problems.add(Err.START_FROZEN, "startOn", "Start Date cannot change once the badge has earns: its fixed "
                                                  "windows begin at it")
    for name, old, new in (("customerConstraints", previous.customerConstraints, customer),
                           ("badgeConstraints", previous.badgeConstraints, badge)):
        if sorted(map(_shape, old)) != sorted(map(_shape, new)):
            problems.add(Err.WINDOW_CHANGE, name, "Once the badge has earns its constraints keep their types and "
                                                  "windows; only their limits may change")
    return list(problems)


def _shape(constraint: Constraint) -> tuple:
    """A constraint without its limits: what its counters are keyed by."""
    fields = constraint.model_dump(exclude_none=True, exclude={"maxEarnLimit", *(p[0] for p in _ROLLING_PAIRS)})
    return tuple(sorted((key, str(value)) for key, value in fields.items()))


def _has_fixed_window(definition: BadgeDefinition) -> bool:
    return any(c.constraintType == ConstraintKind.FIXED_WINDOW
               for c in (*definition.customerConstraints, *definition.badgeConstraints))


def _check_update(previous: Badge, start: Decimal | None, owners: list[str], customer: list[Constraint],
                  badge: list[Constraint], now: Decimal, problems: Problems) -> None:
    for owner in sorted(previous.active_claim_owners() - set(owners)):
        problems.add(Err.OWNER_HAS_CLAIM, "ownership.restrictedToOwners",
                     f"{owner} has an active claim on this badge and cannot be removed")
    frozen = counting_changes(previous.definition, start, customer, badge) if previous.earnedCount > 0 else []
    problems.extend(frozen)
    if previous.status(now) != BadgeStatus.LIVE:
        return  # before LIVE, and without earns, everything may change
    said = {(p.code, p.reference) for p in frozen}
    if start is not None and start != previous.definition.startOn and (Err.START_FROZEN.code, "startOn") not in said:
        problems.add(Err.START_FROZEN, "startOn")
    for name, old, new in (("customerConstraints", previous.definition.customerConstraints, customer),
                           ("badgeConstraints", previous.definition.badgeConstraints, badge)):
        if _windows(old) != _windows(new) and (Err.WINDOW_CHANGE.code, name) not in said:
            problems.add(Err.WINDOW_CHANGE, name)


def _windows(constraints: list[Constraint]) -> list[tuple]:
    """The fixed windows of a list, by geometry: what must not change while a badge is LIVE."""
    return sorted(tuple(str(getattr(c, f)) for f in _WINDOW_GEOMETRY) for c in constraints
                   if c.constraintType == ConstraintKind.FIXED_WINDOW)
