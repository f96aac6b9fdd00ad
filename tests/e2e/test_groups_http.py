"""Groups over real HTTP against `make run`: the README's quick start, tenancy and a same-name race."""
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.conftest import Client, unique

pytestmark = pytest.mark.e2e


def all_groups(client: Client) -> list[dict]:
    items, token = [], None
    while True:
        reply = client.get("/group?limit=100" + (f"&nextToken={token}" if token else ""))
        assert reply.status == 200
        items += reply.body["data"]["badgeGroups"]
        if not (token := reply.body["data"]["nextToken"]):
            return items


def test_no_credentials_is_401_in_the_envelope(anonymous):
    reply = anonymous.post("/group", {"name": "G", "rank": 1})
    assert reply.status == 401
    assert reply.body == {"data": None, "errors": [
        {"code": 401, "message": "Invalid or missing credentials", "reference": None}], "warnings": []}


def test_wrong_credentials_are_401(server):
    reply = Client(server.url, "brand-a", "not-it").get("/group")
    assert (reply.status, reply.body["errors"][0]["code"]) == (401, 401)


def test_create_read_update_list_as_the_readme_shows(brand_a):
    name = unique("GROUP_RANK")
    created = brand_a.post("/group", {"name": name, "rank": 2})
    assert created.status == 200 and created.body["errors"] == []
    group = created.body["data"]
    assert (group["orgId"], group["createdBy"], group["name"], group["rank"], group["isActive"]) == (
        50156, 123, name, 2, True)
    assert brand_a.get(f"/group/{group['id']}").body["data"] == group
    updated = brand_a.put(f"/group/{group['id']}", {"name": name + "-renamed", "rank": 3})
    assert updated.status == 200 and updated.body["data"]["name"] == name + "-renamed"
    assert any(g["id"] == group["id"] and g["rank"] == 3 for g in all_groups(brand_a))


def test_duplicate_missing_rank_and_bad_json_are_envelope_errors(brand_a):
    name = unique("dup")
    assert brand_a.post("/group", {"name": name, "rank": 1}).status == 200
    duplicate = brand_a.post("/group", {"name": name, "rank": 1})
    assert (duplicate.status, duplicate.body["errors"][0]["code"]) == (400, 733)
    no_rank = brand_a.post("/group", {"name": unique("x")})
    assert (no_rank.status, no_rank.body["errors"]) == (400, [
        {"code": 732, "message": "Group Rank is Mandatory.", "reference": "rank"}])
    bad_json = brand_a.post("/group", b'{"name": ')
    assert (bad_json.status, bad_json.body["errors"][0]["code"], bad_json.body["data"]) == (400, 1000, None)
    form = brand_a.post("/group", b"name=x", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert (form.status, form.body["errors"][0]["code"]) == (415, 415)


def test_unknown_routes_are_404_and_unknown_methods_405(brand_a):
    assert brand_a.get("/nothing/here").status == 404
    reply = brand_a.request("DELETE", "/group")
    assert (reply.status, reply.headers["allow"], reply.body["errors"][0]["code"]) == (405, "GET, POST", 405)


def test_orgs_are_walled(brand_a, brand_b):
    name = unique("shared-name")
    mine = brand_a.post("/group", {"name": name, "rank": 1}).body["data"]
    assert brand_b.post("/group", {"name": name, "rank": 1}).status == 200  # names are unique per org only
    assert brand_b.get(f"/group/{mine['id']}").status == 404
    assert brand_b.put(f"/group/{mine['id']}", {"name": "stolen", "rank": 1}).status == 404
    assert all(g["orgId"] == 60000 for g in all_groups(brand_b))
    assert brand_a.get(f"/group/{mine['id']}").body["data"]["name"] == name


def test_concurrent_creates_of_one_name_make_one_group(brand_a):
    name, attempts = unique("race"), 16
    with ThreadPoolExecutor(max_workers=attempts) as pool:
        replies = list(pool.map(lambda _: brand_a.post("/group", {"name": name, "rank": 1}), range(attempts)))
    statuses = sorted(r.status for r in replies)
    assert statuses == [200] + [400] * (attempts - 1)
    assert all(r.body["errors"][0]["code"] == 733 for r in replies if r.status == 400)
    assert [g["name"] for g in all_groups(brand_a)].count(name) == 1


def test_concurrent_renames_onto_one_name_leave_one_holder(brand_a):
    target = unique("target")
    ids = [brand_a.post("/group", {"name": unique(f"src{i}"), "rank": 1}).body["data"]["id"] for i in range(8)]
    with ThreadPoolExecutor(max_workers=len(ids)) as pool:
        replies = list(pool.map(lambda gid: brand_a.put(f"/group/{gid}", {"name": target, "rank": 1}), ids))
    assert sorted(r.status for r in replies) == [200] + [400] * (len(ids) - 1)
    holders = [g for g in all_groups(brand_a) if g["name"] == target]
    assert len(holders) == 1
    # the losers kept their own names, which stay reserved: the winner's old name is free again
    winner = next(r.body["data"]["id"] for r in replies if r.status == 200)
    assert holders[0]["id"] == winner
