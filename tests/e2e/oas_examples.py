"""Capillary's OpenAPI exports as test data: each operation's example requests and responses, and a shape check."""
from __future__ import annotations

import difflib
import json
import re
from pathlib import Path
from typing import Any

import yaml

from badges.api.jsonc import strip_comments

OAS = Path(__file__).resolve().parents[1] / "fixtures" / "oas"  # copies of ../shared/spec/oas


def _value(example: Any) -> Any:
    """An example's value: YAML as written, or a JSON string (comments allowed, as the pages write them); None
    for an empty one or one that is not JSON (a few carry placeholders such as `"orgId": orgId`)."""
    if isinstance(example, str):
        try:
            return json.loads(strip_comments(example).strip() or "null")
        except json.JSONDecodeError:
            return None
    return example


def operation(name: str) -> tuple[str, str, dict]:
    """(method, path, operation) of the one operation `<name>.yaml` documents."""
    document = yaml.safe_load((OAS / f"{name}.yaml").read_text())
    [(path, operations)] = document["paths"].items()
    [(method, op)] = ((m, o) for m, o in operations.items() if m in ("get", "post", "put", "delete"))
    return method.upper(), path, op


def requests(name: str) -> list[Any]:
    """The operation's example request bodies, or else the bodies of its curl samples (some exports carry only
    those)."""
    op = operation(name)[2]
    content = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    return [_value(example["value"]) for example in content.get("examples", {}).values()] or [
        json.loads(m.group(1)) for sample in op.get("x-readme", {}).get("code-samples", [])
        if (m := re.search(r"--data '(.*)'", sample["code"], re.DOTALL))]


def responses(name: str, status: str = "200") -> list[Any]:
    """The operation's example answers for `status`, empty ones left out."""
    content = operation(name)[2]["responses"].get(status, {}).get("content", {}).get("application/json", {})
    values = [_value(example.get("value")) for example in content.get("examples", {}).values()]
    return [value for value in values if value]


def examples(operation_file: str) -> list[tuple[Any, Any]]:
    """(request body, 200 answer) pairs of the operation in `operation_file`, paired in order, the last of the
    shorter list filling in; None where the operation has no example."""
    name = operation_file.removesuffix(".yaml")
    bodies, answers = requests(name) or [None], responses(name) or [None]
    return [(bodies[min(i, len(bodies) - 1)], answers[min(i, len(answers) - 1)])
            for i in range(max(len(bodies), len(answers)))]


def examples_by_name(operation_file: str) -> list[tuple[Any, Any]]:
    """(request body, 200 answer) per request example, the answer being the one whose example name is nearest the
    request's; a request given only as a RAW_BODY default (the import's) is one example."""
    _, _, op = operation(operation_file.removesuffix(".yaml"))
    content = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    bodies = {name: _value(example["value"]) for name, example in content.get("examples", {}).items()}
    raw = content.get("schema", {}).get("properties", {}).get("RAW_BODY", {}).get("default")
    if raw is not None:
        bodies["RAW_BODY"] = _value(raw)
    answers = {name: _value(example["value"]) for name, example in
               op["responses"]["200"]["content"]["application/json"]["examples"].items()}

    def nearest(name: str) -> str:
        return max(answers, key=lambda answer: difflib.SequenceMatcher(None, name.lower(), answer.lower()).ratio())

    return [(body, answers[nearest(name)]) for name, body in bodies.items()]


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), "null")


# Maps whose keys are the caller's data (an org's custom field names), not the API's shape.
FREE_MAPS = {"customFields"}


def assert_same_shape(example: Any, actual: Any, where: str = "") -> None:
    """Every key of the example is in the answer with the same JSON type, recursively; a null in the example
    says nothing about the type, a list's items are compared with the answer's first item, and the keys of
    FREE_MAPS are the caller's own."""
    if example is None:
        return
    assert _kind(actual) == _kind(example), f"{where or 'the answer'}: {_kind(actual)} where the example has " \
                                            f"{_kind(example)} ({actual!r:.80})"
    if isinstance(example, dict) and where.rpartition(".")[2] not in FREE_MAPS:
        for key, value in example.items():
            assert key in actual, f"{where or 'the answer'} has no {key!r} (it has {sorted(actual)})"
            assert_same_shape(value, actual[key], f"{where}.{key}" if where else key)
    elif isinstance(example, list) and example and actual:
        assert_same_shape(example[0], actual[0], f"{where}[0]")
