"""Custom field use cases: define, change, read and list an org's badge custom fields."""
from __future__ import annotations

from collections.abc import Callable

from badges.domain.custom_fields import (
    CustomField,
    CustomFieldRegistry,
    CustomFieldRequest,
    definition_problems,
)
from badges.domain.errors import CustomFieldNotFound, ServiceUnavailable, ValidationFailed
from badges.domain.fields import MAX_ID
from badges.domain.identity import Caller
from badges.domain.values import now
from badges.store.ports import CustomFieldStore, StaleWrite

# Every write rewrites the org's one registry item at the version read; a concurrent write makes ours stale, and
# re-reading and re-applying a few times settles it.
_WRITE_ATTEMPTS = 4


def create_custom_field(request: CustomFieldRequest, caller: Caller, store: CustomFieldStore) -> CustomField:
    """A new active custom field of the caller's org exists under a name no other active field holds (1080), the
    org's bounds kept (1081); or nothing is written."""
    field = CustomField.new(request, caller, now())
    return _write(caller, store, lambda registry: (field, None))


def update_custom_field(field_id: str, request: CustomFieldRequest, caller: Caller,
                        store: CustomFieldStore) -> CustomField:
    """The field carries the request's name, mandatory flag and default, and is disabled if asked; its data type
    never changes and a disabled field is never enabled again (1002)."""

    def change(registry: CustomFieldRegistry) -> tuple[CustomField, CustomField]:
        current = registry.find(field_id) if len(field_id) <= MAX_ID else None
        if current is None:
            raise CustomFieldNotFound()
        return current.updated(request, caller, now()), current

    return _write(caller, store, change)


def _write(caller: Caller, store: CustomFieldStore,
           change: Callable[[CustomFieldRegistry], tuple[CustomField, CustomField | None]]) -> CustomField:
    """Read the org's registry, put the changed field in it and write it back at the version read, again if
    someone wrote in between; every problem is reported at once and nothing is written then."""
    for _ in range(_WRITE_ATTEMPTS):
        registry = store.registry(caller.org_id)
        field, previous = change(registry)
        problems = definition_problems(registry, field, previous)
        if problems:
            raise ValidationFailed(problems)
        try:
            store.save_registry(registry, registry.with_field(field))
            return field
        except StaleWrite:
            continue
    raise ServiceUnavailable()


def get_custom_field(field_id: str, caller: Caller, store: CustomFieldStore) -> CustomField:
    """The caller's org's custom field, active or disabled; 404 for any other id."""
    field = store.registry(caller.org_id).find(field_id) if len(field_id) <= MAX_ID else None
    if field is None:
        raise CustomFieldNotFound()
    return field


def list_custom_fields(caller: Caller, store: CustomFieldStore, active: bool, descending: bool, page: int,
                       size: int) -> tuple[list[CustomField], int]:
    """One page of the org's active (or disabled) custom fields by last update, and how many there are in all."""
    fields = [f for f in store.registry(caller.org_id).fields if f.is_active == active]
    fields.sort(key=lambda f: (f.last_updated_on, f.id), reverse=descending)
    return fields[page * size:(page + 1) * size], len(fields)


def active_definitions(caller: Caller, store: CustomFieldStore | None) -> list[CustomField]:
    """The org's active custom fields, which a badge's customFields must agree with; none without a store."""
    return store.registry(caller.org_id).active() if store is not None else []
