"""The traffic both deployments are sent: every route with the README's and the e2e suite's requests, the refusals
that take another path through a function (a full badge-wide limit, a lowered limit, a wrong secret), and the
badgeEarned pipe's batch of the earns' stream records; then the answers, made comparable across two runs."""
from __future__ import annotations

import base64
import json
import re
import time
from dataclasses import dataclass, field

from badges.routes import BASE_PATH
from tests.packaging.harness import Deployment, LocalAWS

CREDENTIALS = [{"username": "brand-a", "password": "secret-a", "orgId": 50156, "userId": 123}]
BASIC = {"Authorization": "Basic " + base64.b64encode(b"brand-a:secret-a").decode()}
LOYALTY = {"ownerType": "Loyalty", "referenceId": "123"}
MIGRATION = {"X-CAP-BADGES-MIGRATION": "migration"}
DAY = 86_400


@dataclass
class Transcript:
    """Every answer of one run, in order: (label, status, body)."""

    answers: list[tuple[str, int, object]] = field(default_factory=list)
    handlers: set[str] = field(default_factory=set)


class Caller:
    def __init__(self, deployment: Deployment, transcript: Transcript) -> None:
        self.deployment, self.transcript = deployment, transcript

    def send(self, method: str, path: str, body=None, headers: dict | None = None, *, auth: dict | None = None,
             base: str = BASE_PATH):
        sent = {"Content-Type": "application/json", **(BASIC if auth is None else auth), **(headers or {})}
        raw = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        status, _, answer = self.deployment.gateway.handle(method, base + path, {k: [v] for k, v in sent.items()},
                                                           raw)
        parsed = json.loads(answer) if answer else None
        self.transcript.answers.append((f"{method} {path}", status, parsed))
        return parsed

    def data(self, method: str, path: str, body=None, **kw) -> dict:
        answer = self.send(method, path, body, **kw)
        assert answer and answer.get("data") is not None, (method, path, answer)
        return answer["data"]


def badge(name: str, now: int, **fields) -> dict:
    return {"name": name, "startOn": now - 60, "expiresOn": now + 90 * DAY, "earnType": "EARN",
            "earnedBadgeExpiry": {"expiryType": "NEVER"}, "ownership": {"restrictedToOwners": ["Loyalty"]}, **fields}


