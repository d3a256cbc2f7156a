"""Declarative checks for schedule arguments.

A schedule declares each argument with :func:`param`, naming a check. The base class
runs the checks once, in ``__post_init__``: each check coerces the value (an int
rate becomes a float, a list becomes a tuple) or raises :class:`ScheduleError` with
the schedule, the argument, the value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Callable

from .errors import ScheduleError

Check = Callable[[Any], Any]


def param(check: Check, default: Any = dataclasses.MISSING) -> Any:
    """A dataclass field whose value is coerced and validated by ``check``."""
    return dataclasses.field(default=default, metadata={"check": check})


class Invalid(Exception):
    """Raised by a check: its text says what is allowed."""


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Invalid("must be a number")
    value = float(value)
    if not math.isfinite(value):
        raise Invalid("must be finite")
    return value


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise Invalid("must be an integer")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) and not hasattr(value, "__index__"):
        raise Invalid("must be an integer")
    return int(value)


def bounded(convert: Check, allowed: Callable[[Any], bool], requirement: str, doc: str) -> Check:
    """A check that converts a value (``_number`` or ``_integer``), then tests ``allowed``."""

    def check(value: Any) -> Any:
        value = convert(value)
        if not allowed(value):
            raise Invalid(requirement)
        return value

    check.__doc__ = doc
    return check


rate = bounded(_number, lambda v: v >= 0, "must be >= 0", "A learning rate: a finite float >= 0.")
positive = bounded(_number, lambda v: v > 0, "must be > 0", "A finite float > 0.")
factor = bounded(_number, lambda v: 0 < v <= 1, "must be in (0, 1]", "A decay factor in (0, 1].")
fraction = bounded(_number, lambda v: 0 < v < 1, "must be in (0, 1)", "A fraction in (0, 1).")
at_least_one = bounded(_number, lambda v: v >= 1, "must be >= 1", "A finite float >= 1 (a multiplier that never shrinks).")
steps = bounded(_integer, lambda v: v >= 0, "must be an integer >= 0", "A step count: an integer >= 0.")
positive_steps = bounded(_integer, lambda v: v >= 1, "must be an integer >= 1", "A step count: an integer >= 1.")


def real(value: Any) -> float:
    """Any finite float."""
    return _number(value)


def flag(value: Any) -> bool:
    """True or False (not 0 or 1: a spec says what it means)."""
    if not isinstance(value, bool):
        raise Invalid("must be True or False")
    return value


def optional(check: Check) -> Check:
    """``None`` or a value that passes ``check``."""

    def optional_check(value: Any) -> Any:
        return None if value is None else check(value)

    optional_check.__doc__ = f"None or {check.__doc__}"
    return optional_check


def one_of(*choices: str) -> Check:
    """One of the given strings."""

    def one_of_check(value: Any) -> str:
        if value not in choices:
            raise Invalid(f"must be one of {', '.join(repr(c) for c in choices)}")
        return value

    return one_of_check


def sequence_of(check: Check, *, increasing: bool = False, nonempty: bool = True) -> Check:
    """A non-empty list of values that pass ``check``, optionally strictly increasing."""

    def sequence_check(value: Any) -> tuple:
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            raise Invalid("must be a list")
        items = []
        for i, item in enumerate(value):
            try:
                items.append(check(item))
            except Invalid as error:
                raise Invalid(f"item {i} ({item!r}) {error}") from None
        if nonempty and not items:
            raise Invalid("must not be empty")
        if increasing and any(b <= a for a, b in zip(items, items[1:])):
            raise Invalid("must be strictly increasing")
        return tuple(items)

    return sequence_check


def schedule(value: Any):
    """A schedule (or its dict form)."""
    from .base import Schedule, from_dict

    if isinstance(value, dict):
        try:
            return from_dict(value)
        except ScheduleError as error:
            # So that the message names the outer schedule and argument too.
            raise Invalid(str(error)) from None
    if not isinstance(value, Schedule):
        raise Invalid("must be a schedule")
    return value


def fail(schedule_name: str, argument: str, value: Any, allowed: str) -> ScheduleError:
    """The error for one bad argument, worded the same way everywhere."""
    return ScheduleError(f"{schedule_name}: {argument}={value!r} is invalid: {allowed}")
