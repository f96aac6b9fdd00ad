"""Request bodies as JSON: comments dropped as the spec's own examples need, then read strictly and bounded."""
from __future__ import annotations

import json


def strip_comments(text: str) -> str:
    """`text` without its // and /* */ comments outside strings; anything else is left for the JSON parser."""
    if "/" not in text:
        return text
    out: list[str] = []
    i, n, in_string = 0, len(text), False
    while i < n:
        char = text[i]
        if in_string:
            out.append(char)
            if char == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
            out.append(char)
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end == -1 else end
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            out.append(" ")
            i = n if end == -1 else end + 2
            continue
        else:
            out.append(char)
        i += 1
    return "".join(out)


MAX_DEPTH = 32  # the deepest body the API defines is 4 levels


class BodyRefused(ValueError):
    """Why a body is not one this API reads: not JSON, too deep, or not an object."""

    def __init__(self, malformed: bool, message: str):
        super().__init__(message)
        self.malformed = malformed


def _finite(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise ValueError(f"number out of range: {text[:40]}")
    return number


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def parse_object(text: str, arrays: bool = False) -> dict | list:
    """The body as a JSON object (with `arrays`, an array instead), read strictly: no NaN or Infinity, no number
    beyond a float, no nesting deeper than MAX_DEPTH (Python's parser would otherwise recurse until it fails);
    BodyRefused otherwise."""
    try:
        value = json.loads(text, parse_float=_finite, parse_constant=_no_constant)
    except RecursionError as exc:
        raise BodyRefused(False, f"The body is nested deeper than {MAX_DEPTH} levels") from exc
    except ValueError as exc:  # JSONDecodeError, and integers past Python's 4,300 digits
        raise BodyRefused(True, f"Malformed JSON body: {exc}") from exc
    if not isinstance(value, list if arrays else dict):
        raise BodyRefused(False, "The body must be a JSON array" if arrays else "The body must be a JSON object")
    if _deeper_than(value, MAX_DEPTH):
        raise BodyRefused(False, f"The body is nested deeper than {MAX_DEPTH} levels")
    return value


def _deeper_than(value: object, most: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > most:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
