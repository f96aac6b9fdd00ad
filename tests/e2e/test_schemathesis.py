"""Property-based fuzzing of every group and badge route over HTTP, from the API's own OpenAPI document:
no 5xx, and every answer (status, content type, body) is one the document declares.

One pytest test per operation, parametrized here rather than by `schema.parametrize()`: that plugin gives all of
an operation's items one node id (the function's name), and `pytest -n 2 --dist loadfile` keys its work by node
id, so it ran one operation of the 18 and never reported the rest."""
import base64

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from local_api.openapi import build_openapi

pytestmark = pytest.mark.e2e

schema = schemathesis.openapi.from_dict(build_openapi())
OPERATIONS = [result.ok() for result in schema.get_all_operations()]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
AUTH = {"Authorization": "Basic " + base64.b64encode(b"brand-a:secret-a").decode()}
# Custom fields a fuzzer defines (mandatory, without defaults) bind every badge of their org: they get an org of
# their own, as does the org meta.
OWN_ORG = ("/customField", "/orgMeta")
FUZZ_AUTH = {"Authorization": "Basic " + base64.b64encode(b"brand-fuzz:secret-fuzz").decode()}
# Valid requests and requests that break the document (wrong types, nulls, missing fields), as schemathesis'
# own run generates them; every answer is checked the same way.
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
EXAMPLES = 80


def test_every_group_and_badge_route_is_in_the_document():
    paths = build_openapi()["paths"]
    assert {(m.upper(), p) for p, ops in paths.items() for m in ops} >= {
        ("POST", "/api_gateway/v1/badges/group"), ("PUT", "/api_gateway/v1/badges/badgeMeta"),
        ("GET", "/api_gateway/v1/badges/badgeMeta"), ("PUT", "/api_gateway/v1/badges/badgeMeta/{badgeId}/activate")}


def test_every_operation_is_a_test_of_its_own():
    assert [result.ok().label for result in schema.get_all_operations()] == [op.label for op in OPERATIONS]
    assert len({op.label for op in OPERATIONS}) == len(OPERATIONS) >= 18


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_the_api_answers_as_its_document_says(operation, server):
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, print_blob=False,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
    @given(case=st.one_of([operation.as_strategy(generation_mode=mode) for mode in MODES]))
    def answers_as_documented(case):
        own = any(part in operation.path for part in OWN_ORG)
        case.call_and_validate(base_url=server.url, headers=FUZZ_AUTH if own else AUTH, checks=CHECKS)

    answers_as_documented()