def run(deployment: Deployment, aws: LocalAWS, badges_table: str) -> Transcript:
    """One pass of the traffic; ids flow from each run's own answers."""
    transcript = Transcript()
    call = Caller(deployment, transcript)
    now = int(time.time())

    # identity: a token, a call with it, a wrong secret, no credentials
    token = call.data("POST", "/v3/oauth/token/generate", {"key": "brand-a", "secret": "secret-a"},
                      base="", auth={})["accessToken"]
    call.send("GET", "/group", auth={"X-CAP-API-OAUTH-TOKEN": token})
    call.send("GET", "/group", auth={"Authorization": "Basic " + base64.b64encode(b"brand-a:wrong").decode()})
    call.send("GET", "/group", auth={})

    # groups
    group = call.data("POST", "/group", {"name": "GROUP_RANK_2", "rank": 2})
    call.send("POST", "/group", {"name": "GROUP_RANK_2", "rank": 2})  # 733
    call.data("POST", "/group", {"name": "GROUP_RANK_3", "rank": 3})
    page = call.data("GET", "/group?page=0&size=1&order=DESC")
    call.send("GET", f"/group?size=1&order=DESC&nextToken={page['nextToken']}")
    call.send("GET", f"/group/{group['id']}")
    call.send("PUT", f"/group/{group['id']}", {"name": "GROUP_GOLD", "rank": 5, "isActive": True})
    call.send("POST", f"/group/{group['id']}", {"name": "GROUP_RANK_59", "rank": 1})
    call.send("DELETE", f"/group/{group['id']}")  # the fallback's 405

    # badges: create (in the group), read, list, update, switch off and on
    pet = call.data("POST", "/badgeMeta", {
        "name": "Pet lover", "description": "Buy 5 pet products", "startOn": now + 3600, "expiresOn": now + 400 * DAY,
        "earnedBadgeExpiry": {"expiryType": "RELATIVE", "relativeExpiryType": "WEEKS", "value": 2},
        "ownership": {"restrictedToOwners": ["Loyalty", "Milestones"]}, "badgeGroupId": group["id"],
        "customerConstraints": [{"constraintType": "CUSTOMER_BADGE_FIXED_WINDOW", "durationType": "DAYS",
                                 "refreshRate": 3, "maxEarnLimit": 2}],
        "badgeConstraints": [{"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": 1000}], "earnType": "EARN"})
    call.send("POST", "/badgeMeta", badge("Old", now, startOn=1700000000))  # 722
    call.send("GET", f"/badgeMeta/{pet['id']}?includeStatistics=true")
    call.send("PUT", "/badgeMeta", {**badge("Pet lover", now), "id": pet["id"], "startOn": now + 3600,
                                    "name": "Pet lover 2"})
    call.send("PUT", f"/badgeMeta/{pet['id']}/deactivate")
    call.send("PUT", f"/badgeMeta/{pet['id']}/activate")

    # earning: a live badge claimed by Loyalty "123"
    five = call.data("POST", "/badgeMeta", badge("Five a day", now, customerConstraints=[
        {"constraintType": "CUSTOMER_BADGE_FIXED_VALUE", "maxEarnLimit": 2}], badgeConstraints=[
        {"constraintType": "BADGE_ROLLING_WINDOW", "rollType": "DAYS", "rollValue": 1, "maxEarnLimit": 50},
        {"constraintType": "BADGE_FIXED_WINDOW", "durationType": "DAYS", "refreshRate": 7, "maxEarnLimit": 50}]),
        headers=MIGRATION)
    call.send("POST", f"/badgeMeta/{five['id']}/claim", LOYALTY)
    listed = call.data("GET", "/badgeMeta?status=LIVE,UPCOMING&owner=Loyalty&size=1")
    call.send("GET", f"/badgeMeta?status=LIVE,UPCOMING&owner=Loyalty&size=1&nextToken={listed['nextToken']}")
    earn = {"badgeMetaId": five["id"], "customerId": 62090013, "requestId": "2132", "triggeredBy": LOYALTY}
    earned = call.data("POST", "/customer/earn", earn)
    call.send("POST", "/customer/earn", earn)  # 809, the first answer again
    bulk = call.data("POST", "/customer/earnBulk", {"badgeMetaId": five["id"], "customerIds": [1, 2, 3],
                                                    "requestId": "bulk-1", "triggeredBy": LOYALTY})
    first = bulk["earnedBadgesList"][0]
    revoke = {"badgeMetaId": five["id"], "customerId": first["customerId"], "earnedBadgeId": first["earnedBadgeId"]}
    call.send("POST", "/customer/revokeEarn", revoke)
    call.send("POST", "/customer/revokeEarn", revoke)  # 814
    call.send("GET", "/customer/62090013?badgeType=EARNED")
    call.send("GET", "/customer/62090013?badgeType=AVAILABLE&limit=20&page=0")
    call.send("GET", f"/badgeMeta/getFixedWindowDetails?badgeMetaId={five['id']}&includeEarnCount=true"
                     "&constraintType=ALL&customerId=62090013&page=0&size=30")
    call.send("GET", "/management/62090013?badgeType=EARNED&sortOn=LAST_EARNED_ON_DATE&order=DESC&size=20")
    call.send("GET", f"/management/62090013/badge/{five['id']}?includeStatistics=true")

    # a lowered badge-wide limit: the walk spreads the counts again (Query, BatchGetItem, transactions)
    call.send("PUT", "/badgeMeta", {**badge("Five a day", now), "id": five["id"], "customerConstraints": [
        {"constraintType": "CUSTOMER_BADGE_FIXED_VALUE", "maxEarnLimit": 2}], "badgeConstraints": [
        {"constraintType": "BADGE_ROLLING_WINDOW", "rollType": "DAYS", "rollValue": 1, "maxEarnLimit": 3},
        {"constraintType": "BADGE_FIXED_WINDOW", "durationType": "DAYS", "refreshRate": 7, "maxEarnLimit": 3}]},
        headers=MIGRATION)
    call.send("POST", "/customer/revokeEarn", {"badgeMetaId": five["id"], "customerId": 62090013,
                                                "earnedBadgeId": earned["earnedBadgeId"]})
    call.send("POST", f"/badgeMeta/{five['id']}/unclaim", LOYALTY)

    # a badge-wide limit of one: the second earn finds its home shard full and reads every shard (1021)
    one = call.data("POST", "/badgeMeta", badge("Only one", now, badgeConstraints=[
        {"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": 1}]), headers=MIGRATION)
    call.send("POST", f"/badgeMeta/{one['id']}/claim", LOYALTY)
    call.send("POST", "/customer/earn", {**earn, "badgeMetaId": one["id"], "requestId": "one-1"})
    call.send("POST", "/customer/earn", {**earn, "badgeMetaId": one["id"], "customerId": 5, "requestId": "one-2"})
    call.send("POST", "/customer/earnBulk", {"badgeMetaId": one["id"], "customerIds": [6, 7],
                                             "requestId": "one-bulk", "triggeredBy": LOYALTY})

    # ISSUE_EARN: earn before enrolment (811), enrol, earn, a second (1020), revoke an issue
    issue = call.data("POST", "/badgeMeta", badge(
        "Weekend explorer", now, earnType="ISSUE_EARN", ownership={"restrictedToOwners": ["Journeys"]},
        issuedBadgeExpiry={"expiryType": "RELATIVE", "relativeExpiryType": "DAYS", "value": 30},
        customerConstraints=[{"constraintType": "CUSTOMER_BADGE_FIXED_VALUE", "maxEarnLimit": 1}],
        badgeConstraints=[{"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": 1}]), headers=MIGRATION)
    journeys = {"ownerType": "Journeys", "referenceId": "j-42"}
    call.send("POST", f"/badgeMeta/{issue['id']}/claim", journeys)
    issue_earn = {"badgeMetaId": issue["id"], "customerId": 62090013, "triggeredBy": journeys}
    call.send("POST", "/customer/earn", {**issue_earn, "requestId": "early"})
    call.send("POST", "/badgeMeta/customer/issueBulk", {"badgeMetaId": issue["id"],
                                                        "customers": [62090013, 123, 124], "requestId": "enrol"})
    call.send("GET", "/customer/62090013?badgeType=AVAILABLE&limit=100")
    call.send("POST", "/customer/earn", {**issue_earn, "requestId": "earn"})
    call.send("POST", "/customer/earn", {**issue_earn, "requestId": "again"})
    call.send("POST", "/customer/earn", {**issue_earn, "customerId": 123, "requestId": "full"})
    call.send("POST", "/badgeMeta/customer/revokeIssue", {"badgeMetaId": issue["id"], "customers": [123, 124]})
    call.send("GET", f"/badgeMeta/{issue['id']}")

    # customer identifiers, and the routes naming a customer by one
    call.send("PUT", "/customerIdentifiers", [
        {"customerId": 381921157, "email": "Tom.Sawyer@Example.com", "mobile": "+91 98450-12345"},
        {"customerId": 62090013, "externalId": "crm-62090013"}])
    call.send("GET", "/customer/crm-62090013?badgeType=EARNED", headers={"X-CAP-CUSTOMER-IDENTIFIER": "externalId"})
    call.send("GET", "/management/tom.sawyer@example.com", headers={"X-CAP-CUSTOMER-IDENTIFIER": "email"})

    # import earned badges, PUT and POST
    old = call.data("POST", "/badgeMeta", badge("Since 2023", now, startOn=1672531200), headers=MIGRATION)
    item = {"badgeMetaId": old["id"], "customerId": 382442802, "earnEventDate": 1674292011,
            "earnExpiresOn": 1705828011}
    call.send("PUT", "/import/customerBadges", [item, item])
    call.send("POST", "/import/customerBadges", [{**item, "customerId": 382442803}])

    # custom fields and org meta
    made = call.data("POST", "/customField", {"name": "Terms", "isMandatory": False, "defaultValue": "See the app",
                                              "dataType": "STRING"})
    call.send("GET", "/customField?size=10&page=0&order=DESC")
    call.send("GET", f"/customField/{made['id']}")
    call.send("PUT", f"/customField/{made['id']}", {"name": "Terms", "isMandatory": False, "defaultValue": "Later",
                                                    "dataType": "STRING"})
    tags = {"orgID": "50156", "tags": [{"key": "Category", "dataType": "string", "description": "Type",
                                        "mandatory": False}]}
    call.send("POST", "/orgMeta", tags)
    call.send("GET", "/orgMeta")
    call.send("PUT", "/orgMeta", {**tags, "tags": [*tags["tags"], {"key": "Tier", "dataType": "string",
                                                                   "description": "Tier", "mandatory": False}]})

    # changes that stopped half-way (their function timed out), each on a badge no process has cached: the first
    # caller that meets one finishes it (walk the shards, spread the counts again), whatever it came to do
    org = CREDENTIALS[0]["orgId"]

    def stalled(name: str, *, claim: bool = True, **fields) -> str:
        made = call.data("POST", "/badgeMeta", badge(name, now, **{"badgeConstraints": STALLED_LIMITS, **fields}),
                         headers=MIGRATION)
        if claim:
            call.send("POST", f"/badgeMeta/{made['id']}/claim", LOYALTY)
        return made["id"]

    taken = stalled("Stalled earn")
    stall(aws, badges_table, org, taken)
    call.send("POST", "/customer/earn", {**earn, "badgeMetaId": taken, "customerId": 11, "requestId": "s-1"})
    taken = stalled("Stalled earnBulk")
    stall(aws, badges_table, org, taken)
    call.send("POST", "/customer/earnBulk", {"badgeMetaId": taken, "customerIds": [11, 12], "requestId": "s-2",
                                             "triggeredBy": LOYALTY})
    taken = stalled("Stalled issue", claim=False, earnType="ISSUE_EARN",
                    issuedBadgeExpiry={"expiryType": "RELATIVE", "relativeExpiryType": "DAYS", "value": 30})
    stall(aws, badges_table, org, taken)
    call.send("POST", "/badgeMeta/customer/issueBulk", {"badgeMetaId": taken, "customers": [11], "requestId": "s-3"})
    for method, name in (("POST", "Stalled import"), ("PUT", "Stalled import put")):
        taken = stalled(name, claim=False, startOn=1672531200)
        stall(aws, badges_table, org, taken)
        call.send(method, "/import/customerBadges", [{**item, "badgeMetaId": taken, "customerId": 11}])
    taken = stalled("Stalled revoke", badgeConstraints=[{**STALLED_LIMITS[0], "maxEarnLimit": 2}, STALLED_LIMITS[1]])
    mine = call.data("POST", "/customer/earn", {**earn, "badgeMetaId": taken, "customerId": 11, "requestId": "s-4"})
    stall(aws, badges_table, org, taken)
    call.send("POST", "/customer/revokeEarn", {"badgeMetaId": taken, "customerId": 11,
                                                "earnedBadgeId": mine["earnedBadgeId"]})
    for action in ("activate", "deactivate"):
        taken = stalled(f"Stalled {action}", claim=False)
        stall(aws, badges_table, org, taken)
        call.send("PUT", f"/badgeMeta/{taken}/{action}")
    for action in ("claim", "unclaim"):
        taken = stalled(f"Stalled {action}", claim=action == "unclaim")
        stall(aws, badges_table, org, taken)
        call.send("POST", f"/badgeMeta/{taken}/{action}", LOYALTY)

    # the badgeEarned pipe: the earns' stream records (their new images, as the stream carries them) in one batch
    records = earned_records(aws, badges_table)
    answer = deployment.functions["enrich_badge_earned"].invoke(records)
    transcript.answers.append(("enrich_badge_earned", 200, answer))
    return transcript


