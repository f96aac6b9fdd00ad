"""The embedded AWS of `make run` and the tests: moto's server on loopback, DynamoDB behind the local model.

The loopback address serves any caller (the AWS CLI, `badges-admin`, another process). This process's own clients
do not need the socket: botocore's `before-send` event lets a handler answer a request instead of sending it, the
way moto's in-process mock does, so a request to the embedded address from a client of boto3's default session is
answered by calling the same WSGI app in the caller's thread. The model and its rules see the same request either
way; only the HTTP round trip (and its two ends' CPU) is saved.
"""
from __future__ import annotations

import io
import logging
import sys
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

import boto3
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from werkzeug.exceptions import InternalServerError
from werkzeug.serving import BaseWSGIServer, make_server

from local_dynamodb.model import LocalDynamoDB, ModelSettings

_log = logging.getLogger("local_dynamodb")


class EmbeddedAWS:
    """moto (DynamoDB, Secrets Manager, ...) served on a free loopback port, in threads of this process, and to
    this process's boto3 clients without a socket."""

    def __init__(self, settings: ModelSettings | None = None, host: str = "127.0.0.1", port: int = 0, **model_kw):
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access line per DynamoDB call
        self.model = LocalDynamoDB(DomainDispatcherApplication(create_backend_app), settings, **model_kw)
        self._server: BaseWSGIServer = make_server(host, port, self.model, threaded=True,
                                                   request_handler=MotoRequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="embedded-aws", daemon=True)
        self._in_process = InProcess(self.endpoint, self.model)

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> EmbeddedAWS:
        self._thread.start()
        boto3._get_default_session().events.register("before-send", self._in_process)
        return self

    def stop(self) -> None:
        boto3._get_default_session().events.unregister("before-send", self._in_process)
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()


class InProcess:
    """botocore's `before-send` handler: a request to `endpoint` is answered by the WSGI `app` in this thread."""

    def __init__(self, endpoint: str, app: Callable):
        url = urlsplit(endpoint)
        self._endpoint = endpoint
        self._server = {"SERVER_NAME": url.hostname or "127.0.0.1", "SERVER_PORT": str(url.port or 80)}
        self._app = app

    def __call__(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse | None:
        if request.url != self._endpoint and not request.url.startswith(self._endpoint + "/"):
            return None  # another endpoint: botocore sends it
        environ = self._environ(request)
        try:
            status, headers, body = _answer(self._app, environ)
        except Exception:  # as werkzeug's server answers an app that raised: a 500, the traceback on stderr
            _log.exception("Error on request %s %s", request.method, request.url)
            status, headers, body = _answer(InternalServerError(), environ)
        return AWSResponse(request.url, int(status.split(" ", 1)[0]), dict(headers), _Raw(body))

    def _environ(self, request: AWSPreparedRequest) -> dict[str, Any]:
        """The WSGI environ a server would make of the request (PEP 3333)."""
        url = urlsplit(request.url)
        body = request.body or b""
        if hasattr(body, "read"):
            body = body.read()
        if isinstance(body, str):
            body = body.encode()
        environ: dict[str, Any] = {"HTTP_HOST": url.netloc}
        for name, value in request.headers.items():
            key = name.upper().replace("-", "_")
            if key == "CONTENT_LENGTH":
                continue  # the body's own, below
            environ[key if key == "CONTENT_TYPE" else "HTTP_" + key] = \
                value.decode() if isinstance(value, bytes) else value
        environ.update({
            "REQUEST_METHOD": request.method, "SCRIPT_NAME": "", "PATH_INFO": unquote(url.path) or "/",
            "QUERY_STRING": url.query, "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_LENGTH": str(len(body)), "RAW_URI": url.path + (f"?{url.query}" if url.query else ""),
            "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
            **self._server,
        })
        return environ


def _answer(app: Callable, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """A WSGI app's answer: status line, headers and the whole body."""
    started: list = []
    body = b"".join(app(environ, lambda status, headers, exc_info=None: started.extend([status, headers])))
    return started[0], started[1], body


class _Raw(io.BytesIO):
    """A response body as urllib3 would hand it to botocore."""

    def stream(self, **_: Any):
        yield self.getvalue()
