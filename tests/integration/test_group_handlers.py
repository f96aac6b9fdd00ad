"""The group endpoints' Lambdas on moto: what a caller sees, and what is stored afterwards."""
import json

import pytest
from botocore.exceptions import ClientError

from handlers import create_group, get_group, list_groups, update_group
from tests.fakes import FakeClock
from tests.integration.conftest import call, stored

SPEC_GROUP_FIELDS = {"id", "orgId", "name", "rank", "createdBy", "createdOn", "lastUpdatedBy", "lastUpdatedOn",
                     "isActive", "createdOnISO", "lastUpdatedOnISO"}


def groups_in(client):
    return [item for item in stored(client) if item["sk"]["S"].startswith("GROUP#")]


def test_the_specs_example_creates_a_group_shaped_like_the_specs_response(dynamodb):
    status, body, _ = call(create_group, "POST", "/group", {"name": "GROUP_RANK_2", "rank": 2}, org=50156, user=123)
    assert status == 200 and body["errors"] == [] and body["warnings"] == []
    data = body["data"]
    assert set(data) == SPEC_GROUP_FIELDS
    assert (data["orgId"], data["name"], data["rank"], data["createdBy"], data["isActive"]) == (
        50156, "GROUP_RANK_2", 2, 123, True)
    assert isinstance(data["createdOn"], float) and data["createdOn"] == data["lastUpdatedOn"]
    assert data["createdOnISO"].endswith("Z")
    assert [g["id"]["S"] for g in groups_in(dynamodb)] == [data["id"]]


def test_an_org_in_the_body_is_ignored(dynamodb):
    _, body, _ = call(create_group, "POST", "/group", {"name": "G", "rank": 1, "orgId": 1}, org=77)
    assert body["data"]["orgId"] == 77


def test_a_duplicate_name_is_733_and_stores_nothing_more(dynamodb):
    call(create_group, "POST", "/group", {"name": "Gold", "rank": 1})
    status, body, _ = call(create_group, "POST", "/group", {"name": "Gold", "rank": 3})
    assert status == 400
    assert body == {"data": None, "errors": [
        {"code": 733, "message": "Group Name should be Unique.", "reference": "name"}], "warnings": []}
    assert len(groups_in(dynamodb)) == 1


def test_a_missing_rank_is_732_with_every_other_error_of_the_body(dynamodb):
    status, body, _ = call(create_group, "POST", "/group", {"isActive": "perhaps"})
    assert status == 400
    assert {(e["code"], e["reference"]) for e in body["errors"]} == {(732, "rank"), (1001, "name"), (1002, "isActive")}
    assert stored(dynamodb) == []


@pytest.mark.parametrize(("raw", "headers", "status", "code"), [
    (b'{"name": "G", ', {}, 400, 1000),
    (b"name=G&rank=1", {"Content-Type": "application/x-www-form-urlencoded"}, 415, 415),
    (b'{"name": "' + b"x" * 300_000 + b'", "rank": 1}', {}, 413, 413),
    (None, {}, 400, 1001),
    (b"[1, 2]", {}, 400, 1002),
])
def test_bodies_that_are_not_a_json_object_get_an_envelope_error(dynamodb, raw, headers, status, code):
    got_status, body, _ = call(create_group, "POST", "/group", raw, headers=headers)
    assert (got_status, body["errors"][0]["code"], body["data"]) == (status, code, None)
    assert stored(dynamodb) == []


def test_a_group_is_read_back_by_id_within_its_org_only(dynamodb):
    _, made, _ = call(create_group, "POST", "/group", {"name": "Gold", "rank": 1}, org=1)
    gid = made["data"]["id"]
    status, body, _ = call(get_group, "GET", f"/group/{gid}", org=1)
    assert status == 200 and body["data"] == made["data"]
    status, body, _ = call(get_group, "GET", f"/group/{gid}", org=2)
    assert status == 404
    assert body["errors"] == [{"code": 404, "message": "Passed group is not found", "reference": "groupId"}]


def test_an_update_renames_reranks_and_frees_the_old_name(dynamodb):
    _, made, _ = call(create_group, "POST", "/group", {"name": "Gold", "rank": 1}, user=1)
    gid = made["data"]["id"]
    status, body, _ = call(update_group, "PUT", f"/group/{gid}", {"name": "Platinum", "rank": 9, "isActive": False},
                           user=2)
    assert status == 200
    data = body["data"]
    assert (data["name"], data["rank"], data["isActive"], data["createdBy"], data["lastUpdatedBy"]) == (
        "Platinum", 9, False, 1, 2)
    assert data["lastUpdatedOn"] >= data["createdOn"]
    status, _, _ = call(create_group, "POST", "/group", {"name": "Gold", "rank": 1})
    assert status == 200
    _, again, _ = call(get_group, "GET", f"/group/{gid}")
    assert again["data"] == data


