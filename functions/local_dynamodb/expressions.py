"""Expressions: an expression string is read once, not on every use (moto reads it three times per action).

Models nothing new: "Using expressions in DynamoDB" (developer guide) says what an UpdateExpression or a
ConditionExpression means, and moto still decides it. moto lexes a condition and parses an update expression each
time it meets one: when the handler validates a transaction, when the engine checks its conditions, and when it
applies an update; a service sends the same few expression strings with different values. Here the part that
depends on the string alone is kept, keyed by the string:

- a condition's tokens (moto's lexer output, immutable named tuples; each use gets its own sequence of them, so
  moto's parser, which consumes the sequence, then resolves names and values per call exactly as before);
- an update expression's syntax tree, before names and values are resolved: moto's validator works on its own
  copy of the tree, and everything else only reads it. The copy is made from the tree's pickle, kept beside it
  (the same objects as a deep copy, about 5 times faster).

A malformed expression raises as before, every time (errors are not kept).
"""
from __future__ import annotations

import copy
import pickle
from collections import deque
from functools import lru_cache
from typing import Any

from moto.dynamodb.comparisons import ConditionExpressionParser
from moto.dynamodb.parsing import validators
from moto.dynamodb.parsing.ast_nodes import UpdateExpression
from moto.dynamodb.parsing.expressions import UpdateExpressionParser

KEPT = 4096  # distinct expression strings kept

_moto_lex = ConditionExpressionParser._lex_condition_expression
_moto_make = UpdateExpressionParser.make.__func__  # type: ignore[attr-defined]


@lru_cache(maxsize=KEPT)
def condition_tokens(expression: str) -> tuple[ConditionExpressionParser.Node, ...]:
    return tuple(_moto_lex(ConditionExpressionParser(expression, None, None)))


_trees: dict[str, UpdateExpression] = {}
_pickles: dict[int, tuple[UpdateExpression, bytes]] = {}  # id of a kept tree -> the tree and its pickle


def update_tree(expression: str) -> UpdateExpression:
    tree = _trees.get(expression)
    if tree is None:
        tree = _moto_make(UpdateExpressionParser, expression)
        if len(_trees) >= KEPT:  # forgotten all at once: only the strings in use come back
            _trees.clear()
            _pickles.clear()
        _trees[expression] = tree
        _pickles[id(tree)] = tree, pickle.dumps(tree, pickle.HIGHEST_PROTOCOL)
    return tree


def _validators_deepcopy(value: Any, memo: dict | None = None) -> Any:
    kept = _pickles.get(id(value))
    if kept is not None and kept[0] is value:
        return pickle.loads(kept[1])
    return copy.deepcopy(value, memo)


def _lex(self: ConditionExpressionParser) -> deque:
    return deque(condition_tokens(self.condition_expression))


def _make(cls: type, expression: str) -> UpdateExpression:
    return update_tree(expression) if cls is UpdateExpressionParser else _moto_make(cls, expression)


def install() -> None:
    ConditionExpressionParser._lex_condition_expression = _lex  # type: ignore[method-assign]
    UpdateExpressionParser.make = classmethod(_make)  # type: ignore[method-assign,assignment]
    validators.deepcopy = _validators_deepcopy  # type: ignore[attr-defined]
