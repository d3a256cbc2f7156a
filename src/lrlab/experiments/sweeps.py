"""Sweeps: a ``[[sweeps]]`` table of an experiment file, expanded into ordinary runs before anything trains.

A sweep is a run whose schedule arguments and training settings take several values::

    [[sweeps]]
    name = "constant-rate"              # the runs' folders: OUT/constant-rate.base_lr-0.01/seed-0, ...
    schedule = "constant(0.1)"          # the base schedule, whose arguments are swept
    seeds = [0, 1, 2]                   # and any run key but book: epochs, momentum, label, ...
    search = "grid"                     # the default; or "random", with samples (and search_seed)
    [sweeps.params]
    schedule.base_lr = { log = [0.01, 1.0], n = 9 }   # an argument of the schedule
    momentum = [0.0, 0.9]                              # a training setting (any TrainConfig field a run sets)

A parameter is a path, written as a TOML key (dotted, or quoted when it has brackets):

- ``schedule.ARG``: an argument of the schedule; ``schedule.ARG.ARG`` an argument of a schedule
  held by an argument (``warmup``'s and ``scale``'s ``schedule``); ``schedule.ARG[i]`` item ``i``
  of a list argument, and what is below it: ``"schedule.schedules[1].base_lr"`` is the base rate of
  a join's second phase, ``"schedule.boundaries[0]"`` its first boundary;
- ``SETTING``: a training setting (``momentum``, ``batch_size``, ``optimizer``, ``epochs``, ...).

Its values are one of:

- a list: ``[0.0, 0.9]``, ``["sgd"]``, ``[[5], [10]]`` (for a list argument);
- a range: ``{ range = [0, 10], step = 2 }`` (0, 2, ..., 10) or ``{ range = [0.1, 0.5], n = 5 }``
  (n evenly spaced values, both ends included);
- a log range: ``{ log = [0.01, 1.0], n = 9 }``: n geometrically spaced values, both ends included,
  the others rounded to :data:`DIGITS` significant digits.

``search = "grid"`` trains every combination (the product, the first parameter varying slowest);
``search = "random"`` trains ``samples`` distinct combinations drawn with the seed ``search_seed``
(default 0): the same file always gives the same runs. Random search draws a list's or a range's
values uniformly; a range or log range without ``n`` or ``step`` is an interval, drawn uniformly
(integers when both ends are integers) or log-uniformly, rounded to :data:`DIGITS` significant digits.

Values are put into the parsed schedule (``dataclasses.replace``, all of a schedule's new arguments
at once), never into its text; each combination is checked by the schedule's own checks and by
:class:`~lrlab.training.config.TrainConfig` before anything runs. Each generated run is named
``<sweep>.<key>-<value>...`` (``constant-rate.base_lr-0.01.momentum-0.9``), where a key is the
shortest end of its path that tells the parameters apart; where a name would pass 64 characters,
the sweep's runs are numbered instead (``constant-rate.07``). Its label is ``base_lr 0.01, momentum 0.9``
(after the sweep's ``label`` and a colon, when it has one), and it keeps its values (``Run.params``,
written into ``index.json``).

>>> from lrlab.schedules import parse
>>> table = {"params": {"schedule": {"base_lr": {"log": [0.01, 1.0], "n": 3}}}}  # schedule.base_lr = { ... }
>>> points = expand("lr", parse("constant(0.1)"), table, "sweeps[0]")
>>> [(p.name, p.label, repr(p.schedule)) for p in points]  # doctest: +NORMALIZE_WHITESPACE
[('lr.base_lr-0.01', 'base_lr 0.01', 'constant(base_lr=0.01)'),
 ('lr.base_lr-0.1', 'base_lr 0.1', 'constant(base_lr=0.1)'),
 ('lr.base_lr-1.0', 'base_lr 1.0', 'constant(base_lr=1.0)')]
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import math
import random
import re
from typing import Any, Iterator

from ..schedules import Schedule, ScheduleError
from ..training.config import ConfigError, TrainConfig, check_setting

SEARCHES = ("grid", "random")
SWEEP_KEYS = ("search", "samples", "search_seed", "params")
"""The keys of a ``[[sweeps]]`` table beside a run's (name, schedule, label, seeds and the settings)."""
SPEC_KEYS = ("log", "range", "n", "step")
SETTINGS = tuple(f.name for f in dataclasses.fields(TrainConfig) if f.name not in ("schedule", "seed", "imports"))
MAX_RUNS = 10_000
DIGITS = 4
"""The significant digits of generated values (log ranges, n-spaced ranges, random draws)."""
NAME_LENGTH = 64
STEP = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[([0-9]+)\])?")
EXAMPLE = '[0.0, 0.9], { range = [0, 10], step = 2 } or { log = [0.01, 1.0], n = 9 }'


