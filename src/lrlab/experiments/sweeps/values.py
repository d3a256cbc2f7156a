"""A parameter's values: :class:`Param`, read from a list, a range or a log range (or, for random search, an
interval to draw from), with the rounding of generated values and the check that they are distinct."""

from __future__ import annotations

import dataclasses
import difflib
import math
import random
from typing import Any

from .errors import SweepProblem

SPEC_KEYS = ("log", "range", "n", "step")
DIGITS = 4
"""The significant digits of generated values (log ranges, n-spaced ranges, random draws)."""
EXAMPLE = '[0.0, 0.9], { range = [0, 10], step = 2 } or { log = [0.01, 1.0], n = 9 }'


@dataclasses.dataclass(frozen=True)
class Param:
    """One swept parameter: its path, and its values, or (random search) an interval to draw from.

    >>> Param("momentum", values=(0.0, 0.9)).draw(random.Random(0))
    0.9
    """

    path: str
    steps: tuple[tuple[str, int | None], ...] = ()
    """Below ``schedule``: (argument, list index or None) per step; () for a training setting."""
    values: tuple = ()
    low: float = 0.0
    high: float = 0.0
    log: bool = False
    step: Any = None
    """TPE only: a range's step, kept in the interval it draws from."""

    def draw(self, rng: random.Random) -> Any:
        u = rng.random()
        if self.values:
            return self.values[int(u * len(self.values))]
        if self.log:
            return _round(math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low))))
        if isinstance(self.low, int) and isinstance(self.high, int):
            return self.low + int(u * (self.high - self.low + 1))
        return _round(self.low + u * (self.high - self.low))


def _values(spec: Any, key: str, search: str, path: str, steps: tuple) -> Param:
    """The parameter ``spec`` describes: a list, a range or a log range."""
    if isinstance(spec, list):
        return Param(path, steps, _distinct(spec, key))
    if not isinstance(spec, dict):
        raise SweepProblem(key, f"{spec!r} is invalid: must be a list of values, a range or a log range, e.g. {EXAMPLE}")
    for name in spec:
        if name not in SPEC_KEYS:
            close = difflib.get_close_matches(name, SPEC_KEYS, n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise SweepProblem(f"{key}.{name}", f"unknown key{hint} (known: {', '.join(SPEC_KEYS)})")
    if ("log" in spec) == ("range" in spec):
        raise SweepProblem(key, f"must have one of log or range, e.g. {EXAMPLE}")
    low, high = _ends(spec, "log" if "log" in spec else "range", key)
    if "log" in spec:
        return _log_range(spec, low, high, key, search, path, steps)
    return _linear_range(spec, low, high, key, search, path, steps)


def _ends(spec: dict[str, Any], kind: str, key: str) -> tuple[Any, Any]:
    ends = spec[kind]
    if not isinstance(ends, list) or len(ends) != 2 or not all(_is_number(end) for end in ends):
        raise SweepProblem(f"{key}.{kind}", f"{ends!r} is invalid: must be two numbers [low, high], e.g. [0.01, 1.0]")
    low, high = ends
    if not low < high:
        raise SweepProblem(f"{key}.{kind}", f"{ends!r} is invalid: the first end must be below the second")
    if kind == "log" and low <= 0:
        raise SweepProblem(f"{key}.{kind}", f"{ends!r} is invalid: a log range needs ends > 0")
    return low, high


def _log_range(spec: dict[str, Any], low: float, high: float, key: str, search: str, path: str, steps: tuple) -> Param:
    """``n`` values from ``low`` to ``high``, each ``(high / low) ** (1 / (n - 1))`` times the last.

    >>> _log_range({"n": 5}, 0.01, 1.0, "k", "grid", "p", ()).values
    (0.01, 0.03162, 0.1, 0.3162, 1.0)
    """
    if "step" in spec:
        raise SweepProblem(f"{key}.step", "a log range takes n (its number of values), not step")
    if search == "tpe":  # TPE draws from the interval; n, if given, is a grid's
        _integer(spec.get("n", 2), 2, f"{key}.n")
        return Param(path, steps, low=float(low), high=float(high), log=True)
    if "n" not in spec:
        if search == "random":
            return Param(path, steps, low=float(low), high=float(high), log=True)
        raise SweepProblem(f"{key}.n", "missing: a grid needs the number of values, e.g. { log = [0.01, 1.0], n = 9 }")
    n = _integer(spec["n"], 2, f"{key}.n")
    values = [float(low)] + [_round(low * (high / low) ** (i / (n - 1))) for i in range(1, n - 1)] + [float(high)]
    return Param(path, steps, _distinct(values, key, n))


def _linear_range(spec: dict[str, Any], low: Any, high: Any, key: str, search: str, path: str, steps: tuple) -> Param:
    """``low, low + step, ...`` up to ``high``, or ``n`` evenly spaced values (integers where they all are).

    >>> _linear_range({"step": 2}, 0, 10, "k", "grid", "p", ()).values
    (0, 2, 4, 6, 8, 10)
    >>> _linear_range({"n": 3}, 10, 30, "k", "grid", "p", ()).values
    (10, 20, 30)
    >>> p = _linear_range({"step": 2}, 0, 10, "k", "tpe", "p", ())
    >>> p.values, p.low, p.high, p.step
    ((), 0, 10, 2)
    """
    if "step" in spec and "n" in spec:
        raise SweepProblem(key, "give step or n, not both")
    if "step" in spec:
        step = spec["step"]
        if not _is_number(step) or step <= 0:
            raise SweepProblem(f"{key}.step", f"{step!r} is invalid: must be a number > 0")
    if search == "tpe":  # TPE draws from the interval (on the step's points); n, if given, is a grid's
        _integer(spec.get("n", 2), 2, f"{key}.n")
        return Param(path, steps, low=low, high=high, step=spec.get("step"))
    if "step" in spec:
        count = int(math.floor((high - low) / step + 1e-9)) + 1
        values = [_integral(_round(low + i * step, 12), low, step) for i in range(count)]
    elif "n" in spec:
        n = _integer(spec["n"], 2, f"{key}.n")
        values = [_round(low + (high - low) * i / (n - 1)) for i in range(n)]
        if isinstance(low, int) and isinstance(high, int) and all(float(v).is_integer() for v in values):
            values = [int(v) for v in values]
    elif search == "random":
        return Param(path, steps, low=low, high=high)
    else:
        raise SweepProblem(key, "a grid needs step or n, e.g. { range = [0, 10], step = 2 }")
    return Param(path, steps, _distinct(values, key, len(values)))


def _integral(value: float, low: Any, step: Any) -> Any:
    return int(value) if isinstance(low, int) and isinstance(step, int) else value


def _distinct(values: list, key: str, n: int | None = None) -> tuple:
    if not values:
        raise SweepProblem(key, "is empty: give at least one value")
    unique = []
    for value in values:
        if value in unique:
            if n is None:
                raise SweepProblem(key, f"{value!r} is listed twice: each value must be distinct")
            raise SweepProblem(key, f"its {n} values are not distinct at {DIGITS} significant digits: ask for fewer")
        unique.append(value)
    return tuple(unique)


def _round(value: float, digits: int = DIGITS) -> float:
    """``value`` to ``digits`` significant digits: ``_round(0.031622776) == 0.03162``."""
    return float(f"{value:.{digits}g}")


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


def _integer(value: Any, minimum: int, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise SweepProblem(key, f"{value!r} is invalid: must be an integer >= {minimum}")
    return value
