"""What every schedule is: a frozen value, a formula, a spec string and a dict.

A schedule subclass declares its arguments as dataclass fields (see
:mod:`lrlab.schedules.params`) and writes its formula once, in :meth:`Schedule.value`,
against an array namespace ``xp``. Everything else (checks, calling, sampling,
``repr`` as a spec string, equality, hashing, pickling, dicts, the name registry)
is done here, once, from the fields.
"""

from __future__ import annotations

import dataclasses
import difflib
import numbers
from typing import Any, ClassVar

from . import scalar_ops
from .errors import ScheduleError
from .params import Invalid, fail

REGISTRY: dict[str, type["Schedule"]] = {}


def register(name: str):
    """Class decorator: make ``cls`` a frozen dataclass and register it under ``name``.

    >>> @register("half")            # doctest: +SKIP
    ... class Half(Schedule):
    ...     base_lr: float = param(rate)
    ...     def value(self, t, xp):
    ...         return self.base_lr / 2
    """

    def decorate(cls):
        if name in REGISTRY:
            raise ValueError(f"schedule name {name!r} is registered twice")
        cls = dataclasses.dataclass(frozen=True, repr=False)(cls)
        cls.name = name
        REGISTRY[name] = cls
        return cls

    return decorate


def schedule_class(name: str) -> type["Schedule"]:
    """The registered class called ``name``; an unknown name suggests close ones."""
    if not isinstance(name, str):
        raise ScheduleError(f"a schedule name must be a string like 'cosine', got {name!r}")
    try:
        return REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(name, REGISTRY, n=3, cutoff=0.5)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        known = ", ".join(sorted(REGISTRY))
        raise ScheduleError(f"unknown schedule {name!r}{hint} (known: {known})") from None


class Schedule:
    """A learning rate as a pure function of the step: ``s(step) -> float``.

    Subclasses are registered dataclasses (see :func:`register`); ``s(t)`` never
    changes ``s``, so plotting or sampling a schedule cannot change training.
    """

    name: ClassVar[str] = "schedule"

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            check = field.metadata.get("check")
            if check is None:
                continue
            value = getattr(self, field.name)
            try:
                object.__setattr__(self, field.name, check(value))
            except Invalid as error:
                raise fail(self.name, field.name, value, str(error)) from None
        self.validate()

    def validate(self) -> None:
        """Checks between arguments; raise ``self.invalid(...)`` when one fails."""

    def invalid(self, argument: str, allowed: str) -> ScheduleError:
        """The error for ``argument``, worded like every other argument error."""
        return fail(self.name, argument, getattr(self, argument), allowed)

    # -- the formula -----------------------------------------------------------------

    def value(self, t: Any, xp: Any) -> Any:
        """The rate at step(s) ``t`` (floats, any shape), computed with namespace ``xp``.

        ``xp`` is :mod:`lrlab.schedules.scalar_ops` for one Python float, ``numpy``
        for vectors, ``jax.numpy`` under ``jax.jit``, ``tf.experimental.numpy`` in
        ``tf.function``. Formulas use only ``xp`` functions and arithmetic, and no
        branch may divide by zero, so that both sides of every ``xp.where`` are safe.
        """
        raise NotImplementedError

    @property
    def horizon(self) -> int | None:
        """The length the schedule was designed for, in steps: ``max_update``, the last
        milestone, the end of a join; None for open-ended schedules (power, factor, ...).

        From this step on the value no longer changes. The guarded clock compares it
        with the length of a run to catch a horizon given in the wrong unit.
        """
        return None

    def __call__(self, step: int) -> float:
        """The learning rate at ``step`` (an integer >= 0), as a Python float."""
        return float(self.value(float(check_step(step, self.name)), scalar_ops))

    def sample(self, n: int):
        """The values at steps ``0 .. n-1`` as a float64 numpy vector.

        >>> from lrlab.schedules import parse
        >>> parse("power(base_lr=1.0, beta=0.5)").sample(4).round(3).tolist()
        [1.0, 0.707, 0.577, 0.5]
        """
        import numpy as np

        n = check_step(n, f"{self.name}.sample")
        with np.errstate(all="ignore"):
            values = self.value(np.arange(n, dtype=np.float64), np)
        return np.broadcast_to(np.asarray(values, dtype=np.float64), (n,)).copy()

    # -- spec strings and dicts --------------------------------------------------------

    def arguments(self) -> dict[str, Any]:
        """The arguments that differ from their defaults, in declaration order."""
        shown = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.default is dataclasses.MISSING or value != field.default:
                shown[field.name] = value
        return shown

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={format_value(v)}" for k, v in self.arguments().items())
        return f"{self.name}({args})"

    def to_dict(self) -> dict[str, Any]:
        """All arguments as plain JSON/TOML data, nested schedules as dicts too.

        >>> from lrlab.schedules import parse
        >>> parse("constant(0.3)").to_dict()
        {'name': 'constant', 'base_lr': 0.3}
        """
        data: dict[str, Any] = {"name": self.name}
        for field in dataclasses.fields(self):
            data[field.name] = plain(getattr(self, field.name))
        return data

    # -- composition ------------------------------------------------------------------

    def __mul__(self, factor: float) -> "Schedule":
        from .scale import Scale

        if isinstance(factor, bool) or not isinstance(factor, numbers.Real):
            return NotImplemented
        return Scale(self, factor)

    __rmul__ = __mul__


