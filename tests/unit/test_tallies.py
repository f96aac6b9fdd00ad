"""The tally arithmetic: quotas that add up to a limit and only grow with it, customers spread over the shards,
an earn's units placed where there is room, refused only where no shard has any, and the moves that fit counts
within a lowered limit's quotas."""
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from badges.store.tallies import (
    SHARDS,
    TALLY_SK,
    Cell,
    Full,
    Placement,
    home_shard,
    moves,
    place,
    quota,
    tally_of,
    tally_pk,
)


@pytest.mark.parametrize("limit", [1, 2, 63, 64, 65, 100, 2_500, 10**12 + 7])
def test_the_shards_quotas_add_up_to_the_limit(limit):
    assert sum(quota(limit, shard) for shard in range(SHARDS)) == limit


def test_every_shards_quota_grows_with_the_limit():
    for limit in range(1, 200):
        assert all(quota(limit + 1, shard) >= quota(limit, shard) for shard in range(SHARDS))


@pytest.mark.parametrize("customers", [range(200), range(0, 64 * 500, 64), range(10**9, 10**9 + 5_000, 7)],
                         ids=["consecutive", "multiples-of-64", "strided"])
def test_no_shard_takes_more_than_a_sixteenth_of_distinct_customers(customers):
    homes = Counter(home_shard(c) for c in customers)
    assert len(homes) == SHARDS
    assert max(homes.values()) <= len(customers) / 16


def test_under_a_limit_smaller_than_the_shards_every_home_has_quota():
    cells = [Cell(TALLY_SK, ["earned"], 3)]
    assert {home_shard(c, cells) for c in range(100)} == {0, 1, 2}


def _seen(counts: dict[int, int], sk: str = TALLY_SK, attribute: str = "earned") -> dict:
    return {(shard, sk): {attribute: n} for shard, n in counts.items()}


def test_an_earn_stays_home_while_its_home_has_room_and_spills_round_from_it_when_not():
    cell = Cell(TALLY_SK, ["earned"], 2 * SHARDS)  # two a shard
    assert place([cell], _seen({5: 1}), home=5).parts == {(5, TALLY_SK): ["earned"]}
    assert place([cell], _seen({5: 2, 6: 2}), home=5).parts == {(7, TALLY_SK): ["earned"]}


def test_a_cell_is_full_only_when_no_shard_has_room():
    cell = Cell(TALLY_SK, ["earned"], 2 * SHARDS)
    nearly = {shard: 2 for shard in range(SHARDS)} | {1: 1}
    assert place([cell], _seen(nearly), home=3).parts == {(1, TALLY_SK): ["earned"]}  # round from 3, back to 1
    full = place([cell], _seen({shard: 2 for shard in range(SHARDS)}), home=3)
    assert isinstance(full, Full) and full.attribute == "earned"


def test_a_window_cell_without_one_shard_for_all_its_days_takes_each_day_where_there_is_room():
    cell = Cell("RW#D2#202611", ["d01", "d02"], SHARDS)  # one a shard
    seen = {(shard, cell.sk): {"d01": 1, "d02": 1} for shard in range(SHARDS)}
    seen[(4, cell.sk)] = {"d01": 1}
    seen[(9, cell.sk)] = {"d02": 1}
    assert place([cell], seen, home=0).parts == {(4, cell.sk): ["d02"], (9, cell.sk): ["d01"]}


def test_cells_without_a_limit_stay_home():
    cells = [Cell(TALLY_SK, ["earned"]), Cell("FW#x#1", ["n"], SHARDS)]
    placed = place(cells, _seen({0: 1}, "FW#x#1", "n"), home=0)
    assert placed.parts == {(0, TALLY_SK): ["earned"], (1, "FW#x#1"): ["n"]}
    assert Placement.at(7, cells).parts == {(7, TALLY_SK): ["earned"], (7, "FW#x#1"): ["n"]}


def test_a_tally_key_names_its_badge_and_shard_and_no_other_key_passes_for_one():
    assert tally_of(tally_pk("ORG#7", "01a2b3", 63)) == ("01a2b3", 63)
    assert tally_of("ORG#7#CUST#5#BADGE#01a2b3") is None
    assert tally_of("ORG#7#BADGE#01a2b3#T#x") is None


@given(counts=st.dictionaries(st.integers(0, SHARDS - 1), st.integers(-3, 40), max_size=SHARDS),
       limit=st.integers(1, 300))
def test_moves_keep_the_sum_and_leave_no_shard_above_its_quota_while_another_is_below(counts, limit):
    delta = moves(counts, limit)
    after = {shard: counts.get(shard, 0) + delta.get(shard, 0) for shard in range(SHARDS)}
    assert sum(delta.values()) == 0
    over = [shard for shard in range(SHARDS) if after[shard] > quota(limit, shard)]
    under = [shard for shard in range(SHARDS) if after[shard] < quota(limit, shard)]
    assert not (over and under)
    assert (not over) == (sum(after.values()) <= limit)
    for shard, units in delta.items():  # units only leave shards above their quota, only reach shards below it
        assert units != 0
        if units < 0:
            assert after[shard] >= quota(limit, shard)
        else:
            assert after[shard] <= quota(limit, shard)
