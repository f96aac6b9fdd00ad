"""The API's OpenAPI document, merged from the routes' own resolvers (Powertools builds one per Lambda).

Every operation is given the error answers its route can really return, in the envelope, instead of Powertools'
default 422 (this API answers 400), so a schema-driven client or fuzzer sees what the code does. What a route
answers follows from the route table (behind the authorizer or not, a body method or not) and from the catalogue
entries its handler raises beyond 400 (REFUSALS); the gateway's own answers apply to every route.
"""
from __future__ import annotations

import functools
import importlib
import json
import sys
from typing import Any

from badges.api.envelope import ErrorOut
from badges.api.resolver import BODY_METHODS
from badges.domain.errors import Err
from badges.routes import ROUTES, Route
from badges.service.auth import OAUTH_HEADER

ERROR_ENVELOPE = {
    "type": "object",
    "required": ["data", "errors", "warnings"],
    "properties": {
        # null, but for a repeated requestId (809): its data is the first request's answer
        "data": {"anyOf": [{"type": "null"}, {"type": "object"}],
                 "description": "null; for 809 (a requestId used before), the first request's answer"},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/ErrorOut"}},
        "warnings": {"type": "array"},
    },
}
SECURITY_SCHEMES = {
    "basicAuth": {"type": "http", "scheme": "basic",
                  "description": "A credential's username and secret (`make run` prints the dev one)."},
    "oauthToken": {"type": "apiKey", "in": "header", "name": OAUTH_HEADER.upper(),  # the header the authorizer reads
                   "description": "The accessToken of POST /v3/oauth/token/generate, good for an hour."},
}
EITHER_SCHEME = [{"basicAuth": []}, {"oauthToken": []}]  # one or the other, as the authorizer accepts

# The catalogue entries a handler raises whose status is not 400, beyond what every route answers.
REFUSALS: dict[str, tuple[Err, ...]] = {
    "generate_token": (Err.UNAUTHORIZED,),  # a wrong key or secret, checked by the route itself
    "get_group": (Err.GROUP_NOT_FOUND,),
    "update_group": (Err.GROUP_NOT_FOUND,),
    "update_group_post": (Err.GROUP_NOT_FOUND,),
    "create_badge": (Err.GROUP_NOT_FOUND,),  # badgeGroupId
    "update_badge": (Err.BADGE_NOT_FOUND, Err.GROUP_NOT_FOUND),
    "get_badge": (Err.BADGE_NOT_FOUND,),
    "activate_badge": (Err.BADGE_NOT_FOUND,),
    "deactivate_badge": (Err.BADGE_NOT_FOUND,),
    "claim_badge": (Err.BADGE_NOT_FOUND,),
    "unclaim_badge": (Err.BADGE_NOT_FOUND,),
    "issue_bulk": (Err.BADGE_NOT_FOUND,),
    "earn": (Err.BADGE_NOT_FOUND, Err.ISSUE_REQUIRED, Err.NOT_CLAIMED_BY_TRIGGER),
    "earn_bulk": (Err.BADGE_NOT_FOUND, Err.NOT_CLAIMED_BY_TRIGGER),  # a customer's own refusal is in a 200
    "revoke_earn": (Err.NO_ACTIVE_EARN,),
    "get_custom_field": (Err.CUSTOM_FIELD_NOT_FOUND,),
    "update_custom_field": (Err.CUSTOM_FIELD_NOT_FOUND,),
    "create_org_meta": (Err.ORG_META_EXISTS,),
    "get_org_meta": (Err.ORG_META_NOT_FOUND,),
    "update_org_meta": (Err.ORG_META_NOT_FOUND,),
    "get_fixed_window_details": (Err.BADGE_NOT_FOUND,),
    "get_customer_badge_details": (Err.BADGE_NOT_FOUND,),
    "revoke_issue": (Err.BADGE_NOT_FOUND,),  # a customer without an issue: its error is in its result, in a 200
}
ANSWERS = {
    "400": "Invalid input or a broken rule; every problem is listed with its field reference",
    "401": "Missing or wrong credentials: Basic or X-CAP-API-OAUTH-TOKEN, checked by the authorizer",
    "403": "Refused by AWS WAF (deployed, with the wafEnabled context flag)",
    "413": "Request body too large (over 256 KiB)",
    "414": "Request URI too long (deployed: a method ARN over 1,600 bytes; locally: a request line over 64 KiB)",
    "415": "The body is not JSON",
    "429": "Throttled by API Gateway (deployed only); retry after Retry-After seconds",
    "431": "Request headers too large: over 10,240 bytes in all, a line over 64 KiB or over 100 headers",
    "500": "Unexpected fault; the message carries a correlation id",
    "502": "The function failed outside its own error handling",
    "503": "DynamoDB is busy, or the credentials could not be checked in time; retry after Retry-After seconds",
    "504": "The function did not answer within API Gateway's integration timeout (deployed only)",
}
DESCRIPTION = """Capillary's Badges API, served serverless. Every answer is an envelope:
`{"data": ..., "errors": [{"code", "message", "reference"}], "warnings": []}`.

Every route but `POST /v3/oauth/token/generate` needs one of two credentials: **Basic** (a credential's username
and secret) or the **X-CAP-API-OAUTH-TOKEN** header (the `accessToken` that the token route gives for the same
username and secret). A path no route has answers 404; a method a path does not have answers 405 with `Allow`."""


