"""Parameter paths: a ``params`` table read into parameters (:class:`~.values.Param`), each path (``schedule.ARG``,
``schedule.ARG[i].ARG`` or a training setting) checked against the base schedule and the settings, and
:func:`substitute`, which puts a combination's values at their paths in the parsed schedule."""

from __future__ import annotations

import dataclasses
import difflib
import re
from typing import Any, Iterator

from ...schedules import Schedule, ScheduleError
from ...training.config import RUN_SETTINGS, ConfigError, TrainConfig, check_setting
from .errors import SweepProblem
from .names import _shown
from .values import SPEC_KEYS, Param, _values

SETTINGS = RUN_SETTINGS
STEP = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[([0-9]+)\])?")


# -- reading the table ---------------------------------------------------------------------------


def read_params(table: Any, where: str, schedule: Schedule, search: str = "grid") -> tuple[Param, ...]:
    """The parameters of a ``params`` table, in declaration order (nested tables are dotted paths).

    >>> from lrlab.schedules import parse
    >>> join = parse("join([constant(0.3), constant(0.1)], [5])")
    >>> read_params({"schedule.schedules[1].base_lr": [0.1, 0.2]}, "p", join)[0].steps
    (('schedules', 1), ('base_lr', None))
    """
    if not isinstance(table, dict) or not table:
        raise SweepProblem(where, f'missing or empty: a sweep needs a table of parameters and their values, e.g. '
                                  f'[sweeps.params] with schedule.base_lr = {{ log = [0.01, 1.0], n = 9 }}')
    params, seen = [], set()
    for path, spec in _flatten(table):
        key = f"{where}.{path}"
        if path in seen:
            raise SweepProblem(key, "is swept twice: give each parameter once")
        seen.add(path)
        steps = _path(path, key, schedule)
        param = _values(spec, key, search, path, steps)
        if not steps:
            param = dataclasses.replace(param, values=tuple(_setting(path, v, key) for v in param.values))
        params.append(param)
    return tuple(params)


def _flatten(table: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``(path, spec)`` pairs: a table that is no value spec (no log, range, n or step) is a level of the path."""
    for key, value in table.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and value and not value.keys() & set(SPEC_KEYS):
            yield from _flatten(value, path)
        else:
            yield path, value


def _path(path: str, key: str, schedule: Schedule) -> tuple[tuple[str, int | None], ...]:
    """The steps below ``schedule`` of a ``schedule....`` path, or () for a training setting; checked
    against the base schedule, so that an unknown argument is named before anything is expanded."""
    head, _, rest = path.partition(".")
    if head != "schedule":
        _check_setting_name(path, key, schedule)
        return ()
    if not rest:
        raise SweepProblem(key, f"sweep the schedule's arguments (schedule.{_arguments(schedule)[0]}), "
                                "or write one sweep per schedule")
    steps = []
    node: Any = schedule
    for part in rest.split("."):
        match = STEP.fullmatch(part)
        if match is None:
            raise SweepProblem(key, f"{part!r} is not an argument name, optionally with a list index, e.g. schedules[1]")
        node = _step(node, match[1], None if match[2] is None else int(match[2]), key)
        steps.append((match[1], None if match[2] is None else int(match[2])))
    if isinstance(node, Schedule):
        raise SweepProblem(key, f"is a schedule ({node!r}): sweep one of its arguments, e.g. {path}.{_arguments(node)[0]}")
    return tuple(steps)


def _step(node: Any, argument: str, index: int | None, key: str) -> Any:
    if not isinstance(node, Schedule):
        raise SweepProblem(key, f"{_shown(node)} is not a schedule: it has no argument {argument!r}")
    names = _arguments(node)
    if argument not in names:
        close = difflib.get_close_matches(argument, names, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise SweepProblem(key, f"{node.name} has no argument {argument!r}{hint} (arguments: {', '.join(names)})")
    value = getattr(node, argument)
    if index is None:
        return value
    if not isinstance(value, tuple):
        raise SweepProblem(key, f"{node.name}'s {argument} is {_shown(value)}, not a list: it has no item [{index}]")
    if index >= len(value):
        raise SweepProblem(key, f"{node.name}'s {argument} has {len(value)} items: "
                                f"[{index}] is not one (0 to {len(value) - 1})")
    return value[index]


def _check_setting_name(path: str, key: str, schedule: Schedule) -> None:
    if path in SETTINGS:
        return
    if path in ("seed", "seeds"):
        raise SweepProblem(key, "seeds are not a parameter: every run of a sweep trains each of the sweep's seeds = [...]")
    if path.split(".")[0] in _arguments(schedule):
        raise SweepProblem(key, f"unknown parameter; did you mean 'schedule.{path}'? "
                                "(a schedule's argument is under schedule.)")
    close = difflib.get_close_matches(path, SETTINGS, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise SweepProblem(key, f"unknown parameter{hint} (a parameter is schedule.ARGUMENT, "
                            f"or a setting: {', '.join(SETTINGS)})")


def _arguments(schedule: Schedule) -> list[str]:
    return [f.name for f in dataclasses.fields(schedule)]


def _setting(name: str, value: Any, key: str) -> Any:
    try:
        return check_setting(name, value)
    except ConfigError as error:
        raise SweepProblem(key, str(error)) from None


# -- one combination -----------------------------------------------------------------------------


def _apply(schedule: Schedule, params: tuple[Param, ...], combo: tuple, key: str,
           context: str) -> tuple[Schedule, dict[str, Any]]:
    """The schedule with its swept arguments, and the swept settings; checked by their own checks
    (an error is worded ``key: context: the check's message``)."""
    changes = {p.steps: value for p, value in zip(params, combo) if p.steps}
    settings = {p.path: value for p, value in zip(params, combo) if not p.steps}
    try:
        schedule = substitute(schedule, changes)
        for name, value in settings.items():
            settings[name] = check_setting(name, value)
    except (ScheduleError, ConfigError) as error:
        raise SweepProblem(key, f"{context}: {error}") from None
    return schedule, settings


def substitute(schedule: Schedule, changes: dict[tuple, Any]) -> Schedule:
    """``schedule`` with the value of each path in ``changes`` replaced; a schedule's arguments
    are all replaced at once, so its checks see the new combination, never half of it.

    >>> from lrlab.schedules import parse
    >>> changes = {(("schedule", None), ("base_lr", None)): 0.5, (("steps", None),): 2}  # schedule.base_lr, steps
    >>> substitute(parse("warmup(cosine(20, 0.3), 5)"), changes)
    warmup(schedule=cosine(max_update=20, base_lr=0.5), steps=2)
    """
    below: dict[str, dict] = {}
    for steps, value in changes.items():
        (argument, index), rest = steps[0], steps[1:]
        below.setdefault(argument, {})[(index, rest)] = value
    new = {argument: _replaced(getattr(schedule, argument), inner) for argument, inner in below.items()}
    return dataclasses.replace(schedule, **new)


def _replaced(value: Any, inner: dict[tuple, Any]) -> Any:
    """``value`` (an argument) with ``inner``'s changes: ``{(index or None, steps below): new value}``."""
    if (None, ()) in inner:
        return inner[(None, ())]
    if all(index is None for index, _ in inner):
        return substitute(value, {rest: new for (_, rest), new in inner.items()})
    items = list(value)
    for i in sorted({index for index, _ in inner}):
        mine = {rest: new for (index, rest), new in inner.items() if index == i}
        items[i] = mine[()] if () in mine else substitute(items[i], mine)
    return tuple(items)
