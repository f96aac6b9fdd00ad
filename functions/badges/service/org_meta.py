"""Org meta use cases: create, read and change the org's badge settings."""
from __future__ import annotations

from dataclasses import replace

from badges.domain.errors import BadgesError, Err, ServiceUnavailable
from badges.domain.identity import Caller
from badges.domain.org_meta import OrgMeta, OrgMetaRequest
from badges.domain.values import now
from badges.store.ports import OrgMetaExists, OrgMetaStore, StaleWrite

_UPDATE_ATTEMPTS = 4


def create_org_meta(request: OrgMetaRequest, caller: Caller, store: OrgMetaStore) -> OrgMeta:
    """The org has its meta, once: a second create is 409 (999999), as Capillary answers it."""
    at = now()
    meta = OrgMeta(org_id=caller.org_id, tags=tuple(request.tags), created_by=caller.user_id, created_on=at,
                   last_updated_by=caller.user_id, last_updated_on=at)
    try:
        store.add_org_meta(meta)
    except OrgMetaExists as exists:
        raise BadgesError(Err.ORG_META_EXISTS) from exists
    return meta


def get_org_meta(caller: Caller, store: OrgMetaStore) -> OrgMeta:
    """The caller's org's meta; 404 until it is created."""
    meta = store.get_org_meta(caller.org_id)
    if meta is None:
        raise BadgesError(Err.ORG_META_NOT_FOUND, reference="orgMeta")
    return meta


def update_org_meta(request: OrgMetaRequest, caller: Caller, store: OrgMetaStore) -> OrgMeta:
    """The org's meta carries the request's tags; 404 until it is created."""
    for _ in range(_UPDATE_ATTEMPTS):
        current = get_org_meta(caller, store)
        updated = replace(current, tags=tuple(request.tags), last_updated_by=caller.user_id,
                          last_updated_on=now(), version=current.version + 1)
        try:
            store.replace_org_meta(current, updated)
            return updated
        except StaleWrite:
            continue
    raise ServiceUnavailable()
