"""Bodies a hostile caller sends, over real HTTP: each is a 4xx in the envelope, with its code and reference, and
leaves everything as it was."""
import json
import time

import pytest

from tests.e2e.conftest import Client, unique
from tests.e2e.test_earn_concurrency import OWNER, live_badge

pytestmark = pytest.mark.e2e

DAY = 86_400
BIG = 10**38  # 39 digits: past what DynamoDB's numbers hold
# Every route that reads a body, with a path the test fills in with a live badge's id where it needs one.
BODY_ROUTES = [
    ("POST", "/group"), ("PUT", "/group/{group}"), ("POST", "/badgeMeta"), ("PUT", "/badgeMeta"),
    ("POST", "/badgeMeta/{badge}/claim"), ("POST", "/badgeMeta/{badge}/unclaim"), ("POST", "/customer/earn"),
    ("POST", "/customer/earnBulk"), ("POST", "/badgeMeta/customer/issueBulk"), ("POST", "/customer/revokeEarn"),
    ("POST", "/v3/oauth/token/generate"), ("POST", "/badgeMeta/customer/revokeIssue"),
]


def refusal(reply, status: int = 400) -> list[tuple[int, str | None]]:
    """The (code, reference) pairs of an error answer, after checking it is one: the status and the envelope."""
    assert reply.status == status, reply.body
    assert set(reply.body) == {"data", "errors", "warnings"} and reply.body["errors"], reply.body
    return [(e["code"], e["reference"]) for e in reply.body["errors"]]


def groups(client: Client) -> list[dict]:
    found, token = [], None
    while True:
        page = client.get("/group?limit=100" + (f"&nextToken={token}" if token else "")).body["data"]
        found += page["badgeGroups"]
        token = page.get("nextToken")
        if not token:
            return found


def badge_of(client: Client, badge_id: str) -> dict:
    reply = client.get(f"/badgeMeta/{badge_id}")
    assert reply.status == 200, reply.body
    return reply.body["data"]


@pytest.fixture
def world(brand_a):
    """A group and a live, claimed badge with one earn; `unchanged()` asserts both are as they were."""
    group = brand_a.post("/group", {"name": unique("g"), "rank": 1}).body["data"]
    badge_id = live_badge(brand_a)
    assert brand_a.post("/customer/earn", {"badgeMetaId": badge_id, "customerId": 5, "requestId": unique("r"),
                                           "triggeredBy": OWNER}).status == 200
    before = (groups(brand_a), badge_of(brand_a, badge_id))

    class World:
        group_id, badge = group["id"], badge_id

        @staticmethod
        def path(template: str) -> str:
            return template.format(group=group["id"], badge=badge_id)

        @staticmethod
        def unchanged() -> None:
            assert (groups(brand_a), badge_of(brand_a, badge_id)) == before

    return World


def send(client: Client, method: str, path: str, body, headers: dict | None = None):
    base = "" if path.startswith("/v3/") else None
    kwargs = {"headers": headers or {}}
    if base is not None:
        kwargs["base"] = base
    return client.request(method, path, body, **kwargs)


# ---- 1. deep nesting -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "template"), BODY_ROUTES)
@pytest.mark.parametrize("shape", ["array", "object", "inside"])
def test_a_body_nested_a_thousand_levels_is_400_on_every_route(brand_a, world, method, template, shape):
    deep = {"array": "[" * 1000 + "]" * 1000, "object": '{"a":' * 1000 + "1" + "}" * 1000,
            "inside": '{"name":"x","rank":1,"customerId":1,"extra":' + "[" * 5000 + "]" * 5000 + "}"}[shape]
    reply = send(brand_a, method, world.path(template), deep.encode())
    assert refusal(reply) == [(1002, "body")]
    assert "nested deeper than 32 levels" in reply.body["errors"][0]["message"]
    world.unchanged()


def test_a_body_nested_within_the_bound_is_read(brand_a):
    extra = "[" * 30 + "]" * 30  # 31 levels with the object around it
    name = unique("nested")
    reply = brand_a.post("/group", f'{{"name":"{name}","rank":1,"ignored":{extra}}}'.encode())
    assert reply.status == 200, reply.body
    assert [g["name"] for g in groups(brand_a) if g["name"] == name] == [name]


# ---- 2. an array (or any non-object) where an object is expected ----------------------------------------------

@pytest.mark.parametrize("body", [
    [{"name": "A-array", "rank": 1}, {"name": "B-array", "rank": 2}], [], "a string", 7, None, True])