# A badge-wide fixed value (its counts on the tally items, read with BatchGetItem) and a fixed window (its own
# items, found with a Query a shard), both lowered by the change that stopped half-way.
STALLED_LIMITS = [{"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": 1},
                  {"constraintType": "BADGE_FIXED_WINDOW", "durationType": "DAYS", "refreshRate": 7, "maxEarnLimit": 5}]


def stall(aws: LocalAWS, table: str, org_id: int, badge_id: str) -> None:
    """What a lowering whose function timed out half-way leaves behind (store.changes): the badge flagged for a
    re-spread a minute ago, with no lease on it, and a unit counted under the old limit on shard 32, whose quota
    under the new one (1 on shard 0) is none."""
    client = aws.client("dynamodb")
    client.update_item(TableName=table, Key={"pk": {"S": f"ORG#{org_id}"}, "sk": {"S": f"BADGE#{badge_id}"}},
                       UpdateExpression="SET rebalance = :flag, lastUpdatedOn = :then REMOVE finishing",
                       ExpressionAttributeValues={":flag": {"BOOL": True}, ":then": {"N": str(int(time.time()) - 60)}})
    client.update_item(TableName=table, Key={"pk": {"S": f"ORG#{org_id}#BADGE#{badge_id}#T#32"}, "sk": {"S": "T"}},
                       UpdateExpression="ADD earned :one", ExpressionAttributeValues={":one": {"N": "1"}})


