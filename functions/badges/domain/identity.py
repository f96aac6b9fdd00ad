"""Who is calling: an org and a user, taken only from the authorizer's context."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Caller:
    org_id: int
    user_id: int
