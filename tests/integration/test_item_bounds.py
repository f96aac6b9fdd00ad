"""The largest items a caller can make, built at every bound and measured as DynamoDB sizes them: each stays
under 400 KB, and every key under DynamoDB's key sizes."""
import json
import time

import pytest

from badges.domain import badges as badge_model
from badges.domain.claims import MAX_CLAIMS
from badges.domain.earning import MAX_REQUEST_ID
from badges.domain.enums import OwnerType
from badges.domain.fields import INT32_MAX, INT64_MAX, MAX_ID, MAX_NAME, MAX_REFERENCE, MAX_TEXT, MAX_URL
from badges.service.earning import MAX_BULK, badge_cache
from handlers import claim_badge, create_badge, create_group, earn, issue_bulk
from tests.integration.conftest import call, stored

KB = 1024
W = "\U0001d11e"  # 𝄞: four bytes in UTF-8, the most one character costs
DAY = 86_400
MIGRATION = {"X-CAP-BADGES-MIGRATION": "migration"}


def text(length: int, tail: str = "") -> str:
    """`length` characters of the widest kind, ending in `tail` (to tell values apart)."""
    return W * (length - len(tail)) + tail


def size_of(value: dict) -> int:
    """A wire value's size as the developer guide's "Item sizes and formats" counts it: strings in UTF-8 bytes,
    numbers at most 21 bytes, booleans and nulls 1 byte, and a list or map 3 bytes plus 1 byte and the size of
    each element (a map's with its name)."""
    (kind, inner), = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return min(21, (len(inner.lstrip("-").replace(".", "")) + 1) // 2 + 1)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + size_of(element) for element in inner)
    if kind == "M":
        return 3 + sum(1 + len(name.encode()) + size_of(element) for name, element in inner.items())
    if kind in ("SS", "NS"):
        return sum(size_of({kind[0]: element}) for element in inner)
    raise AssertionError(f"a type the service does not write: {kind}")


def item_size(item: dict) -> int:
    return sum(len(name.encode()) + size_of(value) for name, value in item.items())


def worst_badge() -> dict:
    now = int(time.time())
    expiry = {"expiryType": "RELATIVE", "relativeExpiryType": "DAYS", "value": 36_500}
    window = {"constraintType": "CUSTOMER_BADGE_FIXED_WINDOW", "durationType": "DAYS", "maxEarnLimit": INT32_MAX}
    return {
        "name": text(MAX_NAME), "description": text(MAX_TEXT), "startOn": now - DAY, "expiresOn": now + 90 * DAY,
        "earnedBadgeExpiry": expiry, "issuedBadgeExpiry": expiry, "earnType": "ISSUE_EARN",
        "images": [{"name": text(MAX_NAME, str(i)), "fileSvcHandle": text(MAX_URL), "url": text(MAX_URL),
                    "tag": text(MAX_NAME)} for i in range(badge_model.MAX_IMAGES)],
        "ownership": {"restrictedToOwners": [owner.value for owner in OwnerType]},
        "customerConstraints": [{**window, "refreshRate": 36_500 - i} for i in range(badge_model.MAX_CONSTRAINTS)],
        "badgeConstraints": [{**window, "constraintType": "BADGE_FIXED_WINDOW", "refreshRate": 36_500 - i}
                             for i in range(badge_model.MAX_CONSTRAINTS)],
        "benefits": [{"benefitType": "COUPON", "seriesId": INT64_MAX, "points": INT64_MAX, "programId": INT64_MAX,
                      "promotionId": INT64_MAX, "allocationStrategyId": INT64_MAX,
                      "expirationStrategyId": INT64_MAX, "defaultTillId": INT64_MAX}] * badge_model.MAX_BENEFITS,
        "tags": [{"name": text(MAX_NAME, str(i)), "value": text(MAX_NAME),
                  **{text(badge_model.MAX_FIELD_NAME, k): text(badge_model.MAX_FIELD_NAME) for k in "ab"}}
                 for i in range(badge_model.MAX_TAGS)],
        "customFields": {text(badge_model.MAX_FIELD_NAME, f"{i:02d}"): text(badge_model.MAX_CUSTOM_TEXT)
                         for i in range(badge_model.MAX_CUSTOM_FIELDS)},
        "defaultTillId": INT64_MAX, "badgeRank": -INT32_MAX - 1,
    }


@pytest.fixture
def largest(dynamodb):
    """The largest group, badge (with every claim it can keep), issue and earn a caller can make."""
    badge_cache.clear()
    status, group, _ = call(create_group, "POST", "/group", {"name": text(MAX_NAME), "rank": -INT32_MAX - 1})
    assert status == 200, group
    body = json.dumps(worst_badge(), ensure_ascii=False).encode()  # as sent, not as 12-character escapes
    status, made, _ = call(create_badge, "POST", "/badgeMeta", body, headers=MIGRATION)
    assert status == 200, made
    badge_id = made["data"]["id"]
    owners = list(OwnerType)
    for n in range(MAX_CLAIMS):
        owner = owners[n % len(owners)].value
        status, claimed, _ = call(claim_badge, "POST", f"/badgeMeta/{badge_id}/claim",
                                  {"ownerType": owner, "referenceId": text(MAX_REFERENCE, f"{n:03d}")})
        assert status == 200, claimed
    trigger = {"ownerType": "Loyalty", "referenceId": text(MAX_REFERENCE, "000")}
    status, issued, _ = call(issue_bulk, "POST", "/badgeMeta/customer/issueBulk", {
        "badgeMetaId": badge_id, "customerIds": [INT64_MAX - n for n in range(MAX_BULK)],
        "requestId": text(MAX_REQUEST_ID), "triggeredBy": trigger})  # its requestId record holds all 100 answers
    assert status == 200 and all(i["error"] is None for i in issued["data"]["issuedBadges"]), issued
    status, earned, _ = call(earn, "POST", "/customer/earn", {
        "badgeMetaId": badge_id, "customerId": INT64_MAX, "requestId": text(MAX_REQUEST_ID),
        "triggeredBy": trigger})
    assert status == 200, earned
    yield stored(dynamodb)
    badge_cache.clear()


def test_every_item_a_caller_can_make_stays_under_400_kb_and_every_key_within_its_size(largest):
    sizes = sorted(((item_size(item), item["pk"]["S"][:40], item["sk"]["S"][:20]) for item in largest), reverse=True)
    biggest = sizes[0]
    assert biggest[0] < 400 * KB, biggest
    # The badge item is the largest, and stays near half of the limit: it is written by every claim and change.
    assert "BADGE" in biggest[1] + biggest[2] and 150 * KB < biggest[0] < 256 * KB, sizes[:3]
    print(f"\nlargest items: {[(round(size / KB, 1), pk, sk) for size, pk, sk in sizes[:5]]}")
    # "Partition key: 2,048 bytes; sort key: 1,024 bytes" (developer guide, quotas for attributes).
    assert max(len(item["pk"]["S"].encode()) for item in largest) <= 2048
    assert max(len(item["sk"]["S"].encode()) for item in largest) <= 1024
    assert MAX_ID * 4 < 1024  # the longest id the API looks up fits a key too
