"""The custom field and org meta endpoints' Lambdas on moto, and badges under an org's custom fields."""
import json
import time
from decimal import Decimal

import pytest

from badges.domain.badges import MAX_CUSTOM_TEXT, MAX_FIELD_NAME
from badges.domain.custom_fields import (
    MAX_ACTIVE_CUSTOM_FIELDS,
    MAX_ORG_CUSTOM_FIELDS,
    CustomField,
    CustomFieldRegistry,
    DataType,
)
from badges.domain.fields import INT64_MAX
from badges.domain.values import new_id
from badges.store.custom_fields import custom_field_store
from handlers import (
    create_badge,
    create_custom_field,
    create_org_meta,
    get_custom_field,
    get_org_meta,
    list_custom_fields,
    update_badge,
    update_custom_field,
    update_org_meta,
)
from tests.integration.conftest import call
from tests.integration.test_item_bounds import item_size

SPEC_FIELD_KEYS = {"id", "orgId", "name", "isMandatory", "defaultValue", "isActive", "dataType", "createdOn",
                   "createdOnISO", "createdBy", "lastUpdatedOn", "lastUpdatedOnISO", "lastUpdatedBy"}
DAY = 86_400


def define(org: int = 100458, **fields) -> dict:
    status, answer, _ = call(create_custom_field, "POST", "/customField",
                             {"isMandatory": False, "dataType": "STRING", **fields}, org=org)
    assert status == 200, answer
    return answer["data"]


def registry_of(client, org: int = 100458) -> list[dict]:
    item = client.get_item(TableName="test-badges", Key={"pk": {"S": f"ORG#{org}"}, "sk": {"S": "CUSTOMFIELDS"}})
    return json.loads(item["Item"]["doc"]["S"]) if "Item" in item else []


def badge(name: str = "Pet lover", **changes) -> dict:
    now = int(time.time())
    return {"name": name, "startOn": now + DAY, "expiresOn": now + 100 * DAY,
            "earnedBadgeExpiry": {"expiryType": "NEVER"}, "ownership": {"restrictedToOwners": ["Loyalty"]},
            "earnType": "EARN", **changes}


def test_the_specs_example_creates_a_field_shaped_like_the_specs_answer(dynamodb):
    status, body, _ = call(create_custom_field, "POST", "/customField",
                           {"name": "CF20 dates", "isMandatory": False, "defaultValue": "0", "dataType": "STRING"},
                           org=50156, user=123)
    assert status == 200 and body["errors"] == [] and body["warnings"] == []
    data = body["data"]
    assert set(data) == SPEC_FIELD_KEYS
    assert (data["orgId"], data["name"], data["isMandatory"], data["defaultValue"], data["isActive"],
            data["dataType"], data["createdBy"]) == (50156, "CF20 dates", False, "0", True, "STRING", 123)
    assert [(r["id"], r["name"]) for r in registry_of(dynamodb, 50156)] == [(data["id"], "CF20 dates")]


def test_read_one_and_list_them_newest_update_first(dynamodb):
    first, second = define(name="CF1"), define(name="CF2")
    status, body, _ = call(get_custom_field, "GET", f"/customField/{first['id']}")
    assert status == 200 and body["data"] == first
    status, body, _ = call(list_custom_fields, "GET", "/customField")
    assert status == 200
    assert [f["name"] for f in body["data"]["customFieldROList"]] == ["CF2", "CF1"]
    assert body["data"]["pagination"] == {"page": 0, "size": 10, "total": 2, "totalPages": 1}
    _, body, _ = call(list_custom_fields, "GET", "/customField?order=ASC&size=1&page=1&sortOn=LAST_UPDATED_DATE")
    assert [f["id"] for f in body["data"]["customFieldROList"]] == [second["id"]]
    assert body["data"]["pagination"] == {"page": 1, "size": 1, "total": 2, "totalPages": 2}


