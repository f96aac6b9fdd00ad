"""Requests the local server refuses before any route sees them: huge or too many headers, a too-long URI, a
request line it cannot read. Each answer is the envelope, as JSON, never http.server's HTML page."""
from __future__ import annotations

import json
import socket
from http.client import HTTPConnection
from urllib.parse import urlsplit

import pytest

from local_api.server import MAX_HEADER_BYTES
from tests.e2e.conftest import BASE, Client, Reply

pytestmark = pytest.mark.e2e


def send(server, headers: dict[str, str], path: str = BASE + "/group") -> Reply:
    url = urlsplit(server.url)
    conn = HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, json.loads(response.read()))
    finally:
        conn.close()


def assert_refused(reply: Reply, status: int, code: int) -> None:
    assert reply.status == status
    assert reply.headers["content-type"] == "application/json"
    assert reply.body["data"] is None and reply.body["warnings"] == []
    [error] = reply.body["errors"]
    assert error["code"] == code and error["message"] and "reference" in error


def test_a_100_kb_header_is_refused_with_431_in_the_envelope(server, brand_a: Client):
    reply = send(server, {**brand_a.auth, "X-Huge": "a" * 100_000})

    assert_refused(reply, 431, 431)
    assert reply.body["errors"][0]["message"].startswith("Request header fields too large")


def test_very_many_headers_are_refused_with_431_in_the_envelope(server, brand_a: Client):
    reply = send(server, {**brand_a.auth, **{f"X-Many-{n}": "v" for n in range(150)}})

    assert_refused(reply, 431, 431)


def test_headers_over_api_gateways_10240_bytes_are_refused_as_deployed(server, brand_a: Client):
    reply = send(server, {**brand_a.auth, "X-Big": "a" * 11_000})

    assert_refused(reply, 431, 431)
    assert str(MAX_HEADER_BYTES) in reply.body["errors"][0]["message"]


def test_headers_within_the_quota_reach_the_route(server, brand_a: Client):
    reply = send(server, {**brand_a.auth, "X-Big": "a" * 9_000})

    assert reply.status == 200 and reply.body["errors"] == []


def test_a_uri_over_64_kib_is_refused_with_414_in_the_envelope(server, brand_a: Client):
    reply = send(server, brand_a.auth, path=BASE + "/group?name=" + "a" * 70_000)

    assert_refused(reply, 414, 414)


def test_a_request_line_that_is_not_http_is_refused_with_400_in_the_envelope(server):
    url = urlsplit(server.url)
    with socket.create_connection((url.hostname, url.port), timeout=30) as conn:
        conn.sendall(b"NOT A REQUEST LINE AT ALL\r\n\r\n")
        conn.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")

    assert head.startswith(b"HTTP/1.1 400 ")
    assert b"Content-Type: application/json" in head
    envelope = json.loads(body)
    assert envelope["data"] is None and [e["code"] for e in envelope["errors"]] == [1050]
