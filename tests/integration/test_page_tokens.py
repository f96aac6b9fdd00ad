"""Page tokens on moto: the key read from its secret and kept, tokens bound to org and filters, walks without one."""
import boto3
import pytest

from badges.config import PAGE_TOKEN_SECRET_ENV, settings
from badges.domain.enums import BadgeStatus
from badges.domain.page_tokens import unseal
from badges.domain.values import now
from badges.store import badges as badge_adapter
from badges.store.badges import DynamoBadgeStore
from badges.store.pagination import PageTokens
from badges.store.ports import BadgeFilters
from badges.store.retry import RetryingClient
from handlers import create_group, list_badges, list_groups
from tests.integration.conftest import call
from tests.integration.test_badge_handlers import MIGRATION, body, create

SECRET_VALUE = "generated-by-cloudformation-64-letters-and-digits"


@pytest.fixture
def secret(dynamodb, monkeypatch):
    """The page token key as the stack keeps it: a secret whose ARN the listing functions are given."""
    arn = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name="page-token-key", SecretString=SECRET_VALUE)["ARN"]
    monkeypatch.setenv(PAGE_TOKEN_SECRET_ENV, arn)
    settings.cache_clear()
    return arn


def code_of(answer: dict) -> tuple[int, str]:
    return answer["errors"][0]["code"], answer["errors"][0]["reference"]


def test_deployed_tokens_are_sealed_with_the_secret_read_once(secret):
    for i in range(3):
        call(create_group, "POST", "/group", {"name": f"G{i}", "rank": i})
    _, first, _ = call(list_groups, "GET", "/group?limit=1")
    token = first["data"]["nextToken"]
    query = {"list": "groups", "size": 1, "order": "ASC", "sortOn": "ID"}
    assert unseal(token, SECRET_VALUE.encode(), 100458, query, int(now())) \
        .startswith("GROUP#")

    boto3.client("secretsmanager", region_name="us-east-1").delete_secret(SecretId=secret,
                                                                           ForceDeleteWithoutRecovery=True)
    status, second, _ = call(list_groups, "GET", f"/group?limit=1&nextToken={token}")  # the key read is kept
    assert status == 200 and second["data"]["badgeGroups"][0]["name"] == "G1"


def test_a_token_from_another_org_or_page_size_is_1003(secret):
    for i in range(3):
        call(create_group, "POST", "/group", {"name": f"G{i}", "rank": i})
    _, first, _ = call(list_groups, "GET", "/group?limit=1")
    token = first["data"]["nextToken"]

    for query, org in ((f"?limit=1&nextToken={token}", 2), (f"?limit=2&nextToken={token}", 100458)):
        status, answer, _ = call(list_groups, "GET", "/group" + query, org=org)
        assert (status, code_of(answer)) == ((400, (1003, "nextToken")))


def test_a_badge_token_reused_with_other_filters_is_1003(dynamodb):
    for i in range(3):
        create(body(f"Upcoming {i}"))
    _, first, _ = call(list_badges, "GET", "/badgeMeta?limit=1&status=UPCOMING")
    token = first["data"]["nextToken"]

    for other in ("status=LIVE", "status=UPCOMING&earnType=EARN", "status=UPCOMING&name=up", ""):
        status, answer, _ = call(list_badges, "GET", f"/badgeMeta?limit=1&{other}&nextToken={token}")
        assert (status, code_of(answer)) == (400, (1003, "nextToken")), other
    status, _, _ = call(list_badges, "GET", f"/badgeMeta?limit=1&status=upcoming&nextToken={token}")
    assert status == 200  # the same filter, spelt as the API accepts it


def test_a_walk_inside_a_function_reads_no_key(dynamodb, monkeypatch):
    """GET /customer/{id} reads every LIVE badge: the pages never leave the function, so it needs no key."""
    made = sorted(create(body(f"Live {i}", start_in_days=-1), headers=MIGRATION)["id"] for i in range(5))
    create(body("Upcoming"))
    monkeypatch.setattr(badge_adapter, "_WALK_PAGE", 2)

    def no_key() -> bytes:
        raise AssertionError("the walk read the page token key")

    store = DynamoBadgeStore(RetryingClient(dynamodb), "test-badges", PageTokens(key=no_key))
    walked = store.all_badges(100458, BadgeFilters(status=BadgeStatus.LIVE), now())
    assert [b.id for b in walked] == made
