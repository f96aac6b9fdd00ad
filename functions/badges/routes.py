"""The route table: one row per endpoint Lambda, read by the CDK stack and the local server alike."""
from __future__ import annotations

from dataclasses import dataclass, field

BASE_PATH = "/api_gateway/v1/badges"

# IAM has no action for a transaction: it checks each of its items as the put, update, delete or condition check
# it is, so routes declare those.
# The walk after a definition change (store.changes): each tally shard told by an UpdateItem, and for a lowered
# limit the shards' counters read (BatchGetItem, Query) and moved (transactions of updates, a check on the badge).
WALK = ("dynamodb:UpdateItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:ConditionCheckItem")
# Reading a badge, then updating its definition at that version; a rename moves its name lock, and a group
# named by the badge is checked in the same transaction.
BADGE_UPDATE = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", *WALK)
# A claim or an unclaim: the badge read and updated, then the walk.
CLAIM = ("dynamodb:GetItem", *WALK)
# Switching a badge on or off: the badge read and updated, then the walk.
SWITCH = ("dynamodb:GetItem", *WALK)
# An issue or an earn: the badge (and the customer's issue) read, then one transaction of puts, counter
# updates and condition checks; a refused request reads its first answer back.
# An earn's transaction, and the reads of the 64 tally shards it makes when its home shard is full (BatchGetItem).
# A lowering that stopped half-way is finished by the first earn, issue or import that meets it: the walk.
EARN = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem",
        "dynamodb:BatchGetItem", *WALK)


@dataclass(frozen=True)
class Route:
    """An HTTP method and path served by one Lambda, and the table actions that Lambda may perform."""

    method: str
    path: str  # relative to `base`, API Gateway template syntax: /group/{groupId}
    handler: str  # module under functions/handlers exposing lambda_handler
    table_actions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # logical table -> actions
    base: str = BASE_PATH
    public: bool = False  # no authorizer: the route itself checks credentials (the OAuth token endpoint)
    reads_oauth_key: bool = False  # may read the OAuth signing keys' secret
    reads_page_token_key: bool = False  # hands out and takes nextToken, so may read the page token key's secret
    transactions: bool = False  # calls TransactWriteItems (IAM checks its items as the actions above)

    @property
    def full_path(self) -> str:
        return self.base + self.path


