"""An in-memory AWS (moto: DynamoDB, Secrets Manager) served on loopback, answering one request at a time.

moto is not thread-safe, so the server serializes every request behind one lock, the way DynamoDB serializes
writes to an item, while the app code that calls it still runs concurrently in the API's threads.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from werkzeug.serving import BaseWSGIServer, make_server


class _Serialized:
    def __init__(self, app):
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        with self._lock:
            return list(self._app(environ, start_response))


class EmbeddedMoto:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access line per DynamoDB call
        app = _Serialized(DomainDispatcherApplication(create_backend_app))
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="embedded-dynamodb", daemon=True)

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> EmbeddedMoto:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()
