"""Page tokens over real HTTP: forged, another org's or another query's token is 1003; ours page through."""
import base64
import json
import time

import pytest

from local_dynamodb.server import EmbeddedAWS
from tests.e2e.conftest import Client, LocalServer, unique

pytestmark = pytest.mark.e2e

REFUSED = {"data": None, "errors": [{"code": 1003, "message": "Invalid page token", "reference": "nextToken"}],
           "warnings": []}


def forged(after: str) -> str:
    """A token as they were before they were signed: base64url of {"after": <sort key>}."""
    return base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode().rstrip("=")


def badge(name: str) -> dict:
    now = int(time.time())
    return {"name": name, "startOn": now + 3600, "expiresOn": now + 90 * 86_400,
            "earnedBadgeExpiry": {"expiryType": "NEVER"}, "ownership": {"restrictedToOwners": ["Loyalty"]},
            "earnType": "EARN"}


def groups(client: Client, count: int) -> list[str]:
    return [client.post("/group", {"name": unique("paged"), "rank": 1}).body["data"]["id"] for _ in range(count)]


def walk(client: Client, path: str) -> list[str]:
    """Every id a listing answers, following nextToken to the end."""
    seen, token = [], None
    for _ in range(1000):
        reply = client.get(path + (f"&nextToken={token}" if token else ""))
        assert reply.status == 200, reply.body
        data = reply.body["data"]
        seen += [item["id"] for item in data.get("badgeGroups", data.get("metaBasicDetails"))]
        if not (token := reply.body["data"]["nextToken"]):
            return seen
    raise AssertionError("the pages never ended")


@pytest.mark.parametrize("path", ["/group?nextToken=", "/badgeMeta?nextToken="])
@pytest.mark.parametrize("after", ["GROUP#zzzz", "BADGE#zzzz", "GROUP#", "NAME#GROUP#x"])
def test_a_forged_token_is_400_with_1003_on_next_token(brand_a, path, after):
    reply = brand_a.get(path + forged(after))

    assert (reply.status, reply.body) == (400, REFUSED)


def test_a_token_of_org_a_is_1003_for_org_b(brand_a, brand_b):
    groups(brand_a, 2)
    groups(brand_b, 2)
    token = brand_a.get("/group?limit=1").body["data"]["nextToken"]

    reply = brand_b.get(f"/group?limit=1&nextToken={token}")
    assert (reply.status, reply.body) == (400, REFUSED)
    assert brand_a.get(f"/group?limit=1&nextToken={token}").status == 200


def test_a_token_reused_with_another_filter_is_1003(brand_a):
    name = unique("filtered")
    for i in range(3):
        assert brand_a.post("/badgeMeta", badge(f"{name}-{i}")).status == 200
    token = brand_a.get(f"/badgeMeta?name={name}&limit=1").body["data"]["nextToken"]

    for other in (f"name={name}-1&limit=1", f"name={name}&status=LIVE&limit=1",
                  f"name={name}&earnType=ISSUE_EARN&limit=1", "limit=1", f"name={name}&limit=2"):
        reply = brand_a.get(f"/badgeMeta?{other}&nextToken={token}")
        assert (reply.status, reply.body) == (400, REFUSED), other
    assert brand_a.get(f"/group?limit=1&nextToken={token}").status == 400  # a badge token is no group token
    assert brand_a.get(f"/badgeMeta?name={name}&limit=1&nextToken={token}").status == 200


def test_an_altered_token_is_1003(brand_a):
    groups(brand_a, 2)
    token = brand_a.get("/group?limit=1").body["data"]["nextToken"]
    flipped = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]

    for altered in (flipped, token[:-1], token + "A", token.replace(".", "")):
        reply = brand_a.get(f"/group?limit=1&nextToken={altered}")
        assert (reply.status, reply.body) == (400, REFUSED), altered


def test_real_tokens_page_through_every_item_once(brand_a):
    made = groups(brand_a, 7)
    walked = walk(brand_a, "/group?limit=2")
    assert len(walked) == len(set(walked)) and walked == sorted(walked)
    assert set(made) <= set(walked)

    name = unique("walked")
    mine = [brand_a.post("/badgeMeta", badge(f"{name}-{i}")).body["data"]["id"] for i in range(5)]
    assert walk(brand_a, f"/badgeMeta?name={name}&status=UPCOMING&limit=2") == sorted(mine)


def test_tokens_open_across_processes_only_with_the_same_key(credentials_file, brand_a):
    """A restarted `make run` refuses earlier tokens unless BADGES_PAGE_TOKEN_KEY gives each process one key."""
    store = EmbeddedAWS().start()
    env = {"BADGES_LOCAL_CREDENTIALS": str(credentials_file), "BADGES_DYNAMODB_ENDPOINT": store.endpoint,
           "BADGES_PAGE_TOKEN_KEY": "one-key-for-every-process"}
    first = LocalServer(env)
    try:
        client = Client(first.url, "brand-a", "secret-a")
        made = groups(client, 3)
        # moto keeps one state per process: a store an earlier test of this worker started (test_local_server's)
        # may hold groups of the org too, so the second page is the listing's second group, whichever it is
        listed = [g["id"] for g in client.get("/group?limit=100").body["data"]["badgeGroups"]]
        assert set(made) <= set(listed)
        token = client.get("/group?limit=1").body["data"]["nextToken"]
        from_another_process = brand_a.get("/group?limit=1").body["data"]["nextToken"]  # the session's server
    finally:
        first.stop()
    second = LocalServer(env)  # the restart
    try:
        client = Client(second.url, "brand-a", "secret-a")
        reply = client.get(f"/group?limit=1&nextToken={token}")
        assert reply.status == 200 and [g["id"] for g in reply.body["data"]["badgeGroups"]] == listed[1:2]
        assert client.get(f"/group?limit=1&nextToken={from_another_process}").body == REFUSED
    finally:
        second.stop()
        store.stop()
