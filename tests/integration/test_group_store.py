"""The DynamoDB group adapter: what it stores, and the conditions that keep names unique."""
from decimal import Decimal

import pytest

from badges.domain.errors import GroupNameTaken, InvalidPageToken
from badges.domain.groups import Group
from badges.domain.paging import PageRequest
from badges.store.groups import DynamoGroupStore
from badges.store.pagination import PageTokens
from badges.store.ports import StaleWrite
from badges.store.retry import RetryingClient
from tests.integration.conftest import stored


def group(gid: str, name: str, org: int = 1, version: int = 1) -> Group:
    at = Decimal("1702963230.966423")
    return Group(gid, org, name, 2, True, 7, at, 7, at, version)


@pytest.fixture
def store(dynamodb):
    return DynamoGroupStore(RetryingClient(dynamodb), "test-badges")


def keys(client):
    return sorted((item["pk"]["S"], item["sk"]["S"]) for item in stored(client))


def test_a_group_is_stored_with_its_name_lock(store, dynamodb):
    store.add_group(group("a1", "Gold"))
    assert keys(dynamodb) == [("ORG#1", "GROUP#a1"), ("ORG#1", "NAME#GROUP#Gold")]
    assert store.get_group(1, "a1") == group("a1", "Gold")
    assert store.get_group(2, "a1") is None


def test_a_taken_name_writes_nothing(store, dynamodb):
    store.add_group(group("a1", "Gold"))
    with pytest.raises(GroupNameTaken):
        store.add_group(group("a2", "Gold"))
    assert keys(dynamodb) == [("ORG#1", "GROUP#a1"), ("ORG#1", "NAME#GROUP#Gold")]


def test_a_rename_moves_the_lock_in_one_transaction(store, dynamodb):
    old = group("a1", "Gold")
    store.add_group(old)
    store.replace_group(old, group("a1", "Platinum", version=2))
    assert keys(dynamodb) == [("ORG#1", "GROUP#a1"), ("ORG#1", "NAME#GROUP#Platinum")]
    assert store.get_group(1, "a1").name == "Platinum"


def test_a_rename_onto_a_taken_name_changes_nothing(store, dynamodb):
    gold, silver = group("a1", "Gold"), group("a2", "Silver")
    store.add_group(gold)
    store.add_group(silver)
    before = stored(dynamodb)
    with pytest.raises(GroupNameTaken):
        store.replace_group(gold, group("a1", "Silver", version=2))
    assert stored(dynamodb) == before


def test_a_write_against_a_stale_read_is_refused(store, dynamodb):
    gold = group("a1", "Gold")
    store.add_group(gold)
    store.replace_group(gold, group("a1", "Gold", version=2))
    with pytest.raises(StaleWrite):
        store.replace_group(gold, group("a1", "Bronze", version=2))
    assert keys(dynamodb) == [("ORG#1", "GROUP#a1"), ("ORG#1", "NAME#GROUP#Gold")]


def test_pages_cover_the_org_once_and_never_the_locks(store):
    for i in range(5):
        store.add_group(group(f"a{i}", f"G{i}"))
    store.add_group(group("b0", "G0", org=2))
    seen, token = [], None
    while True:
        page = store.list_groups(1, PageRequest(size=2, token=token))
        seen += [g.id for g in page.items]
        if not (token := page.next_token):
            break
    assert seen == ["a0", "a1", "a2", "a3", "a4"]


def test_a_token_cannot_leave_the_callers_org(store):
    store.add_group(group("a1", "G", org=1))
    store.add_group(group("a2", "H", org=1))
    token = store.list_groups(1, PageRequest(size=1, token=None)).next_token
    with pytest.raises(InvalidPageToken):
        store.list_groups(2, PageRequest(size=1, token=token))
    assert [g.id for g in store.list_groups(1, PageRequest(size=1, token=token)).items] == ["a2"]


def test_a_sealed_token_must_still_name_a_group(dynamodb):
    tokens = PageTokens(key=lambda: b"known-key")
    store = DynamoGroupStore(RetryingClient(dynamodb), "test-badges", tokens)
    store.add_group(group("a1", "G"))
    # only a bug could seal this
    lock = tokens.seal(1, {"list": "groups", **PageRequest(size=10).query()}, "NAME#GROUP#G")
    with pytest.raises(InvalidPageToken):
        store.list_groups(1, PageRequest(size=10, token=lock))
    with pytest.raises(InvalidPageToken):
        # the old unsigned {"after":"NAME#GROUP#G"}
        store.list_groups(1, PageRequest(size=10, token="eyJhZnRlciI6Ik5BTUUjR1JPVVAjRyJ9"))