def statuses_of(route: Route) -> dict[str, str]:
    """Every status the route can answer besides 200, with what it means there."""
    answers = {"400": ANSWERS["400"]}
    if not route.public:
        answers["401"] = ANSWERS["401"]
    answers["403"] = ANSWERS["403"]
    refused: dict[str, list[str]] = {}
    for err in REFUSALS.get(route.handler, ()):
        refused.setdefault(str(err.status), []).append(err.value.message)
    answers |= {status: "; ".join(messages) for status, messages in refused.items()}
    if route.method in BODY_METHODS:
        answers |= {"413": ANSWERS["413"], "415": ANSWERS["415"]}
    answers |= {status: ANSWERS[status] for status in ("414", "429", "431", "500", "502", "503", "504")}
    return dict(sorted(answers.items()))


def tag_of(route: Route) -> str:
    """The section of the API reference (functions/handlers/README.md) the route is in."""
    if route.public:
        return "OAuth"
    if route.handler in ("claim_badge", "unclaim_badge"):
        return "Claims"
    if route.handler in ("issue_bulk", "revoke_issue") or route.path.startswith(("/customer", "/import")):
        return "Issuing and earning"
    if route.path.startswith(("/customField", "/orgMeta")):
        return "Custom fields and org meta"
    return "Groups" if route.path.startswith("/group") else "Badges"


@functools.cache
def _document() -> str:
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "Badges API", "version": "1.0.0", "description": DESCRIPTION},
        "paths": {},
        "components": {"schemas": {"ErrorOut": ErrorOut.model_json_schema(), "ErrorEnvelope": ERROR_ENVELOPE},
                       "securitySchemes": SECURITY_SCHEMES},
        "security": EITHER_SCHEME,
    }
    for route in ROUTES:
        module = importlib.import_module(f"handlers.{route.handler}")
        document = json.loads(module.app.get_openapi_json_schema())
        for path, operations in document["paths"].items():
            for operation in operations.values():
                # "POST /api_gateway/v1/badges/group: create a badge group." -> "Create a badge group."
                summary = module.__doc__.split(": ", 1)[-1].strip()
                operation["summary"] = summary[:1].upper() + summary[1:]
                operation["operationId"], operation["tags"] = route.handler, [tag_of(route)]
                operation["responses"] = _responses(operation["responses"], statuses_of(route))
                operation["security"] = [] if route.public else EITHER_SCHEME
                if "requestBody" in operation:
                    operation["requestBody"]["required"] = False  # an absent body is answered, as a 400
            merged["paths"].setdefault(path, {}).update(operations)
        for name, schema in document.get("components", {}).get("schemas", {}).items():
            if name not in ("HTTPValidationError", "ValidationError"):
                merged["components"]["schemas"][name] = schema
    return json.dumps(merged)


def build_openapi() -> dict[str, Any]:
    """The document, built once a process (each handler's resolver is imported for it); a fresh copy per call."""
    return json.loads(_document())


def _responses(generated: dict[str, Any], statuses: dict[str, str]) -> dict[str, Any]:
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}}
    answers = {code: answer for code, answer in generated.items() if code != "422"}
    return answers | {code: {"description": text, **error} for code, text in statuses.items()}


if __name__ == "__main__":
    json.dump(build_openapi(), sys.stdout, indent=2)
