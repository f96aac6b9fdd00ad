"""Field types shared by request models: catalogue-coded required fields and friendly coercions."""
from __future__ import annotations

from typing import Any

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from badges.domain.errors import Err

# The pydantic error type that carries a catalogue code in its context; the resolver maps it to the envelope.
CODED_ERROR = "badges_coded"


def coded_error(err: Err, message: str | None = None) -> PydanticCustomError:
    return PydanticCustomError(CODED_ERROR, message or err.value.message, {"code": err.code})


def required(err: Err) -> AfterValidator:
    """Refuse a missing or null value with the catalogue code the spec gives for it (e.g. 732 for rank).

    Use on a field typed `X | None` with `Field(None, validate_default=True)`, so absence reaches the check.
    """

    def check(value: Any) -> Any:
        if value is None:
            raise coded_error(err)
        return value

    return AfterValidator(check)


def not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("string_blank", "Must not be blank")
    return value
