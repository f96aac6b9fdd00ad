"""Field types shared by request models: catalogue-coded required fields and friendly coercions."""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field
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


# ---- bounds: every number, string and list a caller sends has one (functions/handlers/README.md, "Bounds") ----

INT32_MAX = 2**31 - 1  # counts, ranks, limits: Java ints, as Capillary's services hold them
INT64_MAX = 2**63 - 1  # customer ids and benefit ids: Java longs
MAX_ID = 64  # a badge, group or earned-badge id (ours are 24 characters)
MAX_NAME = 200
MAX_TEXT = 2_000  # a description
MAX_REFERENCE = 64  # an owner's referenceId (Capillary's are program and journey ids)
MAX_URL = 1_024


def _not_bool(value: Any) -> Any:
    """JSON's true is not 1: pydantic's lax mode would take it as a number."""
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "Input should be a valid integer, not a boolean")
    return value


def bounded_int(low: int, high: int) -> Any:
    """An integer within [low, high] that refuses booleans; wrap in `| None` for an optional field."""
    return Annotated[int, BeforeValidator(_not_bool), Field(ge=low, le=high)]


Int32 = bounded_int(-INT32_MAX - 1, INT32_MAX)
Count = bounded_int(0, INT32_MAX)
Long = bounded_int(0, INT64_MAX)
Text = Annotated[str, Field(max_length=MAX_TEXT)]
Id = Annotated[str, Field(max_length=MAX_ID)]
