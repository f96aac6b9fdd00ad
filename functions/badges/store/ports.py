"""The storage ports the services name; the DynamoDB adapter and the tests' in-memory fakes implement them."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

from badges.domain.badges import Badge, Claim
from badges.domain.custom_fields import CustomFieldRegistry
from badges.domain.earning import EarnRecord, IssueRecord
from badges.domain.groups import Group
from badges.domain.limits import Counted, Limits
from badges.domain.org_meta import OrgMeta
from badges.domain.paging import PageRequest

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """A page of a listing: by offset with its place among the items read (`total` counts those), or after a
    token (page, total and total_pages None)."""

    items: list[T]
    next_token: str | None
    page: int | None = None
    size: int = 0
    total: int | None = None
    total_pages: int | None = None


class StaleWrite(Exception):
    """The item changed since it was read; the service re-reads and tries again."""


class ClaimRefused(Exception):
    """A claim or unclaim met a badge that did not allow it; `badge` is how it stood (None: no such badge)."""

    def __init__(self, badge: Badge | None):
        super().__init__(badge.id if badge else None)
        self.badge = badge


class GroupStore(Protocol):
    def add_group(self, group: Group) -> None:
        """Store a new group and reserve its name; GroupNameTaken if the org already has that name."""

    def get_group(self, org_id: int, group_id: str) -> Group | None:
        """The org's group with that id, or None."""

    def replace_group(self, old: Group, new: Group) -> None:
        """Write `new` over `old` if `old` is still what is stored (else StaleWrite); a rename moves the name
        reservation in the same transaction (GroupNameTaken if the new name is another group's)."""

    def list_groups(self, org_id: int, request: PageRequest) -> Page[Group]:
        """The page of the org's groups the request asks for, in creation order (or its reverse). The next token
        opens only for this org and this size and order, for a day; any other token is InvalidPageToken (1003)."""

    def group_names(self, org_id: int, group_ids: list[str]) -> dict[str, str]:
        """Each of these groups' name, for those of the org that exist."""


@dataclass(frozen=True)
class BadgeFilters:
    """GET /badgeMeta's filters; None means any."""

    status: str | None = None
    earn_type: str | None = None
    owner: str | None = None
    name: str | None = None  # a case-insensitive part of the name
    group_id: str | None = None
    statuses: tuple[str, ...] | None = None  # any of these (`status=LIVE,UPCOMING`)
    active: bool | None = None  # `action` ACTIVATED / DE_ACTIVATED
    claimed_by: str | None = None  # an owner type holding an active claim
    unclaimed: bool | None = None  # True: no active claim at all
    starts_from: Decimal | None = None  # startOn at or after
    expires_by: Decimal | None = None  # expiresOn at or before


class BadgeStore(Protocol):
    def next_badge_number(self, org_id: int) -> int:
        """A number no other badge of the org was given: 1, 2, ... (a create that fails leaves a gap)."""

    def add_badge(self, badge: Badge) -> None:
        """Store a new badge and reserve its name (BadgeNameTaken); its group must exist (GroupNotFound)."""

    def get_badge(self, org_id: int, badge_id: str, counted: bool = True) -> Badge | None:
        """The org's badge with that id, or None; with its earned and issued counts unless not `counted`."""

    def name_taken(self, org_id: int, name: str, by_other_than: str | None = None) -> bool:
        """Whether another badge of the org holds the name now; advisory, for reporting every problem at once."""

    def replace_badge(self, old: Badge, new: Badge, uncounted: bool = False) -> None:
        """Write `new`'s definition over `old` if `old` is still the stored version (else StaleWrite); a rename
        moves the name reservation in the same transaction; counters written by earns are left as they are.
        `uncounted`: only if the badge has no earns at the write (else StaleWrite)."""

    def finish_stalled(self, badge: Badge, now: Decimal) -> None:
        """Finish `badge`'s change (at its version) that stopped half-way while its counts were being spread again,
        leaving earns waiting: one caller at a time holds a lease on it; nothing once it is finished."""

    def set_claim(self, org_id: int, badge_id: str, claim: Claim) -> None:
        """Make the owner's claim active or not, in one transaction conditioned on the badge as read, which also
        gives every tally shard the badge's new version (ClaimRefused when not allowed)."""

    def list_badges(self, org_id: int, filters: BadgeFilters, now, request: PageRequest,
                    counted: bool = True) -> Page[Badge]:
        """The page of the org's badges matching the filters that the request asks for; with their counts unless
        not `counted`. The next token opens only for this org, these filters and this size, order and sort, for a
        day; any other token is InvalidPageToken (1003)."""

    def all_badges(self, org_id: int, filters: BadgeFilters, now) -> list[Badge]:
        """Every one of the org's badges matching the filters, in creation order, without counts."""

    def counts(self, org_id: int, badge_ids: list[str]) -> dict[str, tuple[int, int]]:
        """Each badge's (earnedCount, issuedCount) as they stand."""


class RefusalKind(StrEnum):
    """What refused an earn: the customer's issue (not active), a customer limit or a badge-wide limit."""

    ISSUE = "issue"
    CUSTOMER_LIMIT = "customer_limit"
    BADGE_LIMIT = "badge_limit"


