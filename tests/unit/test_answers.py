"""Optional answer fields are left out while empty, by the models themselves, whatever pydantic serializes them."""
from badges.domain.badges import ConstraintView, Tag
from badges.domain.earning import EarnResult, FailedEntry, IssuedEntry


def test_an_empty_optional_field_is_left_out_and_a_set_one_kept():
    earned = dict(badgeMetaId="b", customerId=1, earnedBadgeId="e", earnEventDate=1.0, expiresOn=2.0,
                  expiresOnISO="1970-01-01T00:00:02.000Z", requestId="r")
    assert EarnResult(**earned).model_dump(mode="json")["issuedId"] is None  # null for an EARN badge, as documented
    assert "earnedBadgeId" not in FailedEntry(customerId=1, error={}).model_dump(mode="json")
    assert EarnResult(**earned, issuedId="i").model_dump(mode="json")["issuedId"] == "i"


def test_left_out_fields_are_left_out_inside_lists_and_beside_extra_keys():
    assert ConstraintView(constraintType="BADGE_FIXED_VALUE", maxEarnLimit=3).model_dump(mode="json") == {
        "constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": 3}
    assert Tag.model_validate({"name": "n", "name1": "kept"}).model_dump(mode="json") == {"name": "n", "name1": "kept"}
    # a field that is not optional in the answer stays, even empty: an issue result always says its error
    assert IssuedEntry(customerId=1).model_dump(mode="json") == {"customerId": 1, "issuedId": None, "status": None,
                                                                  "error": None}


def test_the_document_still_describes_every_field():
    properties = ConstraintView.model_json_schema(mode="serialization")["properties"]
    assert {"referenceId", "maxEarnLimit", "cycleStatus"} <= set(properties)
    assert properties["referenceId"]["x-omitted-when-null"] is True
