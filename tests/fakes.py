"""In-memory fakes of the storage ports, with the same guarantees the DynamoDB adapter gives."""
from __future__ import annotations

from badges.domain.errors import GroupNameTaken
from badges.domain.groups import Group
from badges.store.pagination import decode_token, encode_token
from badges.store.ports import Page, StaleWrite


class InMemoryGroupStore:
    def __init__(self) -> None:
        self.groups: dict[tuple[int, str], Group] = {}
        self.names: dict[tuple[int, str], str] = {}

    def add_group(self, group: Group) -> None:
        if (group.org_id, group.name) in self.names:
            raise GroupNameTaken(group.name)
        self.names[(group.org_id, group.name)] = group.id
        self.groups[(group.org_id, group.id)] = group

    def get_group(self, org_id: int, group_id: str) -> Group | None:
        return self.groups.get((org_id, group_id))

    def replace_group(self, old: Group, new: Group) -> None:
        if self.groups.get((old.org_id, old.id)) != old:
            raise StaleWrite(old.id)
        if new.name != old.name:
            if (new.org_id, new.name) in self.names:
                raise GroupNameTaken(new.name)
            del self.names[(old.org_id, old.name)]
            self.names[(new.org_id, new.name)] = new.id
        self.groups[(new.org_id, new.id)] = new

    def list_groups(self, org_id: int, limit: int, token: str | None) -> Page[Group]:
        after = decode_token(token, "GROUP#")[len("GROUP#"):] if token else ""
        ids = sorted(gid for (org, gid) in self.groups if org == org_id and gid > after)
        page = ids[:limit]
        next_token = encode_token("GROUP#" + page[-1]) if len(ids) > limit else None
        return Page([self.groups[(org_id, gid)] for gid in page], next_token)
