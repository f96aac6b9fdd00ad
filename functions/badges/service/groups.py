"""Group use cases: create, update, read and list an org's badge groups."""
from __future__ import annotations

from badges.domain.errors import GroupNotFound, ServiceUnavailable
from badges.domain.groups import Group, GroupRequest
from badges.domain.identity import Caller
from badges.domain.paging import PageRequest
from badges.domain.values import now
from badges.store.ports import GroupStore, Page, StaleWrite

# A concurrent update of the same group makes ours stale; re-reading and re-applying a few times settles it.
_UPDATE_ATTEMPTS = 4


def create_group(request: GroupRequest, caller: Caller, store: GroupStore) -> Group:
    """A new group of the caller's org exists under a name no other group of that org holds (733 otherwise)."""
    group = Group.new(request, caller, now())
    store.add_group(group)
    return group


def get_group(group_id: str, caller: Caller, store: GroupStore) -> Group:
    """The caller's org's group; 404 for an id that is unknown or belongs to another org."""
    group = store.get_group(caller.org_id, group_id)
    if group is None:
        raise GroupNotFound(group_id)
    return group


def update_group(group_id: str, request: GroupRequest, caller: Caller, store: GroupStore) -> Group:
    """The group carries the request's name, rank and state; a rename freed the old name atomically."""
    for _ in range(_UPDATE_ATTEMPTS):
        current = get_group(group_id, caller, store)
        updated = current.updated(request, caller, now())
        try:
            store.replace_group(current, updated)
            return updated
        except StaleWrite:
            continue
    raise ServiceUnavailable()


def list_groups(caller: Caller, store: GroupStore, request: PageRequest) -> Page[Group]:
    """The page of the caller's org's groups the request asks for, oldest first (ASC) or newest first (DESC);
    1002 for a page beyond the offset bound."""
    return store.list_groups(caller.org_id, request.check())
