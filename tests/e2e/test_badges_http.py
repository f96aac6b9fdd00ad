"""Badges over real HTTP against `make run`: the README's quick start and the API reference's examples, the spec's
example (its dates moved to the clock as a caller would move them) and a same-name race."""
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e.conftest import Client, unique
from tests.example_dates import moved_text

pytestmark = pytest.mark.e2e

SPEC = Path(__file__).resolve().parents[1] / "fixtures" / "spec"


def badge(name: str) -> dict:
    now = int(time.time())
    return {"name": name, "startOn": now + 3600, "expiresOn": now + 90 * 86_400,
            "earnedBadgeExpiry": {"expiryType": "NEVER"}, "ownership": {"restrictedToOwners": ["Loyalty"]},
            "earnType": "EARN"}


def test_the_specs_future_example_and_its_update_with_comments(brand_a):
    text = moved_text((SPEC / "create_earn_future.json").read_text()).replace('"test6578791"', f'"{unique("spec")}"')
    made = brand_a.post("/badgeMeta", text.encode())
    assert made.status == 200, made.body
    update = moved_text((SPEC / "update_with_comments.json").read_text())
    update = update.replace("661e11563753c37878a8b2c7", made.body["data"]["id"])
    update = update.replace('"This is a badge"', f'"{unique("renamed")}"')
    updated = brand_a.put("/badgeMeta", update.encode())
    assert updated.status == 200, updated.body
    assert updated.body["data"]["earnedBadgeExpiry"]["type"] == "FIXED_DATE"
    fetched = brand_a.get(f"/badgeMeta/{made.body['data']['id']}")
    assert fetched.body["data"] == updated.body["data"]


def test_a_badge_is_walled_from_other_orgs(brand_a, brand_b):
    made = brand_a.post("/badgeMeta", badge(unique("mine"))).body["data"]
    assert brand_b.get(f"/badgeMeta/{made['id']}").status == 404
    assert brand_b.request("PUT", f"/badgeMeta/{made['id']}/deactivate").status == 404
    assert brand_a.request("PUT", f"/badgeMeta/{made['id']}/deactivate").body["data"] == {
        "id": made["id"], "isActive": False}


def test_concurrent_creates_of_one_badge_name_make_one_badge(brand_a):
    name, attempts = unique("race"), 12
    with ThreadPoolExecutor(max_workers=attempts) as pool:
        replies = list(pool.map(lambda _: brand_a.post("/badgeMeta", badge(name)), range(attempts)))
    assert sorted(r.status for r in replies) == [200] + [400] * (attempts - 1)
    assert all(r.body["errors"][0]["code"] == 725 for r in replies if r.status == 400)
    listed = brand_a.get(f"/badgeMeta?name={name}&limit=100").body["data"]["metaBasicDetails"]
    assert [b["name"] for b in listed] == [name]


def test_unknown_methods_on_badge_paths_are_405(brand_a, server):
    reply = Client(server.url, "brand-a", "secret-a").request("DELETE", "/badgeMeta/abc")
    assert (reply.status, reply.headers["allow"]) == (405, "GET")
