"""Two resolvers of one process (the local server's Lambda instances, side by side) each read their own event."""
import json

from badges.api.resolver import build_resolver
from local_api.gateway import LambdaContext, proxy_event

AUTH = {"principalId": "tester", "orgId": "1", "userId": "1"}


def test_a_resolver_reads_its_own_event_while_another_resolves_in_between():
    first, second = build_resolver(), build_resolver()

    @second.get("/api_gateway/v1/badges/second")
    def second_route() -> dict:
        return {"path": second.current_event.path}

    @first.get("/api_gateway/v1/badges/first")
    def first_route() -> dict:
        # Given another instance resolving its own event meanwhile, as a concurrent thread would
        second.resolve(proxy_event("GET", "/api_gateway/v1/badges/second", {}, None, AUTH), LambdaContext("second"))
        return {"path": first.current_event.path}

    # When the first resolves its event
    result = first.resolve(proxy_event("GET", "/api_gateway/v1/badges/first", {}, None, AUTH), LambdaContext("first"))

    # Then it answered from its own event, not the one resolved in between
    assert json.loads(result["body"]) == {"path": "/api_gateway/v1/badges/first"}