def test_a_body_that_is_not_an_object_is_400_and_creates_nothing(brand_a, world, body):
    reply = brand_a.post("/group", json.dumps(body).encode())
    assert refusal(reply) == [(1002, "body")]
    assert not {"A-array", "B-array"} & {g["name"] for g in groups(brand_a)}
    world.unchanged()


@pytest.mark.parametrize(("method", "template"), BODY_ROUTES)
def test_an_array_body_is_400_on_every_route(brand_a, world, method, template):
    reply = send(brand_a, method, world.path(template), b'[{"name":"x","rank":1,"customerId":1}]')
    assert refusal(reply) == [(1002, "body")]
    world.unchanged()


@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_the_imports_array_body_is_bounded_like_any_other(brand_a, world, method):
    deep = ("[" * 1000 + "]" * 1000).encode()
    assert refusal(send(brand_a, method, "/import/customerBadges", deep)) == [(1002, "body")]
    for body in ({"badgeMetaId": world.badge, "customerId": 1}, "a string", 7, True):
        assert refusal(send(brand_a, method, "/import/customerBadges", json.dumps(body).encode())) == [(1002, "body")]
    item = {"badgeMetaId": world.badge, "customerId": BIG, "earnEventDate": 1}
    assert refusal(send(brand_a, method, "/import/customerBadges", json.dumps([item]).encode()))[0][0] == 1002
    world.unchanged()


# ---- 3. null where an id is expected ---------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "body", "reference"), [
    ("/customer/earn", {"customerId": None, "requestId": "n1", "triggeredBy": OWNER}, "customerId"),
    ("/customer/revokeEarn", {"customerId": None, "earnedBadgeId": "e1"}, "customerId"),
    ("/customer/earnBulk", {"customerIds": [None], "requestId": "n2", "triggeredBy": OWNER}, "customerIds[0]"),
    ("/customer/earnBulk", {"customerIds": [5, None], "requestId": "n3", "triggeredBy": OWNER}, "customerIds[1]"),
    ("/badgeMeta/customer/issueBulk", {"customers": [None], "requestId": "n4", "triggeredBy": OWNER},
     "customers[0]"),
    ("/badgeMeta/customer/issueBulk", {"customerIds": [3, None], "requestId": "n5", "triggeredBy": OWNER},
     "customerIds[1]"),
    ("/badgeMeta/customer/revokeIssue", {"customers": [None]}, "customers[0]"),
    ("/badgeMeta/customer/revokeIssue", {"revokeIssuals": [{"customerId": None, "issueId": "1"}]},
     "revokeIssuals[0].customerId"),
])
def test_a_null_customer_is_812_and_changes_nothing(brand_a, world, path, body, reference):
    reply = brand_a.post(path, {"badgeMetaId": world.badge, **body})
    assert refusal(reply) == [(812, reference)]
    world.unchanged()


# ---- 4. integers past DynamoDB's 38 digits, and 5. values that would poison a badge ----------------------------

def a_badge(**fields) -> dict:
    now = int(time.time())
    return {"name": unique("bounds"), "startOn": now + 3600, "expiresOn": now + 90 * DAY,
            "earnedBadgeExpiry": {"expiryType": "NEVER"}, "ownership": {"restrictedToOwners": ["Loyalty"]},
            "earnType": "EARN", **fields}


@pytest.mark.parametrize(("path", "body", "reference"), [
    ("/group", {"name": "big-rank", "rank": BIG}, "rank"),
    ("/group", {"name": "big-rank", "rank": -BIG}, "rank"),
    ("/customer/earn", {"customerId": BIG, "requestId": "b1", "triggeredBy": OWNER}, "customerId"),
    ("/customer/earn", {"customerId": str(BIG), "requestId": "b2", "triggeredBy": OWNER}, "customerId"),
    ("/customer/earn", {"customerId": 7, "requestId": BIG * 10**6, "triggeredBy": OWNER}, "requestId"),
    ("/customer/revokeEarn", {"customerId": BIG}, "customerId"),
    ("/customer/earnBulk", {"customerIds": [BIG], "requestId": "b3", "triggeredBy": OWNER}, "customerIds[0]"),
    ("/badgeMeta", a_badge(badgeConstraints=[{"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": 10**44}]),
     "badgeConstraints[0].maxEarnLimit"),
    ("/badgeMeta", a_badge(customerConstraints=[{"constraintType": "CUSTOMER_BADGE_FIXED_VALUE",
                                                 "maxEarnLimit": 2**31}]), "customerConstraints[0].maxEarnLimit"),
    ("/badgeMeta", a_badge(badgeRank=BIG), "badgeRank"),
    ("/badgeMeta", a_badge(benefits=[{"benefitType": "COUPON", "seriesId": 2**63}]), "benefits[0].seriesId"),
    ("/badgeMeta", a_badge(customFields={"n": BIG * 10**30}), "customFields.n"),
])
def test_an_integer_past_its_bound_is_400_with_its_reference(brand_a, world, path, body, reference):
    reply = brand_a.post(path, {"badgeMetaId": world.badge, **body})
    assert refusal(reply)[0] == (1002, reference)
    world.unchanged()
    assert "big-rank" not in {g["name"] for g in groups(brand_a)}