def test_names_are_unique_among_active_fields_case_sensitive(dynamodb):
    first = define(name="Terms")
    status, body, _ = call(create_custom_field, "POST", "/customField", {"name": "Terms", "dataType": "STRING"})
    assert status == 400 and [(e["code"], e["reference"]) for e in body["errors"]] == [(1080, "name")]
    define(name="terms")
    assert len(registry_of(dynamodb)) == 2
    # a disabled field frees its name
    status, body, _ = call(update_custom_field, "PUT", f"/customField/{first['id']}",
                           {"name": "Terms", "dataType": "STRING", "isActive": False})
    assert status == 200 and body["data"]["isActive"] is False
    define(name="Terms")
    _, body, _ = call(list_custom_fields, "GET", "/customField?isActive=false")
    assert [f["id"] for f in body["data"]["customFieldROList"]] == [first["id"]]


def test_an_update_changes_name_default_and_flag_but_never_type_nor_revives(dynamodb):
    field = define(name="CF31 date", defaultValue="cgvhjb")
    status, body, _ = call(update_custom_field, "PUT", f"/customField/{field['id']}",
                           {"name": "CF32 date", "isMandatory": True, "defaultValue": "x", "isActive": True,
                            "dataType": "STRING"}, user=7)
    assert status == 200
    assert (body["data"]["name"], body["data"]["isMandatory"], body["data"]["defaultValue"],
            body["data"]["lastUpdatedBy"], body["data"]["createdOn"]) == ("CF32 date", True, "x", 7,
                                                                          field["createdOn"])
    status, body, _ = call(update_custom_field, "PUT", f"/customField/{field['id']}",
                           {"name": "CF32 date", "dataType": "INTEGER"})
    assert status == 400 and [e["reference"] for e in body["errors"]] == ["dataType"]
    call(update_custom_field, "PUT", f"/customField/{field['id']}",
         {"name": "CF32 date", "dataType": "STRING", "isActive": False})
    status, body, _ = call(update_custom_field, "PUT", f"/customField/{field['id']}",
                           {"name": "CF32 date", "dataType": "STRING", "isActive": True})
    assert status == 400 and [e["reference"] for e in body["errors"]] == ["isActive"]
    assert registry_of(dynamodb)[0]["isActive"] is False and registry_of(dynamodb)[0]["dataType"] == "STRING"


@pytest.mark.parametrize(("payload", "reference", "code"), [
    ({"dataType": "STRING"}, "name", 1001),
    ({"name": "X"}, "dataType", 1001),
    ({"name": "X", "dataType": "NUMBER"}, "dataType", 400),
    ({"name": "X", "dataType": "INTEGER", "defaultValue": "ten"}, "defaultValue", 1002),
    ({"name": "X", "dataType": "BOOLEAN", "defaultValue": "maybe"}, "defaultValue", 1002),
    ({"name": "X", "dataType": "DATE", "defaultValue": "someday"}, "defaultValue", 1002),
    ({"name": "x" * 101, "dataType": "STRING"}, "name", 1002),
    ({"name": "X", "dataType": "STRING", "defaultValue": "v" * 256}, "defaultValue", 1002),
    ({"name": "X", "dataType": None, "defaultValue": None, "isActive": None}, "dataType", 1001),
    ({"name": "X", "dataType": "STRING", "isMandatory": "sometimes"}, "isMandatory", 1002),
])
def test_bad_definitions_are_400_with_their_reference_and_store_nothing(dynamodb, payload, reference, code):
    status, body, _ = call(create_custom_field, "POST", "/customField", payload)
    assert status == 400, body
    assert [(e["code"], e["reference"]) for e in body["errors"]] == [(code, reference)]
    assert registry_of(dynamodb) == []


def test_an_org_keeps_a_bounded_number_of_active_fields(dynamodb):
    for i in range(MAX_ACTIVE_CUSTOM_FIELDS):
        define(name=f"CF{i}")
    status, body, _ = call(create_custom_field, "POST", "/customField", {"name": "one more", "dataType": "STRING"})
    assert status == 400 and body["errors"][0]["code"] == 1081
    assert len(registry_of(dynamodb)) == MAX_ACTIVE_CUSTOM_FIELDS


