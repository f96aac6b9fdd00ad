"""Group use cases against an in-memory store: uniqueness, renames, tenancy, paging."""
import pytest

from badges.domain.errors import BadgesError, GroupNameTaken, GroupNotFound
from badges.domain.groups import GroupRequest
from badges.domain.identity import Caller
from badges.domain.paging import PageRequest
from badges.service import groups
from tests.fakes import InMemoryGroupStore

ALICE = Caller(org_id=100, user_id=7)
BOB = Caller(org_id=200, user_id=9)


def req(name: str, rank: int = 1, **extra) -> GroupRequest:
    return GroupRequest.model_validate({"name": name, "rank": rank, **extra})


@pytest.fixture
def store():
    return InMemoryGroupStore()


def test_a_created_group_belongs_to_the_callers_org_and_user(store):
    group = groups.create_group(req("GROUP_RANK_2", 2, orgId=999), ALICE, store)
    assert (group.org_id, group.created_by, group.last_updated_by) == (100, 7, 7)
    assert group.is_active and group.rank == 2
    assert store.get_group(100, group.id) == group


def test_names_are_unique_per_org_and_case_sensitive(store):
    groups.create_group(req("Gold"), ALICE, store)
    with pytest.raises(GroupNameTaken):
        groups.create_group(req("Gold"), ALICE, store)
    groups.create_group(req("gold"), ALICE, store)
    groups.create_group(req("Gold"), BOB, store)
    assert len(store.groups) == 3


def test_a_rename_frees_the_old_name(store):
    gold = groups.create_group(req("Gold"), ALICE, store)
    renamed = groups.update_group(gold.id, req("Platinum", 5), Caller(100, 8), store)
    assert (renamed.name, renamed.rank, renamed.last_updated_by, renamed.created_by) == ("Platinum", 5, 8, 7)
    again = groups.create_group(req("Gold"), ALICE, store)
    assert again.id != gold.id


def test_a_rename_onto_a_taken_name_changes_nothing(store):
    gold = groups.create_group(req("Gold"), ALICE, store)
    groups.create_group(req("Silver"), ALICE, store)
    with pytest.raises(GroupNameTaken):
        groups.update_group(gold.id, req("Silver"), ALICE, store)
    assert store.get_group(100, gold.id) == gold


def test_another_orgs_group_is_not_found(store):
    gold = groups.create_group(req("Gold"), ALICE, store)
    with pytest.raises(GroupNotFound):
        groups.get_group(gold.id, BOB, store)
    with pytest.raises(GroupNotFound):
        groups.update_group(gold.id, req("Mine"), BOB, store)
    assert store.get_group(100, gold.id) == gold


def test_an_update_retries_when_the_group_changed_underneath(store):
    gold = groups.create_group(req("Gold"), ALICE, store)
    real_replace, calls = store.replace_group, []

    def racing_replace(old, new):
        calls.append(old.version)
        if len(calls) == 1:  # another writer gets in between our read and our write
            real_replace(old, old.updated(req("Gold", 9), BOB, old.last_updated_on))
        real_replace(old, new)

    store.replace_group = racing_replace
    result = groups.update_group(gold.id, req("Gold", 3), ALICE, store)
    assert calls == [1, 2] and result.rank == 3 and store.get_group(100, gold.id).version == 3


def test_listing_walks_every_page_of_the_callers_org_only(store):
    made = [groups.create_group(req(f"G{i}"), ALICE, store).id for i in range(5)]
    groups.create_group(req("other"), BOB, store)
    seen, token = [], None
    while True:
        page = groups.list_groups(ALICE, store, PageRequest(size=2, token=token))
        seen += [g.id for g in page.items]
        token = page.next_token
        if token is None:
            break
    assert sorted(seen) == sorted(made)


def test_a_page_token_that_is_not_ours_is_refused(store):
    with pytest.raises(BadgesError) as refused:
        groups.list_groups(ALICE, store, PageRequest(size=2, token="not-a-token"))
    assert refused.value.details[0].code == 1003
