"""The resolver factory: every endpoint's Powertools resolver, with the envelope, the catalogue and validation."""
from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.request import Request
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from badges.api.envelope import JSON, error_body, error_response
from badges.api.jsonc import BodyRefused, parse_object, strip_comments
from badges.domain.customer_ids import HEADER, kind_of
from badges.domain.errors import BadgesError, Err, ErrorDetail
from badges.domain.fields import CODED_ERROR
from badges.domain.identity import Caller
from badges.observability import logger, metrics, traced
from badges.store.retry import invocation_budget

MAX_BODY_BYTES = 256 * 1024
_ENUM_ERRORS = {"enum", "literal_error"}
BODY_METHODS = {"POST", "PUT", "PATCH"}


def _reference(loc: tuple) -> str | None:
    """('body', 'ownership', 'restrictedToOwners', 0) -> 'ownership.restrictedToOwners[0]'."""
    path = ""
    for part in loc[1:]:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or None


def detail_of(error: dict[str, Any]) -> ErrorDetail:
    """One pydantic error as one catalogue entry, with the field path as its reference."""
    kind, loc = error["type"], tuple(error.get("loc", ()))
    reference = _reference(loc)
    if kind == CODED_ERROR:
        return ErrorDetail(error["ctx"]["code"], error["msg"], reference)
    if kind == "json_invalid":
        return ErrorDetail.of(Err.MALFORMED_JSON, message=f"Malformed JSON body: {error.get('ctx', {}).get('error')}")
    if kind == "missing":
        return ErrorDetail.of(Err.FIELD_REQUIRED, reference or loc[0] if loc else None)
    if kind in _ENUM_ERRORS:
        return ErrorDetail.of(Err.INVALID_ENUM, reference, f"Invalid enum value: {error['msg']}")
    return ErrorDetail.of(Err.INVALID_VALUE, reference, f"Invalid value: {error['msg']}")


def _envelope(status: int, details: list[ErrorDetail], headers: dict[str, str] | None = None,
              data: Any = None) -> Response:
    return Response(status_code=status, content_type=JSON, body=error_body(details, data), headers=headers)


def _refuse_body(event: dict[str, Any]) -> dict[str, Any] | None:
    """413 or 415 before any parsing, so a wrong body is never half read. Media types are case-insensitive, and
    any `+json` type is JSON (RFC 6839)."""
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    content_type = (headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type and content_type != JSON and not content_type.endswith("+json"):
        return error_response(415, [ErrorDetail.of(Err.UNSUPPORTED_MEDIA_TYPE, "Content-Type")])
    if len(event.get("body") or "") > MAX_BODY_BYTES:
        return error_response(413, [ErrorDetail.of(Err.BODY_TOO_LARGE)])
    return None


def _as_json(event: dict[str, Any], text: str) -> dict[str, Any]:
    """The event with its body as plain JSON text and one Content-Type the validation below reads as JSON."""
    headers = {k: v for k, v in (event.get("headers") or {}).items() if k.lower() != "content-type"}
    multi = {k: v for k, v in (event.get("multiValueHeaders") or {}).items() if k.lower() != "content-type"}
    return {**event, "body": text, "isBase64Encoded": False, "headers": {**headers, "Content-Type": JSON},
            "multiValueHeaders": {**multi, "Content-Type": [JSON]}}


def _body_text(event: dict[str, Any], arrays: bool = False) -> str:
    """The body as JSON text, decoded from base64 if API Gateway sent it so, without the comments the spec's
    examples carry (a caller copying them gets what it meant), and checked to be a JSON object the API reads."""
    body = event["body"]
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(body).decode("utf-8")
        except (ValueError, UnicodeDecodeError) as exc:
            raise BodyRefused(True, "The body is not UTF-8 text") from exc
    text = strip_comments(body)
    parse_object(text, arrays)
    return text


class BadgesResolver(APIGatewayRestResolver):
    array_body = False  # the import's body is a JSON array of items

    def resolve(self, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        if event.get("httpMethod") in BODY_METHODS:
            refused = _refuse_body(event)
            if refused:
                return refused
            if event.get("body"):
                try:
                    event = _as_json(event, _body_text(event, self.array_body))
                except BodyRefused as exc:
                    err = Err.MALFORMED_JSON if exc.malformed else Err.INVALID_VALUE
                    return error_response(400, [ErrorDetail.of(err, None if exc.malformed else "body", str(exc))])
        # Powertools keeps the current event on its BaseRouter class, shared by every resolver of the process: one
        # invocation at a time in Lambda, but the local server runs instances side by side in threads, where one
        # would read another's event (and answer with its earn). Kept on this resolver, it shadows the shared one.
        self.current_event = self._to_proxy_event(event)
        self.lambda_context = context
        return super().resolve(event, context)


def build_resolver(array_body: bool = False) -> BadgesResolver:
    """A resolver whose every answer, refusal and fault is an envelope with a catalogue code; with `array_body`,
    its route reads a JSON array instead of an object."""
    app = BadgesResolver(enable_validation=True)
    app.array_body = array_body

    @app.exception_handler(BadgesError)
    def on_badges_error(exc: BadgesError) -> Response:
        return _envelope(exc.status, exc.details, exc.headers, exc.data)

    @app.exception_handler(RequestValidationError)
    def on_invalid_request(exc: RequestValidationError) -> Response:
        return _envelope(400, [detail_of(error) for error in exc.errors()])

    @app.not_found
    def on_not_found(_: NotFoundError) -> Response:
        return _envelope(404, [ErrorDetail.of(Err.NOT_FOUND, "path")])

    @app.exception_handler(Exception)
    def on_fault(exc: Exception) -> Response:
        correlation_id = app.current_event.request_context.request_id
        logger.exception("unexpected fault", extra={"correlation_id": correlation_id})
        message = f"Internal error; correlation id {correlation_id}"
        return _envelope(500, [ErrorDetail.of(Err.INTERNAL, message=message)])

    return app


def current_caller(request: Request) -> Caller:
    """The org and user the authorizer vouched for; never read from the body."""
    context = request.resolved_event.request_context.authorizer or {}
    try:
        return Caller(org_id=int(context["orgId"]), user_id=int(context["userId"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise BadgesError(Err.UNAUTHORIZED) from exc


def customer_identifier(request: Request) -> str | None:
    """The identifier type X-CAP-CUSTOMER-IDENTIFIER names (email, mobile, externalId or cardNumber, in any case),
    None without it; 1062 for another value."""
    headers = {name.lower(): value for name, value in (request.headers or {}).items()}
    return kind_of(headers.get(HEADER.lower()))


def migration_mode(request: Request) -> bool:
    """Whether the caller sent X-CAP-BADGES-MIGRATION: migration, which admits past start dates."""
    headers = {name.lower(): value for name, value in (request.headers or {}).items()}
    return (headers.get("x-cap-badges-migration") or "").strip().lower() == "migration"


def entrypoint(app: BadgesResolver) -> Callable[[dict, LambdaContext], dict]:
    """The Lambda entry point for a resolver, with structured logs, a trace and metrics flushed per call; its
    DynamoDB retries end in time for a 503 to be answered before the function times out."""

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    @metrics.log_metrics
    @traced
    def lambda_handler(event: dict, context: LambdaContext) -> dict:
        with invocation_budget(context):
            return app.resolve(event, context)

    return lambda_handler
