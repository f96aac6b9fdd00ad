"""Badge definitions: the body callers send, the badge that is stored, and the badge the API answers with."""
from __future__ import annotations

import uuid
from decimal import Decimal
from functools import cache
from typing import Annotated, Any

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from badges.domain.enums import (
    CONSTRAINT_TYPES,
    DAY_NUMBERS,
    PERIOD_SYNONYMS,
    BadgeStatus,
    BenefitType,
    ConstraintKind,
    DayOfWeek,
    EarnType,
    ExpiryBase,
    ExpiryType,
    Period,
    lenient,
)
from badges.domain.fields import MAX_NAME, MAX_URL, Count, Id, Int32, Long, Text
from badges.domain.paging import Pagination
from badges.domain.values import parse_time, to_epoch, to_iso
from badges.domain.windows import fixed_window_end, fixed_window_start


def _time(value: Any) -> Any:
    return None if value is None else parse_time(value)


# Epoch seconds, epoch milliseconds (above 10^11) or ISO 8601, as CONTRACT section 4 reads times.
Time = Annotated[Decimal | None, BeforeValidator(_time), Field(json_schema_extra={"examples": [1799632870]})]

# Together these keep a badge's item, claims included, near 200 KB at worst, under DynamoDB's 400 KB
# (tests/integration/test_item_bounds.py builds and measures it).
MAX_OWNERS = 20  # restrictedToOwners; there are fewer owner types than this
MAX_CONSTRAINTS = 10  # customerConstraints and badgeConstraints, each
MAX_IMAGES = 5
MAX_BENEFITS = MAX_TAGS = MAX_CUSTOM_FIELDS = 20
MAX_TAG_KEYS = 2  # keys a tag carries besides name and value (the spec's example has one, `name1`)
MAX_FIELD_NAME, MAX_CUSTOM_TEXT = 100, 255
Name = Annotated[str, Field(max_length=MAX_NAME)]
Url = Annotated[str, Field(max_length=MAX_URL)]


def _short_scalar(value: Any) -> bool:
    return (value is None or isinstance(value, bool | float) or (isinstance(value, int) and abs(value) < 2**63)
            or (isinstance(value, str) and len(value) <= MAX_FIELD_NAME))


_OMITTED = "x-omitted-when-null"
# An optional answer field that is left out when it has no value, as the spec's examples show. OmitsNulls leaves it
# out, not pydantic's exclude_if: deployed functions take pydantic from the Powertools layer, whose version (and
# whether it knows exclude_if, new in 2.12) is not this project's to choose.
OMIT = Field(None, json_schema_extra={_OMITTED: True})


@cache
def _omitted(model: type[BaseModel]) -> tuple[str, ...]:
    return tuple(name for name, field in model.model_fields.items()
                 if isinstance(field.json_schema_extra, dict) and field.json_schema_extra.get(_OMITTED))


class OmitsNulls(BaseModel):
    """A model whose OMIT fields are left out of what it serializes to while they hold None."""

    @model_serializer(mode="wrap")
    def _without_nulls(self, handler: SerializerFunctionWrapHandler):  # no return type: the schema stays the fields'
        data = handler(self)
        for name in _omitted(type(self)):
            if name in data and data[name] is None and not self._answers_null(name):
                del data[name]
        return data

    def _answers_null(self, name: str) -> bool:
        """Whether an OMIT field is answered as null all the same (as an example shows it)."""
        return False


_LENIENT = ConfigDict(extra="ignore", populate_by_name=True)


class Expiry(BaseModel):
    """earnedBadgeExpiry / issuedBadgeExpiry."""

    model_config = _LENIENT

    expiryType: Annotated[ExpiryType | None, lenient(ExpiryType)] = None
    type: Annotated[ExpiryBase | None, lenient(ExpiryBase)] = None
    expiresOn: Time = None
    expireWithBadgeMeta: bool | None = None
    relativeExpiryType: Annotated[Period | None, lenient(Period, PERIOD_SYNONYMS)] = Field(
        None, validation_alias=AliasChoices("relativeExpiryType", "relativeExpirytype"))
    value: Count | None = None