def test_an_update_keeps_the_create_rules(dynamodb):
    _, gold, _ = call(create_group, "POST", "/group", {"name": "Gold", "rank": 1})
    call(create_group, "POST", "/group", {"name": "Silver", "rank": 2})
    gid = gold["data"]["id"]
    status, body, _ = call(update_group, "PUT", f"/group/{gid}", {"name": "Silver", "rank": 1})
    assert (status, body["errors"][0]["code"]) == (400, 733)
    status, body, _ = call(update_group, "PUT", f"/group/{gid}", {"name": "Gold"})
    assert (status, body["errors"][0]["code"]) == (400, 732)
    status, body, _ = call(update_group, "PUT", "/group/unknown", {"name": "New", "rank": 1})
    assert status == 404
    _, unchanged, _ = call(get_group, "GET", f"/group/{gid}")
    assert unchanged["data"] == gold["data"]


def test_another_org_cannot_update_a_group(dynamodb):
    _, gold, _ = call(create_group, "POST", "/group", {"name": "Gold", "rank": 1}, org=1)
    status, _, _ = call(update_group, "PUT", f"/group/{gold['data']['id']}", {"name": "Mine", "rank": 1}, org=2)
    assert status == 404
    _, unchanged, _ = call(get_group, "GET", f"/group/{gold['data']['id']}", org=1)
    assert unchanged["data"]["name"] == "Gold"


def test_the_list_pages_through_the_org_with_an_opaque_token(dynamodb):
    made = [call(create_group, "POST", "/group", {"name": f"G{i}", "rank": i}, org=1)[1]["data"]["id"]
            for i in range(5)]
    call(create_group, "POST", "/group", {"name": "elsewhere", "rank": 1}, org=2)
    seen, query = [], "?limit=2"
    for _ in range(10):
        status, body, _ = call(list_groups, "GET", "/group" + query, org=1)
        assert status == 200
        seen += [g["id"] for g in body["data"]["badgeGroups"]]
        if not body["data"]["nextToken"]:
            break
        query = f"?limit=2&nextToken={body['data']['nextToken']}"
    assert seen == sorted(made)  # by id, which is creation time to the millisecond


@pytest.mark.parametrize(("query", "code", "reference"), [
    ("?nextToken=garbage", 1003, "nextToken"), ("?limit=0", 1002, "limit"), ("?limit=500", 1002, "limit"),
    ("?limit=many", 1002, "limit"),
])
def test_bad_list_parameters_are_400_with_their_reference(dynamodb, query, code, reference):
    status, body, _ = call(list_groups, "GET", "/group" + query)
    assert (status, body["errors"][0]["code"], body["errors"][0]["reference"]) == (400, code, reference)


def test_a_caller_without_authorizer_context_is_401(dynamodb):
    from local_api.gateway import LambdaContext, proxy_event

    event = proxy_event("GET", "/api_gateway/v1/badges/group", {}, None, {})
    result = list_groups.lambda_handler(event, LambdaContext("list_groups"))
    assert result["statusCode"] == 401 and json.loads(result["body"])["errors"][0]["code"] == 401


def test_a_throttled_table_is_503_with_retry_after(dynamodb, monkeypatch):
    from badges.store import items

    def throttled(**_):
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow"}},
                          "TransactWriteItems")

    monkeypatch.setattr(items.dynamodb_client().wrapped, "transact_write_items", throttled)
    monkeypatch.setattr(items.dynamodb_client(), "clock", FakeClock())
    status, body, headers = call(create_group, "POST", "/group", {"name": "G", "rank": 1})
    assert (status, body["errors"][0]["code"], headers.get("Retry-After")) == (503, 503, "1")


def test_an_unexpected_fault_is_a_500_envelope_with_a_correlation_id_and_no_trace(dynamodb, monkeypatch):
    from badges.service import groups

    def broken(*_, **__):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(groups, "create_group", broken)
    status, body, _ = call(create_group, "POST", "/group", {"name": "G", "rank": 1})
    assert status == 500
    message = body["errors"][0]["message"]
    assert body["errors"][0]["code"] == 500 and "correlation id" in message
    assert "secret internals" not in json.dumps(body) and "Traceback" not in json.dumps(body)