def test_a_customer_id_past_its_bound_in_a_path_is_400(brand_a):
    assert refusal(brand_a.get(f"/customer/{BIG}"))[0][0] == 1002


@pytest.mark.parametrize(("expiry", "reference"), [
    ({"expiryType": "RELATIVE", "relativeExpiryType": "DAYS", "value": 10**9}, "earnedBadgeExpiry.value"),
    ({"expiryType": "RELATIVE", "relativeExpiryType": "MONTHS", "value": 10**7}, "earnedBadgeExpiry.value"),
    ({"expiryType": "RELATIVE", "relativeExpiryType": "WEEKS", "value": 5_201}, "earnedBadgeExpiry.value"),
    ({"expiryType": "RELATIVE", "relativeExpiryType": "DAYS", "value": 10**45}, "earnedBadgeExpiry.value"),
])
def test_a_badge_whose_earns_would_expire_past_any_date_is_refused(brand_a, expiry, reference):
    name = unique("poison")
    reply = brand_a.post("/badgeMeta", {**a_badge(earnedBadgeExpiry=expiry), "name": name})
    assert refusal(reply)[0] == (1002, reference)
    assert brand_a.get(f"/badgeMeta?name={name}").body["data"]["metaBasicDetails"] == []


@pytest.mark.parametrize(("kind", "value", "days"), [("DAYS", 36_500, 36_500), ("MONTHS", 1_200, 36_524.25)])
def test_the_longest_relative_expiry_earns_and_expires_a_century_on(brand_a, kind, value, days):
    badge_id = live_badge(brand_a, earnedBadgeExpiry={"expiryType": "RELATIVE", "relativeExpiryType": kind,
                                                      "value": value})
    reply = brand_a.post("/customer/earn", {"badgeMetaId": badge_id, "customerId": 9, "requestId": unique("r"),
                                            "triggeredBy": OWNER})
    assert reply.status == 200, reply.body
    assert abs(reply.body["data"]["expiresOn"] - time.time() - days * DAY) < 2 * DAY


def test_a_fixed_window_longer_than_a_century_is_refused(brand_a):
    reply = brand_a.post("/badgeMeta", a_badge(customerConstraints=[{
        "constraintType": "CUSTOMER_BADGE_FIXED_WINDOW", "durationType": "DAYS", "refreshRate": 36_501,
        "maxEarnLimit": 1}]))
    assert refusal(reply)[0] == (1002, "customerConstraints[0].refreshRate")


@pytest.mark.parametrize("text", ['{"name":"nan","rank":NaN}', '{"name":"inf","rank":Infinity}',
                                  '{"name":"huge","rank":1e999}', '{"name":"long","rank":' + "9" * 5000 + "}"])
def test_numbers_json_does_not_have_are_malformed(brand_a, world, text):
    assert refusal(brand_a.post("/group", text.encode()))[0][0] == 1000
    world.unchanged()


# ---- 6. content types ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("content_type", ["Application/JSON", "APPLICATION/JSON; charset=UTF-8",
                                          "application/vnd.api+json", "application/problem+JSON"])
def test_json_media_types_are_read_in_any_case(brand_a, content_type):
    name = unique("ct")
    reply = brand_a.post("/group", {"name": name, "rank": 3}, headers={"Content-Type": content_type})
    assert reply.status == 200, reply.body
    assert [g["rank"] for g in groups(brand_a) if g["name"] == name] == [3]


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "Application/JSONX"])
def test_other_media_types_are_415(brand_a, world, content_type):
    reply = brand_a.post("/group", {"name": unique("ct"), "rank": 3}, headers={"Content-Type": content_type})
    assert refusal(reply, 415) == [(415, "Content-Type")]
    world.unchanged()