ROUTES: tuple[Route, ...] = (
    Route("POST", "/v3/oauth/token/generate", "generate_token", {"credentials": ("dynamodb:GetItem",)}, base="",
          public=True, reads_oauth_key=True),
    Route("POST", "/group", "create_group", {"badges": ("dynamodb:PutItem",)}, transactions=True),
    Route("GET", "/group", "list_groups", {"badges": ("dynamodb:Query",)}, reads_page_token_key=True),
    Route("GET", "/group/{groupId}", "get_group", {"badges": ("dynamodb:GetItem",)}),
    Route("PUT", "/group/{groupId}", "update_group",
          {"badges": ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem")}, transactions=True),
    # Capillary's reference page names POST for a group update, its OpenAPI export PUT: both are served.
    Route("POST", "/group/{groupId}", "update_group_post",
          {"badges": ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem")}, transactions=True),
    Route("POST", "/badgeMeta", "create_badge",
          {"badges": ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:ConditionCheckItem", "dynamodb:UpdateItem")},
          transactions=True),
    Route("PUT", "/badgeMeta", "update_badge", {"badges": BADGE_UPDATE}, transactions=True),
    Route("GET", "/badgeMeta", "list_badges", {"badges": ("dynamodb:Query", "dynamodb:BatchGetItem")},
          reads_page_token_key=True),
    Route("GET", "/badgeMeta/{badgeId}", "get_badge", {"badges": ("dynamodb:GetItem", "dynamodb:BatchGetItem")}),
    Route("PUT", "/badgeMeta/{badgeId}/activate", "activate_badge", {"badges": SWITCH}, transactions=True),
    Route("PUT", "/badgeMeta/{badgeId}/deactivate", "deactivate_badge", {"badges": SWITCH}, transactions=True),
    Route("POST", "/badgeMeta/{badgeId}/claim", "claim_badge", {"badges": CLAIM}, transactions=True),
    Route("POST", "/badgeMeta/{badgeId}/unclaim", "unclaim_badge", {"badges": CLAIM}, transactions=True),
    Route("POST", "/badgeMeta/customer/issueBulk", "issue_bulk", {"badges": EARN}, transactions=True),
    Route("POST", "/customer/earn", "earn", {"badges": EARN}, transactions=True),
    Route("POST", "/customer/earnBulk", "earn_bulk", {"badges": EARN}, transactions=True),
    # the earned badge found (Query), the badge read (GetItem), its tallies read for a version or an excess; a
    # lowering that stopped half-way is finished by the first revoke that meets it (the walk)
    Route("POST", "/customer/revokeEarn", "revoke_earn",
          {"badges": ("dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:GetItem", "dynamodb:BatchGetItem", *WALK)},
          transactions=True),
    # the four routes that read X-CAP-CUSTOMER-IDENTIFIER resolve it with one GetItem (they all read items already)
    Route("GET", "/customer/{customerId}", "get_customer_badges",
          {"badges": ("dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:GetItem")}),
    # Our extension: the org's customer identifier directory, each customer's identifiers put in one transaction.
    Route("PUT", "/customerIdentifiers", "put_customer_identifiers", {"badges": ("dynamodb:PutItem",)},
          transactions=True),
    # An org's custom fields are one item, rewritten at the version read.
    Route("POST", "/customField", "create_custom_field", {"badges": ("dynamodb:GetItem", "dynamodb:PutItem")}),
    Route("GET", "/customField", "list_custom_fields", {"badges": ("dynamodb:GetItem",)}),
    Route("GET", "/customField/{customFieldId}", "get_custom_field", {"badges": ("dynamodb:GetItem",)}),
    Route("PUT", "/customField/{customFieldId}", "update_custom_field",
          {"badges": ("dynamodb:GetItem", "dynamodb:PutItem")}),
    Route("POST", "/orgMeta", "create_org_meta", {"badges": ("dynamodb:PutItem",)}),
    Route("GET", "/orgMeta", "get_org_meta", {"badges": ("dynamodb:GetItem",)}),
    Route("PUT", "/orgMeta", "update_org_meta", {"badges": ("dynamodb:GetItem", "dynamodb:PutItem")}),
    Route("GET", "/badgeMeta/getFixedWindowDetails", "get_fixed_window_details",
          {"badges": ("dynamodb:GetItem", "dynamodb:BatchGetItem")}),
    Route("GET", "/management/{customerId}", "get_customer_badge_list",
          {"badges": ("dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:GetItem")}),
    Route("GET", "/management/{customerId}/badge/{badgeId}", "get_customer_badge_details",
          {"badges": ("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query")}),
    # Reads the badge and each customer's issue, then one transaction per customer: the issue and its tally shard.
    Route("POST", "/badgeMeta/customer/revokeIssue", "revoke_issue",
          {"badges": ("dynamodb:GetItem", "dynamodb:UpdateItem")}, transactions=True),
    # An import item is an earn (EARN).
    Route("POST", "/import/customerBadges", "import_badges", {"badges": EARN},
          transactions=True),
    Route("PUT", "/import/customerBadges", "import_badges_put", {"badges": EARN},
          transactions=True),
)

# Answers every method and path no route claims: 404 for an unknown path, 405 for a known path.
FALLBACK_HANDLER = "fallback"
# The Lambda REQUEST authorizer in front of every method; it reads the credentials table only.
AUTHORIZER_HANDLER = "authorizer"
AUTHORIZER_TABLE_ACTIONS = {"credentials": ("dynamodb:GetItem",)}
AUTHORIZER_READS_OAUTH_KEY = True


def function_id(handler: str) -> str:
    """The stable CamelCase construct id of a handler's function: create_group -> CreateGroup."""
    return "".join(part.capitalize() for part in handler.split("_"))


def route_paths() -> list[str]:
    """Every distinct full path the API serves, in table order."""
    return list(dict.fromkeys(route.full_path for route in ROUTES))


def _matches(template: str, path: str) -> bool:
    """Whether a concrete path fits an API Gateway template such as /group/{groupId}."""
    want, got = template.strip("/").split("/"), path.strip("/").split("/")
    return len(want) == len(got) and all(
        (w.startswith("{") and w.endswith("}") and g) or w == g for w, g in zip(want, got, strict=True))


def resource_paths() -> list[str]:
    """Every API Gateway resource the routes make under the base path, parents included: where the fallback
    answers the methods no route claims."""
    paths = [BASE_PATH]
    for route in ROUTES:
        segments = route.path.strip("/").split("/")
        paths += [route.base + "/" + "/".join(segments[:depth]) for depth in range(1, len(segments) + 1)]
    return list(dict.fromkeys(p for p in paths if p.startswith(BASE_PATH)))


def resource_of(path: str) -> str | None:
    """The resource API Gateway picks for a path: of those that fit, the one with the most literal segments
    (/badgeMeta/customer beats /badgeMeta/{badgeId})."""
    candidates = resource_paths() + [r.full_path for r in ROUTES if not r.full_path.startswith(BASE_PATH)]
    fitting = [r for r in candidates if _matches(r, path)]
    return max(fitting, key=lambda r: [not part.startswith("{") for part in r.split("/")], default=None)


def allowed_methods(path: str) -> list[str]:
    """The methods the API serves at a concrete path; empty when no route has that path."""
    resource = resource_of(path)
    return sorted({route.method for route in ROUTES if route.full_path == resource})


def find_route(method: str, path: str) -> Route | None:
    resource = resource_of(path)
    return next((r for r in ROUTES if r.method == method and r.full_path == resource), None)