def earned_records(aws: LocalAWS, table: str) -> list[dict]:
    """INSERT records of every earned badge, as the pipe's filter passes them, in a stable order."""
    items, pages = [], aws.client("dynamodb").get_paginator("scan")
    for page in pages.paginate(TableName=table):
        items += [item for item in page["Items"] if item["sk"]["S"].startswith("EARN#")]
    items.sort(key=lambda item: (int(item["customerId"]["N"]), item.get("requestId", {}).get("S", "")))
    return [{"eventID": str(n), "eventName": "INSERT", "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
             "dynamodb": {"Keys": {"pk": item["pk"], "sk": item["sk"]}, "NewImage": item,
                          "StreamViewType": "NEW_AND_OLD_IMAGES"}}
            for n, item in enumerate(items)]


_ID = re.compile(r"(?<![0-9a-f])(?:[0-9a-f]{24}|[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12})(?![0-9a-f])")
_TOKEN_PARAMETER = re.compile(r"nextToken=[^&]*")
CENTURY = 36_525 * DAY  # NEVER expires 100 years ahead
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T[\d:.]+Z$")
_TOKENS = {"accessToken", "nextToken", "correlationId"}


def comparable(transcript: Transcript, now: float | None = None) -> list:
    """The answers with what differs between two runs by design made alike: each id becomes its order of first
    appearance (so an id used twice must be the same id twice), tokens a placeholder, and the times derived from the
    clock (within a year of now) a placeholder; fixed dates from the requests stay."""
    now = now or time.time()
    ids: dict[str, str] = {}

    def clock(value: float) -> bool:
        return any(abs(seconds - base) < 400 * DAY
                   for seconds in (value, value / 1000) for base in (now, now + CENTURY))

    def text(value: str) -> str:
        value = _TOKEN_PARAMETER.sub("nextToken=<token>", value)
        return _ID.sub(lambda m: ids.setdefault(m.group(0), f"<id{len(ids)}>"), value)

    def walk(value, key: str = ""):
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, key) for v in value]
        if key in _TOKENS and isinstance(value, str):
            return "<token>"
        if isinstance(value, (int, float)) and not isinstance(value, bool) and clock(value):
            return "<time>"
        if isinstance(value, str):
            if _ISO.match(value):
                return "<time>"
            return text(value)
        return value

    return [(text(label), status, walk(body)) for label, status, body in transcript.answers]
