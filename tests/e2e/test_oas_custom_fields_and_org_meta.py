"""Capillary's own examples for custom fields and org meta, sent over HTTP: each request is accepted, and every
key of the example answer is in ours with the same type. An org of their own: its fields would bind every badge."""
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.conftest import Client, LocalServer, unique
from tests.e2e.oas_examples import assert_same_shape, operation, requests, responses

pytestmark = pytest.mark.e2e
BASE = "/api_gateway/v1/badges"


@pytest.fixture(scope="module")
def org_server(tmp_path_factory):
    path = tmp_path_factory.mktemp("creds") / "credentials.json"
    path.write_text(json.dumps([{"username": "cf-a", "password": "secret-cf", "orgId": 70001, "userId": 75197372},
                                {"username": "cf-b", "password": "secret-cf", "orgId": 70002, "userId": 2}]))
    local = LocalServer({"BADGES_LOCAL_CREDENTIALS": str(path)})
    yield local
    local.stop()


@pytest.fixture(scope="module")
def brand(org_server) -> Client:
    return Client(org_server.url, "cf-a", "secret-cf")


def route(name: str, **ids: str) -> tuple[str, str]:
    method, path, _ = operation(name)
    for key, value in ids.items():
        path = path.replace("{" + key + "}", value)
    return method, path.removeprefix(BASE)


def org_meta_examples(name: str) -> list[dict]:
    """The org meta pages' answers: JSON but for a bare `orgId` placeholder, read as null (any type)."""
    content = operation(name)[2]["responses"]["200"]["content"]["application/json"]
    return [json.loads(example["value"].replace(": orgId,", ": null,")) for example in content["examples"].values()]


def test_create_custom_field_as_documented(brand):
    [body] = requests("create-custom-field")
    reply = brand.request(*route("create-custom-field"), {**body, "name": unique("CF20 dates")})
    assert reply.status == 200, reply.body
    assert (reply.body["data"]["defaultValue"], reply.body["data"]["dataType"]) == ("0", "STRING")
    for example in responses("create-custom-field", "201"):
        assert_same_shape(example, reply.body)


def test_get_update_and_list_custom_fields_as_documented(brand):
    made = brand.post("/customField", {"name": unique("CF31 date"), "dataType": "STRING"}).body["data"]
    reply = brand.request(*route("get-custom-field-by-id", customFieldId=made["id"]))
    assert reply.status == 200 and reply.body["data"] == made
    for example in responses("get-custom-field-by-id"):
        assert_same_shape(example, reply.body)

    [body] = requests("update-custom-field-badge")
    renamed = unique("CF32 date")
    reply = brand.request(*route("update-custom-field-badge", customFieldId=made["id"]), {**body, "name": renamed})
    assert reply.status == 200, reply.body
    assert (reply.body["data"]["name"], reply.body["data"]["defaultValue"]) == (renamed, "cgvhjb")
    for example in responses("update-custom-field-badge"):
        assert_same_shape(example, reply.body)

    method, path = route("get-all-custom-fields")
    reply = brand.request(method, path + "?size=10&page=0&order=DESC&sortOn=LAST_UPDATED_DATE&isActive=true")
    assert reply.status == 200, reply.body
    assert reply.body["data"]["customFieldROList"][0]["name"] == renamed
    for example in responses("get-all-custom-fields"):
        assert_same_shape(example, reply.body)


def test_badges_of_the_org_take_mandatory_defaults(brand):
    name = unique("Terms")
    assert brand.post("/customField", {"name": name, "isMandatory": True, "defaultValue": "See the app",
                                       "dataType": "STRING"}).status == 200
    now = int(time.time())
    badge = {"name": unique("badge"), "startOn": now + 3600, "expiresOn": now + 86_400,
             "earnedBadgeExpiry": {"expiryType": "NEVER"}, "ownership": {"restrictedToOwners": ["Loyalty"]},
             "earnType": "EARN"}
    reply = brand.post("/badgeMeta", badge)
    assert reply.status == 200, reply.body
    assert reply.body["data"]["customFields"][name] == "See the app"


def test_org_meta_as_documented(brand, org_server):
    other = Client(org_server.url, "cf-b", "secret-cf")
    assert other.get("/orgMeta").status == 404
    created = other.request(*route("v1-create-badges-org-meta"), {"orgID": "70002", "tags": [
        {"key": "Category", "dataType": "string", "description": "Type of badge(Exclusive,Regular)",
         "mandatory": False}]})
    assert created.status == 200, created.body
    [create_example] = responses("v1-create-badges-org-meta")
    # The create page shows its times as ISO strings, the read and update pages as numbers: we answer numbers
    # (functions/handlers/README.md, "Where Capillary's documentation disagrees"), so those two keys are compared
    # by presence only.
    data = {**create_example["data"], "createdOn": None, "lastUpdatedOn": None}
    assert_same_shape({**create_example, "data": data}, created.body)
    again = other.request(*route("v1-create-badges-org-meta"), {"orgID": "70002"})
    assert again.status == 409 and again.body["errors"][0]["code"] == 999999

    tags = org_meta_examples("v1-update-badges-org-meta")[0]["data"]["tags"]
    updated = other.request(*route("v1-update-badges-org-meta"), {"orgID": "70002", "tags": tags})
    assert updated.status == 200, updated.body
    for example in org_meta_examples("v1-update-badges-org-meta"):
        assert_same_shape(example, updated.body)
    read = other.request(*route("v1-get-badges-org-meta"))
    assert read.status == 200 and read.body["data"]["tags"] == tags
    for example in org_meta_examples("v1-get-badges-org-meta"):
        assert_same_shape(example, read.body)
    assert brand.get("/orgMeta").status == 404  # walled by org




def test_concurrent_creates_of_one_name_make_one_field(brand, org_server):
    name = unique("raced")
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(lambda _: brand.post("/customField", {"name": name, "dataType": "STRING"}), range(8)))
    assert sorted(r.status for r in replies) == [200] + [400] * 7, [r.body for r in replies]
    assert {r.body["errors"][0]["code"] for r in replies if r.status == 400} == {1080}
    listed = brand.get("/customField?size=100").body["data"]["customFieldROList"]
    assert [f["name"] for f in listed].count(name) == 1
