"""The OpenAPI document and the docs page: both ways to authorize, and per route the statuses it can answer."""
import re

import jsonschema
import pytest

from badges.routes import ROUTES
from local_api import docs
from local_api.openapi import REFUSALS, build_openapi

DOCUMENT = build_openapi()
OPERATIONS = {(route.method, route.full_path): route for route in ROUTES}


def operation(route):
    return DOCUMENT["paths"][route.full_path][route.method.lower()]


def test_both_credentials_are_declared_as_the_authorizer_reads_them():
    schemes = DOCUMENT["components"]["securitySchemes"]

    assert schemes["basicAuth"] == {**schemes["basicAuth"], "type": "http", "scheme": "basic"}
    assert schemes["oauthToken"] == {**schemes["oauthToken"], "type": "apiKey", "in": "header",
                                     "name": "X-CAP-API-OAUTH-TOKEN"}


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.handler)
def test_every_route_behind_the_authorizer_takes_either_credential_and_the_token_route_none(route):
    expected = [] if route.public else [{"basicAuth": []}, {"oauthToken": []}]

    assert operation(route)["security"] == expected
    assert "401" in operation(route)["responses"]  # the token route's own answer to a wrong key or secret


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.handler)
def test_each_route_lists_the_statuses_it_can_answer(route):
    statuses = set(operation(route)["responses"])

    assert {"200", "400", "500", "503", "431"} <= statuses
    assert ({"413", "415"} <= statuses) == (route.method in ("POST", "PUT"))
    assert ("404" in statuses) == any(err.status == 404 for err in REFUSALS.get(route.handler, ()))
    assert ("409" in statuses) == any(err.status == 409 for err in REFUSALS.get(route.handler, ()))
    assert "405" not in statuses and "422" not in statuses  # 405 is for a method the path does not have


def test_the_refusals_name_only_real_handlers():
    assert set(REFUSALS) <= {route.handler for route in ROUTES}
    assert set(OPERATIONS) == {(m.upper(), p) for p, ops in DOCUMENT["paths"].items() for m in ops}


def test_the_docs_page_loads_nothing_from_outside():
    sources = re.findall(r'(?:src|href)="([^"]+)"', docs.PAGE) + re.findall(r'url: "([^"]+)"', docs.PAGE)

    assert sources and all(source.startswith("/") for source in sources)
    assert "validatorUrl: null" in docs.PAGE


def test_the_docs_serve_the_document_and_leave_the_api_alone():
    status, headers, _ = docs.answer("GET", "/openapi.json")

    assert status == 200 and headers["Content-Type"] == "application/json"
    assert docs.answer("GET", "/api_gateway/v1/badges/group") is None
    assert docs.answer("POST", "/docs")[0] == 405
    assert docs.answer("GET", "/docs/../../pyproject.toml")[0] == 404


def test_an_809_answer_with_the_first_answer_as_its_data_is_a_documented_error():
    schema = {**DOCUMENT["components"]["schemas"]["ErrorEnvelope"], "components": DOCUMENT["components"]}
    schema = {**schema, "properties": {**schema["properties"], "errors": {"type": "array"}}}
    repeated = {"data": {"badgeMetaId": "b", "earnedBadgeId": "e"},
                "errors": [{"code": 809, "message": "Request with the same requestId is not allowed.",
                            "reference": "requestId"}], "warnings": []}
    jsonschema.validate(repeated, schema)
    jsonschema.validate({**repeated, "data": None}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**repeated, "data": "text"}, schema)