def test_another_orgs_field_is_not_found(dynamodb):
    field = define(name="Mine", org=1)
    for handler, method, body in ((get_custom_field, "GET", None),
                                  (update_custom_field, "PUT", {"name": "Theirs", "dataType": "STRING"})):
        status, answer, _ = call(handler, method, f"/customField/{field['id']}", body, org=2)
        assert status == 404 and answer["errors"][0]["code"] == 404
    _, answer, _ = call(list_custom_fields, "GET", "/customField", org=2)
    assert answer["data"]["customFieldROList"] == []
    assert registry_of(dynamodb, 1)[0]["name"] == "Mine"


def test_a_badge_takes_the_defaults_of_mandatory_fields_it_leaves_out(dynamodb):
    define(name="CF1", isMandatory=True, defaultValue="CF1 default")
    define(name="CF2 INTEGER", isMandatory=True, defaultValue="0", dataType="INTEGER")
    define(name="Optional", defaultValue="unused")
    status, body, _ = call(create_badge, "POST", "/badgeMeta", badge(customFields={"CF2 INTEGER": "1"}))
    assert status == 200, body
    assert body["data"]["customFields"] == {"CF1": "CF1 default", "CF2 INTEGER": "1"}
    badge_id = body["data"]["id"]
    status, body, _ = call(update_badge, "PUT", "/badgeMeta", {**badge(), "id": badge_id})
    assert status == 200 and body["data"]["customFields"] == {"CF1": "CF1 default", "CF2 INTEGER": "0"}


def test_a_badge_is_refused_a_mandatory_field_without_default_or_a_wrong_type(dynamodb):
    define(name="Terms", isMandatory=True)
    define(name="Count", dataType="INTEGER")
    define(name="Flag", dataType="BOOLEAN")
    define(name="When", dataType="DATE")
    status, body, _ = call(create_badge, "POST", "/badgeMeta", badge(customFields={
        "Count": "many", "Flag": "yes", "When": "someday", "Nope": "x"}))
    assert status == 400
    assert sorted((e["code"], e["reference"]) for e in body["errors"]) == [
        (1002, "customFields.Count"), (1002, "customFields.Flag"), (1002, "customFields.Terms"),
        (1002, "customFields.When")]
    status, body, _ = call(create_badge, "POST", "/badgeMeta", badge(customFields={
        "Terms": "T&C", "Count": 3, "Flag": True, "When": "2026-01-01T00:00:00Z", "Nope": "x"}))
    assert status == 200, body
    assert body["data"]["customFields"] == {"Terms": "T&C", "Count": 3, "Flag": True, "When": "2026-01-01T00:00:00Z",
                                            "Nope": "x"}


def test_defaults_may_not_take_a_badge_past_its_bound_of_custom_fields(dynamodb):
    for i in range(3):
        define(name=f"M{i}", isMandatory=True, defaultValue="d")
    sent = {f"own{i}": i for i in range(18)}
    status, body, _ = call(create_badge, "POST", "/badgeMeta", badge(customFields=sent))
    assert status == 400 and [(e["code"], e["reference"]) for e in body["errors"]] == [(1002, "customFields")]


def test_an_org_without_fields_keeps_badges_custom_fields_as_sent(dynamodb):
    define(name="Elsewhere", isMandatory=True, org=999)
    status, body, _ = call(create_badge, "POST", "/badgeMeta", badge(customFields={"CF1": "CF1", "CF2 INTEGER": "1"}))
    assert status == 200 and body["data"]["customFields"] == {"CF1": "CF1", "CF2 INTEGER": "1"}


