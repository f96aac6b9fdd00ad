"""An API Gateway REST API in miniature: the deployed authorizer in front of every route but the public ones,
routing by the route table, proxy events in and proxy results out, each Lambda run in its own warm instances as
Lambda scales them."""
from __future__ import annotations

import base64
import importlib.util
import itertools
import sys
import threading
import time
import traceback
import uuid
from collections import UserDict
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from badges import observability
from badges.api.envelope import error_response
from badges.domain.errors import Err, ErrorDetail
from badges.routes import AUTHORIZER_HANDLER, BASE_PATH, FALLBACK_HANDLER, ROUTES, find_route

HANDLERS_DIR = Path(__file__).resolve().parent.parent / "handlers"
STAGE = "local"
ACCOUNT = "123456789012"
REGION = "us-east-1"
API_ID = "local"


@dataclass
class LambdaContext:
    function_name: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    memory_limit_in_mb: int = 256
    function_version: str = "$LATEST"
    log_group_name: str = "local"
    log_stream_name: str = "local"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


class Function:
    """One Lambda function: a pool of instances, each a fresh import of its handler module, one call at a time."""

    _serial = itertools.count()

    def __init__(self, handler: str):
        self.handler = handler
        self._idle: list[ModuleType] = []
        self._lock = threading.Lock()

    def _new_instance(self) -> ModuleType:
        # A distinct module object per instance: a resolver keeps the current event on itself, as one
        # Lambda sandbox does, so two concurrent calls must never share one.
        spec = importlib.util.spec_from_file_location(
            f"handlers.{self.handler}__{next(self._serial)}", HANDLERS_DIR / f"{self.handler}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # pydantic resolves the handler's generic models through sys.modules
        spec.loader.exec_module(module)
        return module

    def invoke(self, event: dict) -> dict:
        with self._lock:
            instance = self._idle.pop() if self._idle else None
        instance = instance or self._new_instance()
        try:
            return instance.lambda_handler(event, LambdaContext(function_name=self.handler))
        finally:
            with self._lock:
                self._idle.append(instance)

    def warm(self) -> None:
        with self._lock:
            self._idle.append(self._new_instance())


class _PerThread(UserDict):
    """A dict of which each thread sees its own."""

    def __init__(self) -> None:  # not super().__init__: it would assign `data`, here each thread's own
        self._local = threading.local()

    @property
    def data(self) -> dict:  # type: ignore[override]
        if not hasattr(self._local, "data"):
            self._local.data = {}
        return self._local.data


def metrics_per_invocation(metrics: Any) -> None:
    """Each invocation keeps its own metrics, as each Lambda sandbox does. Powertools keeps them in dicts that every
    Metrics object of a process shares (one invocation at a time in Lambda), so side by side in threads, one
    instance flushed another's metrics, or failed flushing them while another added one (a 502). An invocation
    runs in one thread, so the dicts become one per thread."""
    for name in ("metric_set", "dimension_set", "metadata_set"):
        per_thread = _PerThread()
        setattr(metrics, name, per_thread)
        setattr(metrics.provider, name, per_thread)


class Gateway:
    """Turns an HTTP request into what API Gateway would answer: (status, headers, body)."""

    def __init__(self):
        metrics_per_invocation(observability.metrics)
        self._functions = {name: Function(name) for name in
                           [r.handler for r in ROUTES] + [FALLBACK_HANDLER, AUTHORIZER_HANDLER]}

    def warm(self) -> None:
        for function in self._functions.values():
            function.warm()

    def handle(self, method: str, raw_path: str, headers: dict[str, list[str]], body: bytes) -> tuple[int, dict, bytes]:
        path = urlsplit(raw_path).path
        route = find_route(method, path)
        if route is None and path != BASE_PATH and not path.startswith(BASE_PATH + "/"):
            return self._result(error_response(404, [ErrorDetail.of(Err.NOT_FOUND, "path")]))
        request_id = str(uuid.uuid4())
        authorizer: dict[str, Any] = {}
        if route is None or not route.public:
            policy = self._authorize(method, path, headers, request_id)
            if isinstance(policy, int):
                err = {401: Err.UNAUTHORIZED, 403: Err.FORBIDDEN, 503: Err.UNAVAILABLE}[policy]
                headers = {"Retry-After": "1"} if policy == 503 else None
                return self._result(error_response(policy, [ErrorDetail.of(err)], headers=headers))
            authorizer = {"principalId": policy.get("principalId"), **policy.get("context", {})}
        event = proxy_event(method, raw_path, headers, body, authorizer, request_id)
        handler = route.handler if route else FALLBACK_HANDLER
        try:
            return self._result(self._functions[handler].invoke(event))
        except Exception:  # a Lambda crash: API Gateway answers 502 without details; Lambda logs the error
            traceback.print_exc()
            return self._result(error_response(502, [ErrorDetail.of(Err.INTERNAL)]))

    def _authorize(self, method: str, path: str, headers: dict[str, list[str]], request_id: str) -> dict | int:
        """The deployed authorizer's answer: its policy, or the status API Gateway would give instead. As deployed,
        API Gateway caches nothing (callers send either of two headers); the authorizer keeps what it verified."""
        event = {
            "type": "REQUEST", "path": path, "httpMethod": method,
            "headers": {name: values[-1] for name, values in headers.items()},
            "methodArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/{STAGE}/{method}{path}",
            "requestContext": {"requestId": request_id, "stage": STAGE, "accountId": ACCOUNT,
                               "apiId": API_ID, "httpMethod": method, "path": path},
        }
        try:
            policy = self._functions[AUTHORIZER_HANDLER].invoke(event)
        except Exception as exc:  # "Unauthorized" is a refusal; anything else fails the authorizer (deployed: 503)
            return 401 if str(exc) == "Unauthorized" else 503
        statements = policy.get("policyDocument", {}).get("Statement", [])
        if not any(s.get("Effect") == "Allow" for s in statements):
            return 403
        return policy

    @staticmethod
    def _result(result: dict) -> tuple[int, dict, bytes]:
        headers = dict(result.get("headers") or {})
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers[name] = ", ".join(str(v) for v in values)
        raw = result.get("body") or ""
        body = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode()
        return int(result.get("statusCode", 200)), headers, body


def proxy_event(method: str, raw_path: str, headers: dict[str, list[str]], body: bytes | None,
                authorizer: dict[str, Any], request_id: str | None = None) -> dict[str, Any]:
    """The API Gateway REST proxy event for a request, with the authorizer's context as the deployed API passes it."""
    url = urlsplit(raw_path)
    route = find_route(method, url.path)
    resource = route.full_path if route else BASE_PATH + "/{proxy+}"
    query = parse_qs(url.query, keep_blank_values=True)
    path_params = _path_params(route.full_path, url.path) if route else {"proxy": url.path[len(BASE_PATH) + 1:]}
    binary = bool(body) and not _is_utf8(body)
    text = None if not body else (base64.b64encode(body).decode() if binary else body.decode("utf-8"))
    return {
        "resource": resource,
        "path": url.path,
        "httpMethod": method,
        "headers": {name: values[-1] for name, values in headers.items()},
        "multiValueHeaders": headers,
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": path_params or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource, "httpMethod": method, "path": f"/{STAGE}{url.path}", "stage": STAGE,
            "requestId": request_id or str(uuid.uuid4()), "accountId": ACCOUNT, "apiId": API_ID,
            "requestTimeEpoch": int(time.time() * 1000),
            "identity": {"sourceIp": "127.0.0.1"},
            "authorizer": authorizer,
        },
        "body": text,
        "isBase64Encoded": binary,
    }


def _path_params(template: str, path: str) -> dict[str, str]:
    return {t[1:-1]: p for t, p in zip(template.strip("/").split("/"), path.strip("/").split("/"), strict=True)
            if t.startswith("{")}


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False
