"""`make run`: the whole API on http://127.0.0.1:3000, on an embedded in-memory DynamoDB unless told otherwise."""
from __future__ import annotations

import json
import socket
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import boto3
from botocore.exceptions import ClientError

from badges.api.envelope import JSON, error_body
from badges.config import LocalSettings, configure_local_process, local_settings, settings
from badges.domain.errors import Err, ErrorDetail
from badges.service.auth import add_credential
from badges.store.credentials import credential_store
from badges.store.oauth_keys import initial_secret
from badges.store.tables import TABLES
from local_api import docs
from local_api.gateway import Gateway
from local_dynamodb.model import ModelSettings
from local_dynamodb.server import EmbeddedAWS

DEV_CREDENTIAL = {"username": "dev", "password": "badges-dev", "orgId": 100458, "userId": 1}
# API Gateway's quota on a REST API's request headers: names, values, line ends and spaces, 10,240 bytes in all.
MAX_HEADER_BYTES = 10_240
# What http.server refuses before a request reaches the gateway: a request line it cannot read, one over 64 KiB,
# a header line over 64 KiB or over 100 headers (and, here, headers over MAX_HEADER_BYTES).
REFUSED = {400: Err.MALFORMED_REQUEST, 414: Err.URI_TOO_LONG, 431: Err.REQUEST_HEADERS_TOO_LARGE}


def ensure_tables(endpoint: str) -> dict[str, str]:
    """Create every table the stack defines, if missing; returns logical name -> table name."""
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="local", aws_secret_access_key="local")
    names = {table.logical_name: f"badges-{table.logical_name}" for table in TABLES}
    for table in TABLES:
        try:
            client.create_table(**table.create_table_kwargs(names[table.logical_name]))
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceInUseException":
                raise
        if table.ttl_attribute:
            client.update_time_to_live(TableName=names[table.logical_name], TimeToLiveSpecification={
                "Enabled": True, "AttributeName": table.ttl_attribute})
    return names


def seed_credentials(cfg: LocalSettings) -> list[dict]:
    entries = json.loads(Path(cfg.credentials_file).read_text()) if cfg.credentials_file else [DEV_CREDENTIAL]
    for entry in entries:
        add_credential(credential_store(), entry["username"], entry["password"], int(entry["orgId"]),
                       int(entry["userId"]), replace=True)
    return entries


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    gateway: Gateway

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers: dict[str, list[str]] = {}
        for name, value in self.headers.items():
            headers.setdefault(name, []).append(value)
        served = docs.answer(self.command, urlsplit(self.path).path)
        status, out_headers, out_body = served or self.gateway.handle(self.command, self.path, headers, body)
        self.send_response(status)
        for name, value in out_headers.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(out_body)))
        self.end_headers()
        self.wfile.write(out_body)

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        size = sum(len(name) + len(value) + 4 for name, value in self.headers.items())  # "name: value\r\n"
        if size > MAX_HEADER_BYTES:
            self.send_error(431, explain=f"the headers take {size} bytes, over {MAX_HEADER_BYTES}")
            return False
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals in the envelope, as JSON, instead of its HTML page; the connection closes."""
        code, why = int(code), explain or message
        err = REFUSED.get(code)
        text = err.value.message if err else HTTPStatus(code).phrase
        detail = ErrorDetail(err.code if err else code, f"{text}: {why}"[:300] if why else text)
        body = error_body([detail]).encode()
        self.close_connection = True
        # A request line it could not read leaves HTTP/0.9, which answers without a status line or headers.
        self.request_version = "HTTP/1.1"
        self.send_response(code)
        self.send_header("Content-Type", JSON)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self._linger()

    def _linger(self, limit: int = 1 << 20) -> None:
        """Read what the client still sends (the rest of a long header, say) before closing: closing with it unread
        resets the connection, and the client may lose the answer it was sent."""
        self.wfile.flush()
        try:
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(1)
            while limit > 0 and (chunk := self.connection.recv(65536)):
                limit -= len(chunk)
        except OSError:
            pass

    def __getattr__(self, name: str):
        # Every method goes to the gateway, which answers the ones no route has with the fallback's 405.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def log_message(self, format: str, *args) -> None:  # one access line per request, on stderr
        sys.stderr.write(json.dumps({"access": format % args, "client": self.client_address[0]}) + "\n")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default of 5 resets connections under a burst of concurrent callers

    def handle_error(self, request, client_address) -> None:
        """A client that went away before its answer was written (a closed tab, a timed-out curl) is one line on
        stderr, as an access line is; anything else keeps socketserver's traceback."""
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError):  # BrokenPipeError, ConnectionResetError, ConnectionAbortedError
            super().handle_error(request, client_address)
            return
        sys.stderr.write(json.dumps({"closed": f"the client closed the connection early ({type(error).__name__})",
                                     "client": client_address[0]}) + "\n")


def ensure_oauth_secret(endpoint: str) -> None:
    """The OAuth signing-key secret, as the stack creates it, in the embedded Secrets Manager."""
    client = boto3.client("secretsmanager", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="local", aws_secret_access_key="local")
    try:
        client.create_secret(Name=settings().oauth_secret_id, SecretString=initial_secret())
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceExistsException":
            raise


def serve(cfg: LocalSettings) -> None:
    model = ModelSettings(contention=cfg.contention, hold_seconds=cfg.hold_ms / 1000,
                          item_write_units_per_second=cfg.item_write_units)
    embedded = EmbeddedAWS(model).start().endpoint  # DynamoDB (unless external) and Secrets Manager
    endpoint = cfg.dynamodb_endpoint or embedded
    configure_local_process(ensure_tables(endpoint), endpoint, embedded, cfg.authorizer_cache_ttl)
    ensure_oauth_secret(embedded)
    credentials = seed_credentials(cfg)
    gateway = Gateway()
    gateway.warm()
    handler = type("Handler", (_Handler,), {"gateway": gateway})
    server = _Server((cfg.host, cfg.port), handler)
    host, port = server.server_address[:2]
    contention = (f"contention on: writes hold items {cfg.hold_ms:g} ms, {cfg.item_write_units:g} write units/s an item"
                  if cfg.contention else "contention off")
    store = f"embedded in-memory DynamoDB (moto, {contention})" if cfg.dynamodb_endpoint is None else endpoint
    print(f"Badges API listening on http://{host}:{port}/api_gateway/v1/badges  (store: {store})", flush=True)
    print(f"docs: http://{host}:{port}/docs (Swagger UI; the OpenAPI document at /openapi.json)", flush=True)
    print(f"embedded AWS (moto) at {embedded}: e.g. .venv/bin/badges-admin rotate-oauth-key --endpoint-url "
          f"{embedded} --region us-east-1 --secret-id {settings().oauth_secret_id}", flush=True)
    if not cfg.credentials_file:
        dev = credentials[0]
        print(f"dev credential: {dev['username']}:{dev['password']} (orgId {dev['orgId']}, userId {dev['userId']})"
              f"  e.g. curl -u {dev['username']}:{dev['password']} http://{host}:{port}/api_gateway/v1/badges/group",
              flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main() -> None:
    serve(local_settings())
