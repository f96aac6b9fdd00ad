"""Bodies are read strictly: a JSON object, at most 32 levels deep, with only numbers JSON has."""
import pytest

from badges.api.jsonc import MAX_DEPTH, BodyRefused, parse_object


def refused(text: str) -> BodyRefused:
    with pytest.raises(BodyRefused) as refusal:
        parse_object(text)
    return refusal.value


def test_an_object_at_the_deepest_allowed_level_is_read():
    text = '{"a":' * (MAX_DEPTH - 1) + "[]" + "}" * (MAX_DEPTH - 1)
    assert parse_object(text)["a"]["a"]


@pytest.mark.parametrize("text", [
    '{"a":' * MAX_DEPTH + "[]" + "}" * MAX_DEPTH,  # one level too deep
    "[" * 100_000 + "]" * 100_000,  # far past Python's recursion limit
    '{"a":' * 5_000 + "1" + "}" * 5_000,
])
def test_a_body_nested_too_deep_is_refused_without_recursing(text):
    refusal = refused(text)
    assert not refusal.malformed and "deeper than 32 levels" in str(refusal)


@pytest.mark.parametrize("text", ["[]", "[{}]", '"text"', "7", "null", "true"])
def test_anything_but_an_object_is_refused(text):
    refusal = refused(text)
    assert not refusal.malformed and str(refusal) == "The body must be a JSON object"


@pytest.mark.parametrize("text", ['{"a": NaN}', '{"a": -Infinity}', '{"a": 1e400}', '{"a": ' + "9" * 5000 + "}",
                                  '{"a": }', "{"])
def test_what_json_does_not_have_is_malformed(text):
    assert refused(text).malformed


def test_numbers_within_range_are_kept_exactly():
    assert parse_object('{"a": 12345678901234567890123456789012345678, "b": 1.5e300}') == {
        "a": 12345678901234567890123456789012345678, "b": 1.5e300}
