"""GET /docs, Swagger UI from the swagger-ui-dist npm package (nothing from a CDN), and GET /openapi.json."""
from __future__ import annotations

import functools
import json
from pathlib import Path

from badges.api.envelope import JSON, error_body
from badges.domain.errors import Err, ErrorDetail
from local_api.openapi import build_openapi

SWAGGER_UI = Path(__file__).resolve().parents[2] / "node_modules" / "swagger-ui-dist"
ASSETS = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "favicon-32x32.png": "image/png",
    "favicon-16x16.png": "image/png",
}
# validatorUrl null: Swagger UI would otherwise send the document to an online validator.
PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Badges API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: "/openapi.json",
      dom_id: "#swagger-ui",
      deepLinking: true,
      validatorUrl: null,
      displayRequestDuration: true,
      defaultModelsExpandDepth: 0,
    });
  </script>
</body>
</html>
"""

Answer = tuple[int, dict[str, str], bytes]


def answer(method: str, path: str) -> Answer | None:
    """What the docs answer at this path; None for a path that is not theirs (the API's)."""
    if path not in ("/openapi.json", "/docs", "/docs/") and not path.startswith("/docs/"):
        return None
    if method not in ("GET", "HEAD"):
        return _refusal(405, Err.METHOD_NOT_ALLOWED, "httpMethod", {"Allow": "GET, HEAD"})
    if path == "/openapi.json":
        return 200, {"Content-Type": JSON}, _openapi()
    if path in ("/docs", "/docs/"):
        return 200, {"Content-Type": "text/html; charset=utf-8"}, PAGE.encode()
    name = path.removeprefix("/docs/")
    if name not in ASSETS:
        return _refusal(404, Err.NOT_FOUND, "path")
    if not (SWAGGER_UI / name).is_file():
        return _refusal(404, Err.NOT_FOUND, "path", message="Swagger UI is not installed: run make install")
    return 200, {"Content-Type": ASSETS[name], "Cache-Control": "max-age=3600"}, _asset(name)


@functools.cache
def _openapi() -> bytes:
    return json.dumps(build_openapi()).encode()


@functools.cache
def _asset(name: str) -> bytes:
    return (SWAGGER_UI / name).read_bytes()


def _refusal(status: int, err: Err, reference: str, headers: dict[str, str] | None = None,
             message: str | None = None) -> Answer:
    body = error_body([ErrorDetail.of(err, reference, message)]).encode()
    return status, {"Content-Type": JSON, **(headers or {})}, body