def test_a_disabled_field_no_longer_binds_badges(dynamodb):
    field = define(name="Terms", isMandatory=True)
    define(name="Other")
    call(update_custom_field, "PUT", f"/customField/{field['id']}",
         {"name": "Terms", "dataType": "STRING", "isActive": False})
    status, body, _ = call(create_badge, "POST", "/badgeMeta", badge())
    assert status == 200 and body["data"]["customFields"] == {}


TAGS = [{"key": "Type", "dataType": "string", "description": "Type of badge(Exclusive,Regular)", "mandatory": False},
        {"key": "Priority", "dataType": "integer", "description": "Priority of the badge", "mandatory": False}]


def test_org_meta_is_created_once_read_and_updated(dynamodb):
    status, body, _ = call(get_org_meta, "GET", "/orgMeta")
    assert status == 404 and body["data"] is None
    status, body, _ = call(update_org_meta, "PUT", "/orgMeta", {"tags": TAGS})
    assert status == 404
    status, body, _ = call(create_org_meta, "POST", "/orgMeta", {"orgID": "1", "tags": TAGS[:1]}, org=50156, user=3)
    assert status == 200
    assert body["data"]["orgId"] == 50156 and body["data"]["tags"] == TAGS[:1] and body["data"]["createdBy"] == 3
    status, body, _ = call(create_org_meta, "POST", "/orgMeta", {"tags": TAGS}, org=50156)
    assert status == 409 and body["errors"] == [{"code": 999999, "message":
                                                 "ORG_CONFIG_ALREADY_EXIST_PLEASE_USE_UPDATE_ORG_CONFIG_API",
                                                 "reference": None}]
    status, body, _ = call(update_org_meta, "PUT", "/orgMeta", {"tags": TAGS}, org=50156, user=4)
    assert status == 200 and body["data"]["tags"] == TAGS and body["data"]["lastUpdatedBy"] == 4
    _, body, _ = call(get_org_meta, "GET", "/orgMeta", org=50156)
    assert body["data"]["tags"] == TAGS and body["data"]["createdBy"] == 3
    status, _, _ = call(get_org_meta, "GET", "/orgMeta", org=50157)
    assert status == 404


def test_org_meta_reads_one_tag_object_and_refuses_bad_tags(dynamodb):
    status, body, _ = call(create_org_meta, "POST", "/orgMeta", {"orgID": "1", "tags": {"key": "Category"}})
    assert status == 200 and body["data"]["tags"] == [
        {"key": "Category", "dataType": None, "description": None, "mandatory": False}]
    for tags in ([{"key": "A"}, {"key": "A"}], [{"key": "A"}] * 21, [{"key": ""}], [{"mandatory": True}]):
        status, body, _ = call(update_org_meta, "PUT", "/orgMeta", {"tags": tags})
        assert status == 400 and body["errors"][0]["code"] in (1001, 1002), body
    _, body, _ = call(get_org_meta, "GET", "/orgMeta")
    assert [t["key"] for t in body["data"]["tags"]] == ["Category"]


def test_the_largest_registry_an_org_can_make_stays_under_400_kb(dynamodb):
    # JSON writes a control character as \u0001: six bytes, the most a character of a name or default costs there.
    at = Decimal("1795405211.393448")
    fields = tuple(CustomField(id=new_id(), org_id=1, name="\x01" * (MAX_FIELD_NAME - 3) + f"{i:03d}",
                               data_type=DataType.STRING, is_mandatory=True, default_value="\x01" * MAX_CUSTOM_TEXT,
                               is_active=False, created_by=INT64_MAX, created_on=at, last_updated_by=INT64_MAX,
                               last_updated_on=at) for i in range(MAX_ORG_CUSTOM_FIELDS))
    store = custom_field_store()
    store.save_registry(CustomFieldRegistry(org_id=1), CustomFieldRegistry(org_id=1, fields=fields))
    item = dynamodb.get_item(TableName="test-badges", Key={"pk": {"S": "ORG#1"}, "sk": {"S": "CUSTOMFIELDS"}})["Item"]
    assert item_size(item) < 250 * 1024
    assert store.registry(1).fields == fields
