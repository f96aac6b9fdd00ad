"""End-to-end: start `python -m local_api` as `make run` does and talk to it over real HTTP."""
from __future__ import annotations

import base64
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
BASE = "/api_gateway/v1/badges"
CREDENTIALS = [
    {"username": "brand-a", "password": "secret-a", "orgId": 50156, "userId": 123},
    {"username": "brand-b", "password": "5f4dcc3b5aa765d61d8327deb882cf99", "orgId": 60000, "userId": 9},
    # the fuzzer's org for custom fields and org meta: the fields it defines bind every badge of their org
    {"username": "brand-fuzz", "password": "secret-fuzz", "orgId": 70000, "userId": 7},
]


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: dict | None


class Client:
    def __init__(self, base_url: str, username: str | None = None, password: str | None = None,
                 token: str | None = None):
        url = urlsplit(base_url)
        self.host, self.port = url.hostname, url.port
        self.auth = {"Authorization": f"Basic {base64.b64encode(f'{username}:{password}'.encode()).decode()}"} \
            if username else ({"X-CAP-API-OAUTH-TOKEN": token} if token else {})

    def request(self, method: str, path: str, body=None, headers: dict[str, str] | None = None,
                base: str = BASE) -> Reply:
        sent = {"Content-Type": "application/json", **self.auth, **(headers or {})}
        raw = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        conn = HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request(method, base + path, body=raw, headers=sent)
            response = conn.getresponse()
            data = response.read()
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()},
                         json.loads(data) if data else None)
        finally:
            conn.close()

    def get(self, path: str, **kw) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, body=None, **kw) -> Reply:
        return self.request("POST", path, body, **kw)

    def put(self, path: str, body=None, **kw) -> Reply:
        return self.request("PUT", path, body, **kw)


class LocalServer:
    """A `make run` process on a free port; its first lines say where it listens."""

    def __init__(self, env: dict[str, str]):
        full_env = {**os.environ, "PORT": "0", "PYTHONPATH": f"{ROOT / 'functions'}:{ROOT}", **env}
        full_env.pop("POWERTOOLS_METRICS_DISABLED", None)
        # Logs go to a file, not a pipe: a pipe nobody reads would fill up and stall the server.
        self.log = tempfile.NamedTemporaryFile("w+", prefix="local-api-", suffix=".log")  # noqa: SIM115
        self.process = subprocess.Popen([sys.executable, "-m", "local_api"], cwd=ROOT, env=full_env,
                                        stdout=self.log, stderr=subprocess.STDOUT, text=True)
        # The last line it prints on start, whole: the dev credential, or where the embedded AWS listens.
        last = r"dev credential: .*\n" if not env.get("BADGES_LOCAL_CREDENTIALS") else r"embedded AWS .*\n"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            printed = Path(self.log.name).read_text()
            if re.search(last, printed):
                self.lines = printed.splitlines()
                self.url = re.search(r"listening on (http://[\d.]+:\d+)/", printed).group(1)
                self.aws = re.search(r"embedded AWS \(moto\) at (http://[\d.]+:\d+):", printed).group(1)
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"local server exited early: {printed}")
            time.sleep(0.1)
        raise RuntimeError("local server did not start in time")

    def output(self) -> str:
        return Path(self.log.name).read_text()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.log.close()


@pytest.fixture(scope="session")
def credentials_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("creds") / "credentials.json"
    path.write_text(json.dumps(CREDENTIALS))
    return path


@pytest.fixture(scope="session")
def server(credentials_file):
    local = LocalServer({"BADGES_LOCAL_CREDENTIALS": str(credentials_file)})
    yield local
    local.stop()


@pytest.fixture
def brand_a(server) -> Client:
    return Client(server.url, "brand-a", "secret-a")


@pytest.fixture
def brand_b(server) -> Client:
    return Client(server.url, "brand-b", "5f4dcc3b5aa765d61d8327deb882cf99")


@pytest.fixture
def anonymous(server) -> Client:
    return Client(server.url)


_SERIAL = itertools.count()


def unique(prefix: str) -> str:
    """A value no other call returns (the clock alone can repeat itself between two calls)."""
    return f"{prefix}-{time.time_ns()}-{next(_SERIAL)}"
