"""Capillary's own examples for groups and claims, sent over HTTP: each request is accepted, and every key of the
example answer is in ours with the same type."""
import pytest

from tests.e2e.conftest import unique
from tests.e2e.oas_examples import assert_same_shape, operation, requests, responses
from tests.e2e.test_earn_concurrency import live_badge

pytestmark = pytest.mark.e2e


def test_create_group_as_documented(brand_a):
    method, path, _ = operation("create-badges-group")
    [body] = requests("create-badges-group")
    reply = brand_a.request(method, path.removeprefix("/api_gateway/v1/badges"), {**body, "name": unique("oas")})
    assert reply.status == 200, reply.body
    for example in responses("create-badges-group"):
        assert_same_shape(example, reply.body)


def test_get_group_by_id_as_documented(brand_a):
    made = brand_a.post("/group", {**requests("create-badges-group")[0], "name": unique("oas")}).body["data"]
    _, path, _ = operation("get-group-by-id")
    reply = brand_a.get(path.removeprefix("/api_gateway/v1/badges").replace("{groupId}", made["id"]))
    assert reply.status == 200, reply.body
    assert reply.body["data"] == made
    for example in responses("get-group-by-id"):
        assert_same_shape(example, reply.body)


@pytest.mark.parametrize("name", ["claim-badge", "unclaim-badge"])
def test_claim_and_unclaim_as_documented(brand_a, name):
    badge_id = live_badge(brand_a)  # claimed by Loyalty "c1"
    [body] = requests(name)
    if name == "unclaim-badge":
        assert brand_a.post(f"/badgeMeta/{badge_id}/claim", body).status == 200
    method, path, _ = operation(name)
    reply = brand_a.request(method, path.removeprefix("/api_gateway/v1/badges").replace("{badgeId}", badge_id), body)
    assert reply.status == 200, reply.body
    for example in responses(name):
        assert_same_shape(example, reply.body)
    claims = brand_a.get(f"/badgeMeta/{badge_id}").body["data"]["ownership"]["claims"]
    assert {"ownerType": body["ownerType"], "referenceId": body["referenceId"],
            "isActive": name == "claim-badge"} in claims
