"""Validation errors become catalogue entries with field references, all of them at once."""
import pytest
from pydantic import ValidationError

from badges.api.resolver import detail_of
from badges.domain.groups import GroupRequest


def details(body):
    with pytest.raises(ValidationError) as invalid:
        GroupRequest.model_validate(body)
    return [detail_of({**e, "loc": ("body", *e["loc"])}) for e in invalid.value.errors()]


def test_a_missing_rank_is_732_and_a_missing_name_is_1001():
    found = {(d.code, d.reference) for d in details({})}
    assert found == {(732, "rank"), (1001, "name")}


def test_a_null_rank_is_732_like_a_missing_one():
    assert [(d.code, d.reference) for d in details({"name": "x", "rank": None})] == [(732, "rank")]


def test_every_error_of_a_body_is_reported():
    found = [(d.code, d.reference) for d in details({"name": "  ", "rank": "two", "isActive": "maybe"})]
    assert found == [(1002, "name"), (1002, "rank"), (1002, "isActive")]


def test_the_specs_example_is_accepted_and_unknown_fields_ignored():
    request = GroupRequest.model_validate({"name": "GROUP_RANK_2", "rank": 2, "orgId": 5})
    assert (request.name, request.rank, request.isActive) == ("GROUP_RANK_2", 2, True)


def test_nested_references_read_as_paths():
    detail = detail_of({"type": "int_parsing", "loc": ("body", "ownership", "claims", 0, "rank"), "msg": "bad"})
    assert detail.reference == "ownership.claims[0].rank"