@dataclass(frozen=True)
class Refusal:
    """Why an earn's transaction was refused, in domain terms."""

    kind: RefusalKind
    reference: str | None = None
    describes: str | None = None
    limit: int | None = None
    sk: str | None = None  # the refusing counter item's sort key
    # the counter items as the refusal saw them (sort key -> attribute -> count): what nextEligibleOn is read from
    counts: dict[str, dict] | None = None


class EarnRefused(Exception):
    def __init__(self, refusals: list[Refusal]):
        super().__init__(refusals)
        self.refusals = refusals


class IssueExists(Exception):
    """The customer already holds an active issue of the badge (1040)."""


class NotActive(Exception):
    """The earned badge was revoked already, concurrently (814)."""


@dataclass
class EarnPlan:
    org_id: int
    badge: Badge
    customer_id: int
    operation: str  # "earn" or "earnBulk": a requestId is used once per org and operation
    request_key: str
    earned_id: str
    event: Decimal
    at: Decimal
    expires: Decimal
    limits: Limits
    result: dict
    issued_id: str | None = None  # an ISSUE_EARN earn needs the customer's active issue
    triggered_by: dict | None = None  # {ownerType, referenceId}: who earned it for the customer (for events)


class EarnStore(Protocol):
    def record_earn(self, plan: EarnPlan) -> list[Counted]:
        """Record the earn if every condition holds at once (RequestRepeated, StaleWrite, EarnRefused if not);
        the counter items it added to."""

    def request_result(self, org_id: int, operation: str, key: str) -> dict | None:
        """The first answer to a requestId of this operation, if it was used."""

    def get_issue(self, org_id: int, customer_id: int, badge_id: str) -> IssueRecord | None:
        """The customer's issue of the badge, active or not, or None."""

    def reserve_request(self, org_id: int, operation: str, key: str, at: Decimal) -> None:
        """Mark the requestId used, at work, unless it was (RequestRepeated with the first answer, once given)."""

    def complete_request(self, org_id: int, operation: str, key: str, result: dict) -> None:
        """Store the answer of a reserved requestId, for its repeats to replay."""

    def record_issue(self, badge: Badge, customer_id: int, issued_id: str, issued_on: Decimal, expires: Decimal,
                     at: Decimal) -> None:
        """Record an active issue unless one stands (IssueExists), at the badge version checked (StaleWrite)."""

    def earned(self, org_id: int, customer_id: int, badge_id: str | None = None) -> list[EarnRecord]:
        """The customer's earned badges, of one badge or all, oldest first."""

    def issues(self, org_id: int, customer_id: int) -> list[IssueRecord]:
        """The customer's issues."""

    def revoke(self, org_id: int, earned: EarnRecord, at: Decimal, badge: Badge) -> None:
        """Make the earn inactive and give back its units (NotActive if it already was), under `badge`'s limits
        (StaleWrite if the badge changed since it was read)."""

    def customer_counters(self, org_id: int, customer_id: int,
                          keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict]:
        """The customer's counter items at these (badge id, sort key) pairs, those that exist."""

    def badge_counters(self, org_id: int, badge_id: str, sks: list[str]) -> dict[str, dict[str, int]]:
        """The badge-wide counter items at these sort keys, each attribute summed over the tally shards."""

    def revoke_issue(self, org_id: int, customer_id: int, badge_id: str, issued_id: str, at: Decimal) -> None:
        """Make the customer's issue inactive and count one issue fewer (NotActive if it was not active)."""

    def badges(self, org_id: int, badge_ids: list[str]) -> dict[str, Badge]:
        """The org's badges with these ids, without their counts."""


class CustomFieldStore(Protocol):
    def registry(self, org_id: int) -> CustomFieldRegistry:
        """Every custom field definition of the org, at the version stored (0 and none if nothing is)."""

    def save_registry(self, old: CustomFieldRegistry, new: CustomFieldRegistry) -> None:
        """Write `new` if the stored registry is still at `old`'s version (else StaleWrite)."""


class OrgMetaStore(Protocol):
    def get_org_meta(self, org_id: int) -> OrgMeta | None:
        """The org's meta, or None."""

    def add_org_meta(self, meta: OrgMeta) -> None:
        """Store the org's meta unless it has one (OrgMetaExists)."""

    def replace_org_meta(self, old: OrgMeta, new: OrgMeta) -> None:
        """Write `new` if the stored meta is still at `old`'s version (else StaleWrite)."""


class OrgMetaExists(Exception):
    """The org's meta was created already; PUT /orgMeta changes it."""


class CustomerDirectory(Protocol):
    """The org's customer identifiers: each (type, value) names one customer of the org."""

    def claim(self, org_id: int, customer_id: int, identifiers: dict[str, str]) -> list[str]:
        """Map each identifier to the customer, all or none: [] when they all stand for it now; else the types
        already mapped to another customer, and nothing changed (the first mapping stands)."""

    def customer_of(self, org_id: int, kind: str, value: str) -> int | None: ...
