"""The spec language: a schedule written as a call, parsed with ``ast``, never ``eval``.

Grammar (a subset of Python expressions)::

    spec     := call | number "*" spec | spec "*" number
    call     := NAME "(" [value ("," value)*] [NAME "=" value ("," NAME "=" value)*] ")"
    value    := call | number | string | True | False | None | "[" value, ... "]"

>>> parse("cosine(max_update=20, base_lr=0.3, final_lr=0.01, warmup_steps=5)")
cosine(max_update=20, base_lr=0.3, final_lr=0.01, warmup_steps=5)
>>> parse("join([linear(0.0, 0.3, 5), constant(0.3)], boundaries=[5])")(5)
0.3
"""

from __future__ import annotations

import ast
from typing import Any

from .base import Schedule, build
from .errors import ScheduleError


def parse(spec: str) -> Schedule:
    """The schedule that ``spec`` describes; ``parse(repr(s)) == s`` for every schedule."""
    if isinstance(spec, Schedule):
        return spec
    if not isinstance(spec, str) or not spec.strip():
        raise ScheduleError(f"a schedule spec must be a non-empty string like 'constant(0.3)', got {spec!r}")
    spec = spec.strip()  # the error messages quote source segments by their offsets in this text
    try:
        tree = ast.parse(spec, mode="eval")
    except SyntaxError as error:
        raise ScheduleError(f"malformed schedule spec {spec!r}: {error.msg} at column {error.offset}") from None
    result = _value(tree.body, spec)
    if not isinstance(result, Schedule):
        raise ScheduleError(f"malformed schedule spec {spec!r}: expected a call like 'constant(0.3)'")
    return result


def _value(node: ast.AST, spec: str) -> Any:
    if isinstance(node, ast.Call):
        return _call(node, spec)
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_value(item, spec) for item in node.elts]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        return _product(_value(node.left, spec), _value(node.right, spec), spec)
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError):
        text = ast.get_source_segment(spec, node) or ast.dump(node)
        raise ScheduleError(f"malformed schedule spec {spec!r}: {text!r} is not a number, string, list or schedule") from None


def _call(node: ast.Call, spec: str) -> Schedule:
    if not isinstance(node.func, ast.Name):
        text = ast.get_source_segment(spec, node.func)
        raise ScheduleError(f"malformed schedule spec {spec!r}: {text!r} is not a schedule name")
    if any(isinstance(arg, ast.Starred) for arg in node.args) or any(k.arg is None for k in node.keywords):
        raise ScheduleError(f"malformed schedule spec {spec!r}: * and ** are not allowed")
    names = [k.arg for k in node.keywords]
    repeated = [n for n in names if names.count(n) > 1]
    if repeated:  # ast.parse accepts f(a=1, a=2); only the compiler rejects it
        raise ScheduleError(f"{node.func.id}: argument {repeated[0]!r} given twice in {spec!r}")
    positional = tuple(_value(arg, spec) for arg in node.args)
    keywords = {k.arg: _value(k.value, spec) for k in node.keywords}
    return build(node.func.id, positional, keywords)


def _product(left: Any, right: Any, spec: str) -> Schedule:
    if isinstance(left, Schedule) and _is_number(right):
        return left * right
    if isinstance(right, Schedule) and _is_number(left):
        return right * left
    raise ScheduleError(f"malformed schedule spec {spec!r}: '*' multiplies a schedule by a number")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
