"""Badge groups: what a caller sends, what is stored, what is answered."""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from badges.domain.errors import Err
from badges.domain.fields import MAX_NAME, Int32, not_blank, required
from badges.domain.identity import Caller
from badges.domain.paging import Pagination
from badges.domain.values import new_id, to_epoch, to_iso

GroupName = Annotated[str, Field(min_length=1, max_length=MAX_NAME), AfterValidator(not_blank)]


class GroupRequest(BaseModel):
    """The body of POST /group and PUT /group/{groupId}. Unknown fields (an orgId, say) are ignored."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"example": {"name": "GROUP_RANK_2", "rank": 2}})

    name: Annotated[GroupName | None, required(Err.FIELD_REQUIRED)] = Field(
        None, validate_default=True, description="Unique per org, case sensitive.")
    rank: Annotated[Int32 | None, required(Err.GROUP_RANK_MANDATORY)] = Field(
        None, validate_default=True, description="Orders groups; higher ranks are prioritized.")
    isActive: bool = Field(True, description="Whether the group is active.")


@dataclass(frozen=True)
class Group:
    """A stored group. `version` guards updates: a write succeeds only against the version it read."""

    id: str
    org_id: int
    name: str
    rank: int
    is_active: bool
    created_by: int
    created_on: Decimal
    last_updated_by: int
    last_updated_on: Decimal
    version: int = 1

    @classmethod
    def new(cls, request: GroupRequest, caller: Caller, at: Decimal) -> Group:
        return cls(
            id=new_id(), org_id=caller.org_id, name=request.name, rank=request.rank, is_active=request.isActive,
            created_by=caller.user_id, created_on=at, last_updated_by=caller.user_id, last_updated_on=at,
        )

    def updated(self, request: GroupRequest, caller: Caller, at: Decimal) -> Group:
        return replace(self, name=request.name, rank=request.rank, is_active=request.isActive,
                       last_updated_by=caller.user_id, last_updated_on=at, version=self.version + 1)


class GroupView(BaseModel):
    """A group as the API answers it: the spec's fields plus the ISO twins of its times."""

    id: str
    orgId: int
    name: str
    rank: int
    createdBy: int
    createdOn: float
    createdOnISO: str
    lastUpdatedBy: int
    lastUpdatedOn: float
    lastUpdatedOnISO: str
    isActive: bool

    @classmethod
    def of(cls, group: Group) -> GroupView:
        return cls(
            id=group.id, orgId=group.org_id, name=group.name, rank=group.rank,
            createdBy=group.created_by, createdOn=to_epoch(group.created_on), createdOnISO=to_iso(group.created_on),
            lastUpdatedBy=group.last_updated_by, lastUpdatedOn=to_epoch(group.last_updated_on),
            lastUpdatedOnISO=to_iso(group.last_updated_on), isActive=group.is_active,
        )


class GroupPage(BaseModel):
    """One page of groups, as Capillary answers it; `nextToken` (the project's) continues after it."""

    badgeGroups: list[GroupView]
    pagination: Pagination
    nextToken: str | None = None
