"""The route table is the one truth: handlers serve exactly their row, the fallback answers the rest."""
import importlib
import json

import pytest

from badges.routes import BASE_PATH, ROUTES, allowed_methods, find_route


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.handler)
def test_each_handler_registers_exactly_its_route(route):
    app = importlib.import_module(f"handlers.{route.handler}").app
    registered = [(r.method, r.path.replace("<", "{").replace(">", "}"))
                  for r in app._static_routes + app._dynamic_routes]
    assert registered == [(route.method, route.full_path)]


def test_known_paths_list_their_methods_and_unknown_paths_none():
    assert allowed_methods(f"{BASE_PATH}/group") == ["GET", "POST"]
    assert allowed_methods(f"{BASE_PATH}/group/abc") == ["GET", "POST", "PUT"]
    assert allowed_methods(f"{BASE_PATH}/group/abc/extra") == []
    assert find_route("GET", f"{BASE_PATH}/group/abc").handler == "get_group"
    assert find_route("DELETE", f"{BASE_PATH}/group/abc") is None


def test_the_fallback_answers_405_with_allow_or_404_in_the_envelope():
    from handlers.fallback import lambda_handler

    not_allowed = lambda_handler({"path": f"{BASE_PATH}/group", "httpMethod": "DELETE"}, None)
    assert not_allowed["statusCode"] == 405 and not_allowed["headers"]["Allow"] == "GET, POST"
    assert json.loads(not_allowed["body"])["errors"][0]["code"] == 405
    missing = lambda_handler({"path": f"{BASE_PATH}/nothing", "httpMethod": "GET"}, None)
    assert missing["statusCode"] == 404
    assert json.loads(missing["body"]) == {
        "data": None, "errors": [{"code": 404, "message": "Resource not found", "reference": "path"}], "warnings": []}


@pytest.mark.parametrize("handler", ["earn", "earn_bulk", "issue_bulk", "import_badges", "import_badges_put"])
def test_a_route_that_records_earns_may_read_the_tally_shards(handler):
    # record_earn reads the 64 shards with BatchGetItem when the home shard is full; without the action the
    # deployed function is denied there (moto does not check IAM).
    [route] = [r for r in ROUTES if r.handler == handler]
    assert "dynamodb:BatchGetItem" in route.table_actions["badges"]
