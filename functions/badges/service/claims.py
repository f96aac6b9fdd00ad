"""Claim use cases: an owner claims a badge listed for it, or gives its claim up."""
from __future__ import annotations

from badges.domain.badges import Claim
from badges.domain.claims import ClaimRequest
from badges.domain.errors import BadgeNotFound, BadgesError, Err
from badges.domain.identity import Caller
from badges.store.ports import BadgeStore, ClaimRefused


def claim_badge(badge_id: str, request: ClaimRequest, caller: Caller, store: BadgeStore) -> Claim:
    """The owner holds an active claim on the badge: it was listed in restrictedToOwners (714) and held no
    active claim already (900). One conditional write decides, so concurrent claims make one."""
    return _set(badge_id, request, caller, store, active=True)


def unclaim_badge(badge_id: str, request: ClaimRequest, caller: Caller, store: BadgeStore) -> Claim:
    """The owner's claim on the badge is no longer active; 737 if it had none."""
    return _set(badge_id, request, caller, store, active=False)


def _set(badge_id: str, request: ClaimRequest, caller: Caller, store: BadgeStore, active: bool) -> Claim:
    owner, reference = request.checked()
    claim = Claim(ownerType=owner.value, referenceId=reference, isActive=active)
    try:
        store.set_claim(caller.org_id, badge_id, claim)
    except ClaimRefused as refused:
        if refused.badge is None:
            raise BadgeNotFound() from refused
        if not active:
            raise BadgesError(Err.NOT_CLAIMED, "referenceId") from refused
        if owner.value not in refused.badge.definition.restrictedToOwners:
            raise BadgesError(Err.OWNER_NOT_ALLOWED, "ownerType") from refused
        raise BadgesError(Err.ALREADY_CLAIMED, "referenceId") from refused
    return claim