# ---- 7. booleans are not numbers -------------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "body", "reference"), [
    ("/group", {"name": "bool-rank", "rank": True}, "rank"),
    ("/customer/earn", {"customerId": True, "requestId": "t1", "triggeredBy": OWNER}, "customerId"),
    ("/customer/earn", {"customerId": 1, "requestId": True, "triggeredBy": OWNER}, "requestId"),
    ("/customer/earnBulk", {"customerIds": [False], "requestId": "t2", "triggeredBy": OWNER}, "customerIds[0]"),
    ("/customer/revokeEarn", {"customerId": True}, "customerId"),
    ("/badgeMeta", a_badge(badgeConstraints=[{"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": True}]),
     "badgeConstraints[0].maxEarnLimit"),
])
def test_a_boolean_where_a_number_belongs_is_400(brand_a, world, path, body, reference):
    reply = brand_a.post(path, {"badgeMetaId": world.badge, **body})
    assert refusal(reply)[0] == (1002, reference)
    world.unchanged()
    assert "bool-rank" not in {g["name"] for g in groups(brand_a)}


# ---- 9. sizes --------------------------------------------------------------------------------------------------

def test_a_claim_reference_past_64_characters_is_400_and_the_badge_stays_small(brand_a, world):
    for _ in range(2):  # the second of two such claims once made the badge item pass 400 KB
        reply = brand_a.post(f"/badgeMeta/{world.badge}/claim", {"ownerType": "Loyalty", "referenceId": "x" * 200_000})
        assert refusal(reply)[0] == (1002, "referenceId")
    world.unchanged()


def test_a_badge_keeps_at_most_100_owner_references(brand_a):
    badge_id = live_badge(brand_a)  # claimed once by c1
    for n in range(99):
        assert brand_a.post(f"/badgeMeta/{badge_id}/claim", {"ownerType": "Loyalty", "referenceId": f"r{n}"}) \
            .status == 200
    before = badge_of(brand_a, badge_id)
    reply = brand_a.post(f"/badgeMeta/{badge_id}/claim", {"ownerType": "Loyalty", "referenceId": "one-too-many"})
    assert refusal(reply) == [(1002, "referenceId")]
    assert badge_of(brand_a, badge_id) == before
    # a reference it keeps may claim again once it gave its claim up
    assert brand_a.post(f"/badgeMeta/{badge_id}/unclaim", {"ownerType": "Loyalty", "referenceId": "r0"}).status == 200
    assert brand_a.post(f"/badgeMeta/{badge_id}/claim", {"ownerType": "Loyalty", "referenceId": "r0"}).status == 200


@pytest.mark.parametrize(("body", "reference"), [
    ({"key": "k" * 3000, "secret": "s"}, "key"), ({"key": "brand-a", "secret": "s" * 2000}, "secret")])
def test_the_token_endpoint_bounds_its_key_and_secret(anonymous, body, reference):
    reply = anonymous.request("POST", "/v3/oauth/token/generate", body, base="")
    assert refusal(reply)[0] == (1002, reference)


@pytest.mark.parametrize(("fields", "reference"), [
    ({"description": "d" * 2001}, "description"),
    ({"name": "n" * 201}, "name"),
    ({"tags": [{"name": "t"}] * 21}, "tags"),
    ({"tags": [{"name": "t", "note": "x" * 101}]}, "tags[0]"),
    ({"tags": [{"name": "t", "a": 1, "b": 2, "c": 3}]}, "tags[0]"),
    ({"tags": [{"name": "t", "deep": {"a": 1}}]}, "tags[0]"),
    ({"customFields": {f"f{i}": i for i in range(21)}}, "customFields"),
    ({"customFields": {"text": "x" * 256}}, "customFields.text"),
    ({"customFields": {"nested": {"a": 1}}}, "customFields.nested"),
    ({"images": [{"url": "u" * 1025}]}, "images[0].url"),
    ({"images": [{"url": "u"}] * 6}, "images"),
    ({"ownership": {"restrictedToOwners": ["Loyalty"] * 21}}, "ownership.restrictedToOwners"),
    ({"badgeConstraints": [{"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": 1}] * 11}, "badgeConstraints"),
])
def test_every_badge_string_and_list_has_a_bound(brand_a, fields, reference):
    name = fields.get("name") or unique("sized")
    reply = brand_a.post("/badgeMeta", a_badge(**{**fields, "name": name}))
    assert refusal(reply)[0] == (1002, reference)
    assert brand_a.get(f"/badgeMeta?name={name[:200]}").body["data"]["metaBasicDetails"] == []


# ---- 10. huge headers ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [{"X-Huge": "a" * 100_000}, {f"X-Many-{n}": "v" for n in range(150)},
                                     {"X-Big": "a" * 11_000}])
def test_a_write_with_huge_headers_is_431_in_the_envelope_and_writes_nothing(brand_a, world, headers):
    name = unique("huge-headers")
    reply = brand_a.post("/group", {"name": name, "rank": 1}, headers=headers)
    assert reply.headers["content-type"] == "application/json"
    assert refusal(reply, 431) == [(431, None)]
    assert name not in {g["name"] for g in groups(brand_a)}
    world.unchanged()
