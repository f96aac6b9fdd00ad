"""Property-based fuzzing of every group and badge route over HTTP, from the API's own OpenAPI document:
no 5xx, and every answer (status, content type, body) is one the document declares."""
import base64

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from local_api.openapi import build_openapi

pytestmark = pytest.mark.e2e

schema = schemathesis.openapi.from_dict(build_openapi())
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
AUTH = {"Authorization": "Basic " + base64.b64encode(b"brand-a:secret-a").decode()}


def test_every_group_and_badge_route_is_in_the_document():
    paths = build_openapi()["paths"]
    assert {(m.upper(), p) for p, ops in paths.items() for m in ops} >= {
        ("POST", "/api_gateway/v1/badges/group"), ("PUT", "/api_gateway/v1/badges/badgeMeta"),
        ("GET", "/api_gateway/v1/badges/badgeMeta"), ("PUT", "/api_gateway/v1/badges/badgeMeta/{badgeId}/activate")}


@schema.parametrize()
@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_the_api_answers_as_its_document_says(case, server):
    case.call_and_validate(base_url=server.url, headers=AUTH, checks=CHECKS)
