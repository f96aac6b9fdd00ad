"""The response envelope every answer travels in: {"data": ..., "errors": [...], "warnings": [...]}."""
from __future__ import annotations

import json
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from badges.domain.errors import ErrorDetail

T = TypeVar("T")

JSON = "application/json"


class ErrorOut(BaseModel):
    code: int
    message: str
    reference: str | None = None


class Envelope(BaseModel, Generic[T]):
    data: T | None = None
    errors: list[ErrorOut] = []
    warnings: list[ErrorOut] = []


def error_body(details: list[ErrorDetail], data: Any = None) -> str:
    return json.dumps({"data": data, "errors": [d.as_dict() for d in details], "warnings": []}, separators=(",", ":"))


def error_response(status: int, details: list[ErrorDetail], headers: dict[str, str] | None = None) -> dict[str, Any]:
    """An API Gateway proxy result carrying errors, for code that answers without the resolver."""
    return {
        "statusCode": status,
        "headers": {"Content-Type": JSON, **(headers or {})},
        "body": error_body(details),
        "isBase64Encoded": False,
    }