class Ownership(BaseModel):
    """Owners are checked by the badge rules (714, 728), so every value reaches them; claims are ignored."""

    model_config = _LENIENT

    restrictedToOwners: list[Name] | None = Field(None, max_length=MAX_OWNERS)


class Constraint(BaseModel):
    """One customer or badge constraint; which parameters it needs depends on its type."""

    model_config = _LENIENT

    constraintType: Annotated[ConstraintKind | None, lenient(ConstraintKind, CONSTRAINT_TYPES)] = None
    durationType: Annotated[Period | None, lenient(Period, PERIOD_SYNONYMS)] = None
    refreshRate: Count | None = None
    startDayOfTheWeek: Annotated[DayOfWeek | None, lenient(DayOfWeek, DAY_NUMBERS)] = None
    maxEarnLimit: Count | None = None
    rollType: Annotated[Period | None, lenient(Period, PERIOD_SYNONYMS)] = None
    rollValue: Count | None = None
    maxEarnForDays: Count | None = None
    rollForDays: Count | None = None
    maxEarnForWeeks: Count | None = None
    rollForWeeks: Count | None = None
    maxEarnForMonths: Count | None = None
    rollForMonths: Count | None = None


class Image(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: Name | None = None
    fileSvcHandle: Url | None = None
    url: Url | None = None
    tag: Name | None = None


class Benefit(BaseModel):
    model_config = ConfigDict(extra="ignore")

    benefitType: Annotated[BenefitType | None, lenient(BenefitType)] = None
    seriesId: Long | None = None
    points: Long | None = None
    programId: Long | None = None
    promotionId: Long | None = None
    allocationStrategyId: Long | None = None
    expirationStrategyId: Long | None = None
    defaultTillId: Long | None = None


class Tag(OmitsNulls):
    """A tag; other keys a caller sends in it (the spec's example has `name1`) are kept as sent."""

    model_config = ConfigDict(extra="allow")

    name: Name | None = OMIT
    value: Name | None = OMIT

    @model_validator(mode="after")
    def _bounded_extras(self) -> Tag:
        extra = self.__pydantic_extra__ or {}
        if len(extra) > MAX_TAG_KEYS or any(len(k) > MAX_FIELD_NAME or not _short_scalar(v) for k, v in extra.items()):
            raise PydanticCustomError("tag_extra", f"A tag carries at most {MAX_TAG_KEYS} more keys of at most "
                                                   f"{MAX_FIELD_NAME} characters, each a 64-bit number, a boolean or "
                                                   f"a string of at most {MAX_FIELD_NAME} characters")
        return self




def _custom_value(value: Any) -> Any:
    """A custom field's value: text up to MAX_CUSTOM_TEXT characters, a 64-bit integer, a number or a boolean."""
    if isinstance(value, str) and len(value) > MAX_CUSTOM_TEXT:
        raise PydanticCustomError("string_too_long", f"String should have at most {MAX_CUSTOM_TEXT} characters")
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
        raise PydanticCustomError("int_range", "An integer custom field holds 64 bits")
    if isinstance(value, dict | list):
        raise PydanticCustomError("custom_value", "A custom field holds a string, a number or a boolean")
    return value


CustomValue = Annotated[str | int | float | bool | None, BeforeValidator(_custom_value)]
CustomFields = Annotated[dict[Annotated[str, Field(max_length=MAX_FIELD_NAME)], CustomValue],
                         Field(max_length=MAX_CUSTOM_FIELDS)]


class BadgeRequest(BaseModel):
    """The body of POST /badgeMeta: types and enums are checked here, every rule in `badge_rules`, so one
    response can report all that is wrong with a body. Read-only fields a caller echoes back are ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    name: str | None = Field(None, max_length=MAX_NAME)
    description: Text | None = None
    startOn: Time = None
    startOnISO: Time = None
    expiresOn: Time = None
    expiresOnISO: Time = None
    earnedBadgeExpiry: Expiry | None = None
    issuedBadgeExpiry: Expiry | None = None
    images: list[Image] | None = Field(None, max_length=MAX_IMAGES)
    ownership: Ownership | None = None
    customerConstraints: list[Constraint] | None = Field(None, max_length=MAX_CONSTRAINTS)
    badgeConstraints: list[Constraint] | None = Field(None, max_length=MAX_CONSTRAINTS)
    earnType: Annotated[EarnType | None, lenient(EarnType)] = None
    benefits: list[Benefit] | None = Field(None, max_length=MAX_BENEFITS)
    tags: list[Tag] | None = Field(None, max_length=MAX_TAGS)
    customFields: CustomFields | None = None
    defaultTillId: Long | None = None
    badgeGroupId: Id | None = None
    badgeRank: Int32 | None = None
    active: bool | None = Field(None, validation_alias=AliasChoices("active", "isActive"))


class BadgeUpdateRequest(BadgeRequest):
    """The body of PUT /badgeMeta: a whole badge, identified by `id`."""

    id: str | None = None


class BadgeDefinition(BaseModel):
    """What a caller defines about a badge, checked and normalized by `badge_rules.definition_of`."""

    name: str
    description: str | None = None
    startOn: Decimal
    expiresOn: Decimal
    earnedBadgeExpiry: Expiry
    issuedBadgeExpiry: Expiry | None = None
    images: list[Image] = []
    restrictedToOwners: list[str]
    customerConstraints: list[Constraint] = []
    badgeConstraints: list[Constraint] = []
    earnType: EarnType
    benefits: list[Benefit] = []
    tags: list[Tag] = []
    customFields: dict[str, CustomValue] = {}
    defaultTillId: Long | None = None
    badgeGroupId: str | None = None
    badgeRank: int | None = None
    active: bool = True


class Claim(BaseModel):
    ownerType: str
    referenceId: str
    isActive: bool = True


class Badge(BaseModel):
    """A stored badge. `version` guards updates: a write succeeds only against the version it read."""

    id: str
    orgId: int
    definition: BadgeDefinition
    claims: list[Claim] = []
    issuedCount: int = 0
    earnedCount: int = 0
    createdBy: int
    createdOn: Decimal
    lastUpdatedBy: int
    lastUpdatedOn: Decimal
    version: int = 1
    numericId: int | None = None  # the org's badges numbered 1, 2, ... as made (None: made before numbering)
    # The last version every tally shard was told of (store.changes); behind `version` while a change walks them.
    told: int | None = None
    # A lowered badge-wide limit is being applied: the shards' counts are re-spread before earns resume.
    rebalancing: bool = False
    # The badge-wide counter families whose counts stood above a lowered limit (store.changes): a revoke of one of
    # their units pays that excess off before it frees room.
    excess: list[str] = []
    # Until when a caller that took over a stalled lowering holds it (store.changes.finish_stalled).
    finishing: Decimal | None = None

    @property
    def told_version(self) -> int:
        """The last version every tally shard was told of (store.changes); a badge stored before `told` was
        kept: its own."""
        return self.version if self.told is None else min(self.told, self.version)

    @property
    def walked(self) -> bool:
        return self.told_version == self.version

    def status(self, now: Decimal) -> BadgeStatus:
        return status_at(self.definition.startOn, self.definition.expiresOn, now)

    def active_claim_owners(self) -> set[str]:
        return {claim.ownerType for claim in self.claims if claim.isActive}


def status_at(start: Decimal, end: Decimal, now: Decimal) -> BadgeStatus:
    """UPCOMING before the start, LIVE until the end, EXPIRED from then on."""
    if now < start:
        return BadgeStatus.UPCOMING
    return BadgeStatus.LIVE if now < end else BadgeStatus.EXPIRED


# ---- what the API answers -------------------------------------------------------------------------------


class ExpiryView(OmitsNulls):
    """An expiry as answered; `relativeExpirytype` repeats `relativeExpiryType` in the spelling Capillary answers."""

    expiryType: str
    type: str | None = OMIT
    expiresOn: float | None = OMIT
    expiresOnISO: str | None = OMIT
    expireWithBadgeMeta: bool | None = OMIT
    relativeExpiryType: str | None = OMIT
    relativeExpirytype: str | None = OMIT
    value: int | None = OMIT

    def _answers_null(self, name: str) -> bool:
        return name == "expiresOn" and self.expiryType == "ABSOLUTE"  # WITH_BADGE_META: "expiresOn": null


# A fixed window's cycleStatus, in Capillary's words (get-badge-by-id: ACTIVE, UPCOMING), by the badge's status.
CYCLE_STATUS = {BadgeStatus.LIVE: "ACTIVE", BadgeStatus.UPCOMING: "UPCOMING", BadgeStatus.EXPIRED: "EXPIRED"}


class CycleView(BaseModel):
    """The fixed window that holds the present moment."""

    startDate: float
    endDate: float


class ConstraintView(OmitsNulls):
    """A constraint with its full type; fixed windows also carry referenceId, startDate, endDate, cycleStatus and,
    while the badge is LIVE, currentCycle."""

    constraintType: str
    referenceId: str | None = OMIT
    durationType: str | None = OMIT
    refreshRate: int | None = OMIT
    startDayOfTheWeek: str | None = OMIT
    maxEarnLimit: int | None = OMIT
    rollType: str | None = OMIT
    rollValue: int | None = OMIT
    maxEarnForDays: int | None = OMIT
    rollForDays: int | None = OMIT
    maxEarnForWeeks: int | None = OMIT
    rollForWeeks: int | None = OMIT
    maxEarnForMonths: int | None = OMIT
    rollForMonths: int | None = OMIT
    cycleStatus: str | None = OMIT
    startDate: float | None = OMIT
    endDate: float | None = OMIT
    currentCycle: CycleView | None = OMIT


class OwnershipView(BaseModel):
    restrictedToOwners: list[str]
    claims: list[Claim]


class BadgeView(OmitsNulls):
    """A badge as the API answers it: the spec's response fields, ISO twins of every time, derived status."""

    id: str
    badgeNumericId: int | None = None  # the badge's number in its org, as Capillary numbers badges
    orgId: int
    name: str
    description: str | None
    startOn: float
    startOnISO: str
    expiresOn: float
    expiresOnISO: str
    earnedBadgeExpiry: ExpiryView
    issuedBadgeExpiry: ExpiryView | None
    images: list[Image]
    ownership: OwnershipView
    customerConstraints: list[ConstraintView]
    badgeConstraints: list[ConstraintView]
    benefits: list[Benefit]
    tags: list[Tag]
    badgeGroupId: str | None
    badgeRank: int | None
    earnType: str
    issuedCount: int
    earnedCount: int
    status: str
    createdOn: float
    createdOnISO: str
    createdBy: int
    lastUpdatedOn: float
    lastUpdatedOnISO: str
    lastUpdatedBy: int
    customFields: dict[str, CustomValue]
    defaultTillId: int | None
    active: bool

    @classmethod
    def of(cls, badge: Badge, now: Decimal, **extra: Any) -> BadgeView:
        d, status = badge.definition, badge.status(now)
        return cls(**extra,
            id=badge.id, badgeNumericId=badge.numericId, orgId=badge.orgId, name=d.name, description=d.description,
            startOn=to_epoch(d.startOn), startOnISO=to_iso(d.startOn),
            expiresOn=to_epoch(d.expiresOn), expiresOnISO=to_iso(d.expiresOn),
            earnedBadgeExpiry=_expiry_view(d.earnedBadgeExpiry),
            issuedBadgeExpiry=_expiry_view(d.issuedBadgeExpiry) if d.issuedBadgeExpiry else None,
            images=d.images,
            ownership=OwnershipView(restrictedToOwners=d.restrictedToOwners, claims=badge.claims),
            customerConstraints=[_constraint_view(c, "CUSTOMER_BADGE_", d, status, now)
                                 for c in d.customerConstraints],
            badgeConstraints=[_constraint_view(c, "BADGE_", d, status, now) for c in d.badgeConstraints],
            benefits=d.benefits, tags=d.tags, badgeGroupId=d.badgeGroupId, badgeRank=d.badgeRank,
            earnType=d.earnType.value, issuedCount=badge.issuedCount, earnedCount=badge.earnedCount,
            status=status.value,
            createdOn=to_epoch(badge.createdOn), createdOnISO=to_iso(badge.createdOn), createdBy=badge.createdBy,
            lastUpdatedOn=to_epoch(badge.lastUpdatedOn), lastUpdatedOnISO=to_iso(badge.lastUpdatedOn),
            lastUpdatedBy=badge.lastUpdatedBy, customFields=d.customFields, defaultTillId=d.defaultTillId,
            active=d.active,
        )


def _expiry_view(expiry: Expiry) -> ExpiryView:
    fields = expiry.model_dump(exclude_none=True, exclude={"expiresOn"}, mode="json")
    if expiry.relativeExpiryType is not None:
        fields["relativeExpirytype"] = fields["relativeExpiryType"]
    if expiry.expiresOn is not None:
        fields |= {"expiresOn": to_epoch(expiry.expiresOn), "expiresOnISO": to_iso(expiry.expiresOn)}
    return ExpiryView(**fields)


def constraint_reference_id(prefix: str, constraint: Constraint) -> str:
    """A name-based (version 3) UUID: the same fixed window always gets the same referenceId."""
    parts = (prefix + constraint.constraintType, constraint.durationType, constraint.refreshRate,
             constraint.startDayOfTheWeek)
    return str(uuid.uuid3(uuid.NAMESPACE_URL, "badges:" + ":".join(str(p) for p in parts)))


def _constraint_view(constraint: Constraint, prefix: str, badge: BadgeDefinition,
                     status: BadgeStatus, now: Decimal) -> ConstraintView:
    fields = constraint.model_dump(exclude_none=True, mode="json")
    fields["constraintType"] = prefix + constraint.constraintType
    if constraint.constraintType == ConstraintKind.FIXED_WINDOW:
        fields |= {"referenceId": constraint_reference_id(prefix, constraint), "cycleStatus": CYCLE_STATUS[status],
                   "startDate": to_epoch(badge.startOn), "endDate": to_epoch(badge.expiresOn)}
        if status == BadgeStatus.LIVE and constraint.durationType is not None:
            window = (constraint.durationType, badge.startOn, now, constraint.refreshRate,
                      constraint.startDayOfTheWeek)
            fields["currentCycle"] = CycleView(startDate=to_epoch(fixed_window_start(*window)),
                                               endDate=to_epoch(min(fixed_window_end(*window), badge.expiresOn)))
    return ConstraintView(**fields)


class Activation(BaseModel):
    """What PUT /badgeMeta/{badgeId}/activate and /deactivate answer."""

    id: str
    isActive: bool


class BadgeListItem(BadgeView):
    """A badge as GET /badgeMeta lists it: with its group's name."""

    badgeGroupName: str | None = None


class BadgePage(BaseModel):
    """One page of badges, as Capillary answers it; `nextToken` (the project's) continues after it."""

    metaBasicDetails: list[BadgeListItem]
    pagination: Pagination
    nextToken: str | None = None
