"""Badge definition use cases: create, update, read, list, activate and deactivate an org's badges."""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from badges.domain.badge_rules import counting_changes, definition_of
from badges.domain.badges import Badge, BadgeRequest, BadgeUpdateRequest
from badges.domain.errors import BadgeNotFound, Err, ErrorDetail, ServiceUnavailable, ValidationFailed
from badges.domain.identity import Caller
from badges.domain.limits import lowers_badge_limit
from badges.domain.paging import PageRequest
from badges.domain.values import new_id, now
from badges.service.custom_fields import active_definitions
from badges.store.ports import BadgeFilters, BadgeStore, CustomFieldStore, Page, StaleWrite

# A concurrent write to the same badge makes ours stale; re-reading and re-applying a few times settles it.
_UPDATE_ATTEMPTS = 4


def create_badge(request: BadgeRequest, caller: Caller, store: BadgeStore, migration: bool = False,
                 custom_fields: CustomFieldStore | None = None) -> Badge:
    """A new badge of the caller's org exists, under a name no other badge of the org holds, in an existing
    group if it names one, its customFields agreeing with the org's custom fields (defaults filled in); or nothing
    is written and every broken rule is reported."""
    at = now()
    definition, problems = definition_of(request, at, migration,
                                         custom_fields=active_definitions(caller, custom_fields))
    if request.name and store.name_taken(caller.org_id, request.name):
        problems.append(ErrorDetail.of(Err.BADGE_NAME_TAKEN, "name"))
    if problems:
        raise ValidationFailed(problems)
    badge = Badge(id=new_id(), orgId=caller.org_id, definition=definition, createdBy=caller.user_id, createdOn=at,
                  lastUpdatedBy=caller.user_id, lastUpdatedOn=at, numericId=store.next_badge_number(caller.org_id))
    store.add_badge(badge)
    return badge


def get_badge(badge_id: str, caller: Caller, store: BadgeStore, reference: str = "badgeId",
              counted: bool = True) -> Badge:
    """The caller's org's badge (with its counts unless not `counted`); 404 "Passed badge is not found" for any
    other id."""
    badge = store.get_badge(caller.org_id, badge_id, counted=counted)
    if badge is None:
        raise BadgeNotFound(reference)
    return badge


def update_badge(request: BadgeUpdateRequest, caller: Caller, store: BadgeStore, migration: bool = False,
                 custom_fields: CustomFieldStore | None = None) -> Badge:
    """The badge carries the request's definition, under the update rules of a LIVE badge and the org's custom
    fields; a rename freed the old name atomically; counts and claims are untouched."""
    if not request.id:
        raise ValidationFailed([ErrorDetail.of(Err.FIELD_REQUIRED, "id", "id is required")])
    definitions = active_definitions(caller, custom_fields)

    def revise(current: Badge, at: Decimal) -> Badge:
        definition, problems = definition_of(request, at, migration, previous=current, custom_fields=definitions)
        if request.name and request.name != current.definition.name and store.name_taken(
                caller.org_id, request.name, by_other_than=current.id):
            problems.append(ErrorDetail.of(Err.BADGE_NAME_TAKEN, "name"))
        if problems:
            raise ValidationFailed(problems)
        return current.model_copy(update={"definition": definition})

    return _apply(request.id, caller, store, revise, reference="id")


def set_active(badge_id: str, active: bool, caller: Caller, store: BadgeStore) -> Badge:
    """The badge is switched on or off; nothing else about it changes."""

    def switch(current: Badge, _: Decimal) -> Badge:
        return current.model_copy(update={"definition": current.definition.model_copy(update={"active": active})})

    return _apply(badge_id, caller, store, switch, counted=False)  # answers {id, isActive}: no counts needed


def list_badges(caller: Caller, store: BadgeStore, filters: BadgeFilters, request: PageRequest) -> Page[Badge]:
    """The page of the caller's org's badges matching the filters that the request asks for; 1002 for a page
    beyond the offset bound."""
    return store.list_badges(caller.org_id, filters, now(), request.check())


def _apply(badge_id: str, caller: Caller, store: BadgeStore, change: Callable[[Badge, Decimal], Badge],
           reference: str = "badgeId", counted: bool = True) -> Badge:
    """Read, change and write back at the version read, again if someone wrote in between."""
    for _ in range(_UPDATE_ATTEMPTS):
        current = get_badge(badge_id, caller, store, reference, counted)
        at = now()
        changed = change(current, at)
        # What changes how earns count may only meet a badge without earns: the rules refused it if the badge
        # had some when read, and the store's condition refuses it if one lands before the write.
        uncounted = bool(counting_changes(current.definition, changed.definition.startOn,
                                          changed.definition.customerConstraints,
                                          changed.definition.badgeConstraints))
        # A badge-wide limit lowered, or raised while counts stand above it: the shards' counts are spread
        # again before earns resume (a flag from a change that stopped half-way is carried on).
        rebalancing = not uncounted and (current.rebalancing or bool(current.excess) or lowers_badge_limit(
            current.definition, changed.definition))
        changed = changed.model_copy(update={"lastUpdatedBy": caller.user_id, "lastUpdatedOn": at,
                                             "version": current.version + 1, "rebalancing": rebalancing,
                                             "told": current.version + 1 if uncounted else current.told_version})
        try:
            store.replace_badge(current, changed, uncounted=uncounted)
            return changed
        except StaleWrite:
            continue
    raise ServiceUnavailable()
