"""The storage ports the services name; the DynamoDB adapter and the tests' in-memory fakes implement them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from badges.domain.groups import Group

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_token: str | None


class StaleWrite(Exception):
    """The item changed since it was read; the service re-reads and tries again."""


class GroupStore(Protocol):
    def add_group(self, group: Group) -> None:
        """Store a new group and reserve its name; GroupNameTaken if the org already has that name."""

    def get_group(self, org_id: int, group_id: str) -> Group | None:
        """The org's group with that id, or None."""

    def replace_group(self, old: Group, new: Group) -> None:
        """Write `new` over `old` if `old` is still what is stored (else StaleWrite); a rename moves the name
        reservation in the same transaction (GroupNameTaken if the new name is another group's)."""

    def list_groups(self, org_id: int, limit: int, token: str | None) -> Page[Group]:
        """Up to `limit` of the org's groups in creation order, from where `token` left off."""