def from_dict(data: dict[str, Any]) -> Schedule:
    """The schedule a :meth:`Schedule.to_dict` dict describes.

    >>> from_dict({"name": "constant", "base_lr": 0.3})
    constant(base_lr=0.3)
    """
    if not isinstance(data, dict) or "name" not in data:
        raise ScheduleError(f"a schedule dict needs a 'name' key, got {data!r}")
    arguments = {k: v for k, v in data.items() if k != "name"}
    return build(data["name"], (), arguments)


def build(name: str, positional: tuple, keywords: dict[str, Any]) -> Schedule:
    """``name(*positional, **keywords)`` with errors that name the schedule and argument."""
    cls = schedule_class(name)
    names = [f.name for f in dataclasses.fields(cls)]
    if len(positional) > len(names):
        raise ScheduleError(f"{name}: takes at most {len(names)} arguments ({', '.join(names)}), got {len(positional)}")
    for key in keywords:
        if key not in names:
            close = difflib.get_close_matches(key, names, n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ScheduleError(f"{name}: unknown argument {key!r}{hint} (arguments: {', '.join(names)})")
    given = dict(zip(names, positional))
    for key, value in keywords.items():
        if key in given:
            raise ScheduleError(f"{name}: argument {key!r} given twice")
        given[key] = value
    missing = [f.name for f in dataclasses.fields(cls)
               if f.name not in given and f.default is dataclasses.MISSING]
    if missing:
        raise ScheduleError(f"{name}: missing required argument(s) {', '.join(missing)} (arguments: {', '.join(names)})")
    return cls(**given)


def check_step(step: Any, who: str) -> int:
    """``step`` as an int, or a ScheduleError if it is negative or not an integer."""
    if isinstance(step, float) and step.is_integer():
        step = int(step)
    if isinstance(step, bool) or not isinstance(step, numbers.Integral):
        raise ScheduleError(f"{who}: step={step!r} is invalid: must be an integer >= 0")
    if step < 0:
        raise ScheduleError(f"{who}: step={step!r} is invalid: must be an integer >= 0")
    return int(step)


def format_value(value: Any) -> str:
    """A value as it is written in a spec string (lists with brackets)."""
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    return repr(value)


def plain(value: Any) -> Any:
    """A value as plain data: schedules as dicts, tuples as lists."""
    if isinstance(value, Schedule):
        return value.to_dict()
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    return value
