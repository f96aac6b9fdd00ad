"""The data layout that functions/badges/README.md writes down, against the keys the service really stores.

Black box: groups, custom fields, org meta, badges, claims, issues, earns, revokes and customer identifiers go
through the handlers on moto; then the table is scanned, and every stored key must fit a row of the documented
layout, and every documented row (each sort key form of it) must be met by a stored key."""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from badges.service.earning import badge_cache
from handlers import (
    claim_badge,
    create_badge,
    create_custom_field,
    create_group,
    create_org_meta,
    earn,
    issue_bulk,
    put_customer_identifiers,
    revoke_earn,
)
from tests.integration.conftest import call, stored

ROOT = Path(__file__).resolve().parents[2]
DESIGN = ROOT / "functions" / "badges" / "README.md"
DAY = 86_400
MIGRATION = {"X-CAP-BADGES-MIGRATION": "migration"}
OWNER = {"ownerType": "Loyalty", "referenceId": "123"}


def documented_layout() -> list[tuple[str, re.Pattern, re.Pattern]]:
    """Each (item, pk form, sk form) of the Data layout table; a `<placeholder>` stands for a key part (no `#`),
    or for any text where a caller's text goes in whole (a name, a requestId, an identifier's value)."""
    text = DESIGN.read_text()
    start = text.index("\n## Data layout\n")
    section = text[start:text.index("\n## ", start + 1)]
    rows = []
    for line in section.splitlines():
        if not line.startswith("| ") or line.startswith(("| item ", "|---")):
            continue
        item, pk, sk = (cell.strip() for cell in line.strip("|").rsplit(" | ", 2))
        [pk_form] = re.findall(r"`([^`]+)`", pk)
        rows += [(item, pattern(pk_form), pattern(sk_form)) for sk_form in re.findall(r"`([^`]+)`", sk)]
    return rows


FREE_TEXT = {"<name>", "<requestId>", "<normalized value>"}


def pattern(form: str) -> re.Pattern:
    return re.compile("".join((".+" if part in FREE_TEXT else "[^#]+") if part.startswith("<") else re.escape(part)
                              for part in re.split(r"(<[^>]+>)", form) if part))


@pytest.fixture(autouse=True)
def _fresh_cache():
    badge_cache.clear()
    yield
    badge_cache.clear()


def ok(answer: tuple[int, dict, dict]) -> dict:
    status, body, _ = answer
    assert status == 200 and not body.get("errors"), body
    return body["data"]


def test_the_documented_layout_is_the_stored_one(dynamodb):
    now = int(time.time())
    group = ok(call(create_group, "POST", "/group", {"name": "Gold", "rank": 1}))
    ok(call(create_custom_field, "POST", "/customField", {"name": "Terms", "dataType": "STRING"}))
    ok(call(create_org_meta, "POST", "/orgMeta", {"tags": [{"key": "Category"}]}))
    windows = {
        "customerConstraints": [
            {"constraintType": "CUSTOMER_BADGE_FIXED_VALUE", "maxEarnLimit": 5},
            {"constraintType": "CUSTOMER_BADGE_FIXED_WINDOW", "durationType": "DAYS", "refreshRate": 3,
             "maxEarnLimit": 5},
            {"constraintType": "CUSTOMER_BADGE_ROLLING_WINDOW", "maxEarnForDays": 5, "rollForDays": 7}],
        "badgeConstraints": [
            {"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": 100},
            {"constraintType": "BADGE_FIXED_WINDOW", "durationType": "DAYS", "refreshRate": 3, "maxEarnLimit": 100},
            {"constraintType": "BADGE_ROLLING_WINDOW", "rollType": "DAYS", "rollValue": 7, "maxEarnLimit": 100}]}
    common = {"startOn": now - DAY, "expiresOn": now + 60 * DAY, "earnedBadgeExpiry": {"expiryType": "NEVER"},
              "ownership": {"restrictedToOwners": ["Loyalty"]}}
    earned_badge = ok(call(create_badge, "POST", "/badgeMeta", {
        "name": "Earned", "earnType": "EARN", "badgeGroupId": group["id"], **common, **windows}, headers=MIGRATION))
    issued_badge = ok(call(create_badge, "POST", "/badgeMeta", {
        "name": "Issued", "earnType": "ISSUE_EARN", **common}, headers=MIGRATION))
    for badge in (earned_badge, issued_badge):
        ok(call(claim_badge, "POST", f"/badgeMeta/{badge['id']}/claim", OWNER))
    ok(call(issue_bulk, "POST", "/badgeMeta/customer/issueBulk",
            {"badgeMetaId": issued_badge["id"], "customers": [7], "requestId": "enrol-1"}))
    for customer, badge in ((7, issued_badge), (7, earned_badge), (8, earned_badge)):
        earned = ok(call(earn, "POST", "/customer/earn", {"badgeMetaId": badge["id"], "customerId": customer,
                                                          "requestId": f"earn-{customer}-{badge['name']}",
                                                          "triggeredBy": OWNER}))
    ok(call(revoke_earn, "POST", "/customer/revokeEarn",
            {"badgeMetaId": earned_badge["id"], "customerId": 8, "earnedBadgeId": earned["earnedBadgeId"]}))
    status, answers, _ = call(put_customer_identifiers, "PUT", "/customerIdentifiers",
                              [{"customerId": 7, "email": "ann@example.com"}])
    assert status == 200 and answers[0]["errors"] == [], answers

    keys = {(item["pk"]["S"], item["sk"]["S"]) for item in stored(dynamodb)}
    layout = documented_layout()
    assert len(layout) >= 14
    undocumented = sorted(key for key in keys if not any(pk.fullmatch(key[0]) and sk.fullmatch(key[1])
                                                         for _, pk, sk in layout))
    assert undocumented == [], "stored keys the Data layout of functions/badges/README.md does not describe"
    never_stored = [(item, pk.pattern, sk.pattern) for item, pk, sk in layout
                    if not any(pk.fullmatch(p) and sk.fullmatch(s) for p, s in keys)]
    assert never_stored == [], "rows of the Data layout no stored key matches"
    # the tally shards really are 64 partitions of the badge, and an org's keys all start with it
    shards = {pk for pk, sk in keys if sk == "T" and earned_badge["id"] in pk}
    assert {pk.rsplit("#", 1)[1] for pk in shards} <= {f"{k:02d}" for k in range(64)} and shards
    assert all(pk.startswith("ORG#100458") for pk, _ in keys)