class SweepProblem(Exception):
    """A mistake in a sweep: ``key`` (e.g. ``sweeps[0].params.momentum``) and what is wrong."""

    def __init__(self, key: str, text: str) -> None:
        super().__init__(key, text)
        self.key, self.text = key, text


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

    def draw(self, rng: random.Random) -> Any:
        u = rng.random()
        if self.values:
            return self.values[int(u * len(self.values))]
        if self.log:
            return _round(math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low))))
        if isinstance(self.low, int) and isinstance(self.high, int):
            return self.low + int(u * (self.high - self.low + 1))
        return _round(self.low + u * (self.high - self.low))


@dataclasses.dataclass(frozen=True)
class Point:
    """One run of a sweep: its name, label, schedule, the settings it sets, and its values by path."""

    name: str
    label: str
    schedule: Schedule
    settings: dict[str, Any]
    params: dict[str, Any]


def expand(name: str, schedule: Schedule, table: dict[str, Any], where: str, label: str = "") -> list[Point]:
    """The runs of the sweep ``name`` over ``schedule``: ``table`` is its ``[[sweeps]]`` table (only
    :data:`SWEEP_KEYS` are read), ``where`` its key in errors (``sweeps[0]``), ``label`` its label prefix.

    >>> from lrlab.schedules import parse
    >>> [p.params for p in expand("m", parse("constant(0.1)"), {"params": {"momentum": [0.0, 0.9]}}, "sweeps[0]")]
    [{'momentum': 0.0}, {'momentum': 0.9}]
    """
    search, samples, seed = _search(table, where)
    params = read_params(table.get("params"), f"{where}.params", schedule, search)
    combos = grid(params, where) if search == "grid" else draws(params, samples, seed, where)
    names = run_names(name, params, combos)
    if len(names[-1]) > NAME_LENGTH:
        raise SweepProblem(f"{where}.name", f"{name!r} is too long to name its runs ({names[-1]!r}): "
                                            f"at most {NAME_LENGTH - len(names[-1]) + len(name)} characters")
    keys = short_keys([p.path for p in params])
    points = []
    for run_name, combo in zip(names, combos):
        values = dict(zip((p.path for p in params), combo))
        text = ", ".join(f"{key} {_shown(value)}" for key, value in zip(keys, combo))
        new_schedule, settings = _apply(schedule, params, combo, f"{where}.params", f'"{name}" at {describe(values)}')
        points.append(Point(run_name, f"{label}: {text}" if label else text, new_schedule, settings, values))
    return points


# -- reading the table ---------------------------------------------------------------------------


def _search(table: dict[str, Any], where: str) -> tuple[str, int | None, int]:
    search = table.get("search", "grid")
    if search not in SEARCHES:
        raise SweepProblem(f"{where}.search", f"{search!r} is invalid: must be one of {', '.join(map(repr, SEARCHES))}")
    if search == "grid":
        for key in ("samples", "search_seed"):
            if key in table:
                raise SweepProblem(f"{where}.{key}", 'is for search = "random"; a grid trains every combination')
        return search, None, 0
    if "samples" not in table:
        raise SweepProblem(f"{where}.samples", 'missing: random search needs the number of runs to draw, e.g. samples = 20')
    samples = _integer(table["samples"], 1, f"{where}.samples")
    return search, samples, _integer(table.get("search_seed", 0), 0, f"{where}.search_seed")


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


