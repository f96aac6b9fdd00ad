"""The embedded AWS of `make run` and the tests: moto's server on loopback, DynamoDB behind the local model."""
from __future__ import annotations

import logging
import threading

from werkzeug.serving import BaseWSGIServer, make_server

from local_dynamodb.model import LocalDynamoDB, ModelSettings


class EmbeddedAWS:
    """moto (DynamoDB, Secrets Manager, ...) served on a free loopback port, in threads of this process."""

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

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> EmbeddedAWS:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()
