"""The API's OpenAPI document, merged from the routes' own resolvers (Powertools builds one per Lambda).

Every operation is given the error answers it can really return, in the envelope, instead of Powertools'
default 422 (this API answers 400), so a schema-driven client or fuzzer sees what the code does.
"""
from __future__ import annotations

import importlib
import json
import sys
from typing import Any

from badges.api.envelope import ErrorOut
from badges.routes import ROUTES

ERROR_ENVELOPE = {
    "type": "object",
    "required": ["data", "errors", "warnings"],
    "properties": {
        "data": {"type": "null"},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/ErrorOut"}},
        "warnings": {"type": "array"},
    },
}
# What any route may answer besides 200; 404 and 405 also come from API Gateway and the fallback function.
ERRORS = {
    "400": "Invalid input or a broken rule; every problem is listed with its field reference",
    "401": "Missing or wrong credentials",
    "403": "The credentials may not do this",
    "404": "Not found in the caller's org, or no such route",
    "405": "The path exists, but not with this method",
    "413": "Request body too large",
    "415": "The body is not JSON",
    "500": "Unexpected fault; the message carries a correlation id",
    "503": "DynamoDB is busy; retry after Retry-After seconds",
}


def build_openapi() -> dict[str, Any]:
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "Badges API", "version": "1.0.0",
                 "description": "Capillary's Badges API, served serverless. Every answer is an envelope."},
        "paths": {},
        "components": {"schemas": {"ErrorOut": ErrorOut.model_json_schema(), "ErrorEnvelope": ERROR_ENVELOPE},
                       "securitySchemes": {"basicAuth": {"type": "http", "scheme": "basic"}}},
        "security": [{"basicAuth": []}],
    }
    for route in ROUTES:
        app = importlib.import_module(f"handlers.{route.handler}").app
        document = json.loads(app.get_openapi_json_schema())
        for path, operations in document["paths"].items():
            for operation in operations.values():
                operation["responses"] = _responses(operation["responses"])
                if "requestBody" in operation:
                    operation["requestBody"]["required"] = False  # an absent body is answered, as a 400
            merged["paths"].setdefault(path, {}).update(operations)
        for name, schema in document.get("components", {}).get("schemas", {}).items():
            if name not in ("HTTPValidationError", "ValidationError"):
                merged["components"]["schemas"][name] = schema
    return merged


def _responses(generated: dict[str, Any]) -> dict[str, Any]:
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}}
    answers = {code: answer for code, answer in generated.items() if code != "422"}
    return answers | {code: {"description": text, **error} for code, text in ERRORS.items()}


if __name__ == "__main__":
    json.dump(build_openapi(), sys.stdout, indent=2)