# -- values --------------------------------------------------------------------------------------


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
    """
    if "step" in spec and "n" in spec:
        raise SweepProblem(key, "give step or n, not both")
    if "step" in spec:
        step = spec["step"]
        if not _is_number(step) or step <= 0:
            raise SweepProblem(f"{key}.step", f"{step!r} is invalid: must be a number > 0")
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


# -- combinations --------------------------------------------------------------------------------


def grid(params: tuple[Param, ...], where: str) -> list[tuple]:
    """Every combination, the first parameter varying slowest.

    >>> grid((Param("a", values=(1, 2)), Param("b", values=("x", "y"))), "s")
    [(1, 'x'), (1, 'y'), (2, 'x'), (2, 'y')]
    """
    size = math.prod(len(p.values) for p in params)
    if size > MAX_RUNS:
        raise SweepProblem(f"{where}.params", f"a grid of {size:,} runs is too many (at most {MAX_RUNS:,}): "
                                              'use fewer values, or search = "random" with samples')
    return list(itertools.product(*(p.values for p in params)))


def draws(params: tuple[Param, ...], samples: int, seed: int, where: str) -> list[tuple]:
    """``samples`` distinct combinations drawn with ``random.Random(seed)``, in the order drawn.

    >>> draws((Param("a", values=(1, 2, 3)),), 2, seed=0, where="s")
    [(3,), (2,)]
    """
    if samples > MAX_RUNS:
        raise SweepProblem(f"{where}.samples", f"{samples:,} runs is too many (at most {MAX_RUNS:,})")
    if all(p.values for p in params) and math.prod(len(p.values) for p in params) < samples:
        size = math.prod(len(p.values) for p in params)
        raise SweepProblem(f"{where}.samples", f"{samples} is more than the {size} combinations there are: "
                                               'use search = "grid", or fewer samples')
    rng, combos, seen = random.Random(seed), [], set()
    for _ in range(100 * samples):
        combo = tuple(p.draw(rng) for p in params)
        if repr(combo) not in seen:
            seen.add(repr(combo))
            combos.append(combo)
            if len(combos) == samples:
                return combos
    raise SweepProblem(f"{where}.samples", f"drew only {len(combos)} distinct combinations in {100 * samples} tries: "
                                           "ask for fewer samples, or widen the ranges")


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


# -- names and labels ----------------------------------------------------------------------------


def short_keys(paths: list[str]) -> list[str]:
    """Each path's shortest end (in steps) that no other path ends with.

    >>> short_keys(["schedule.schedules[0].base_lr", "schedule.schedules[1].base_lr", "momentum"])
    ['schedules[0].base_lr', 'schedules[1].base_lr', 'momentum']
    """
    parts = [path.split(".") for path in paths]
    keys = []
    for mine in parts:
        for k in range(1, len(mine) + 1):
            end = mine[-k:]
            if all(other[-k:] != end for other in parts if other is not mine):
                break
        keys.append(".".join(end))
    return keys


def run_names(sweep: str, params: tuple[Param, ...], combos: list[tuple]) -> list[str]:
    """``<sweep>.<key>-<value>...`` for each combination; numbered ``<sweep>.<i>`` (from 0) for every
    run of the sweep when one such name would pass :data:`NAME_LENGTH` characters or two would be equal.

    >>> run_names("lr", (Param("schedule.base_lr", values=(0.1, 1e-05)),), [(0.1,), (1e-05,)])
    ['lr.base_lr-0.1', 'lr.base_lr-1e-05']
    >>> run_names("lr", (Param("optimizer", values=("a" * 60,)),), [("a" * 60,)])
    ['lr.0']
    """
    keys = [re.sub(r"[\[\]]", "", key) for key in short_keys([p.path for p in params])]
    names = [".".join([sweep] + [f"{key}-{_name_text(value)}" for key, value in zip(keys, combo)]) for combo in combos]
    if max(map(len, names)) <= NAME_LENGTH and len(set(names)) == len(names):
        return names
    width = len(str(len(combos) - 1))
    return [f"{sweep}.{i:0{width}d}" for i in range(len(combos))]


def _name_text(value: Any) -> str:
    text = "_".join(map(_shown, value)) if isinstance(value, list) else _shown(value)
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)


def _shown(value: Any) -> str:
    """A value as names, labels and errors show it: ``0.1``, ``1e-05``, ``true``, ``sgd``, ``[5, 10]``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(_shown, value)) + "]"
    return str(value) if isinstance(value, str) else repr(value)


def describe(values: dict[str, Any]) -> str:
    """A run's values as errors name them.

    >>> describe({"schedule.base_lr": 0.1, "nesterov": True})
    'schedule.base_lr=0.1, nesterov=true'
    """
    return ", ".join(f"{path}={_shown(value)}" for path, value in values.items())
