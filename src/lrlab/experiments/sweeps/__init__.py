"""Sweeps: a ``[[sweeps]]`` table of an experiment file, expanded into ordinary runs before anything trains.

A sweep is a run whose schedule arguments and training settings take several values::

    [[sweeps]]
    name = "constant-rate"              # the runs' folders: OUT/constant-rate.base_lr-0.01/seed-0, ...
    schedule = "constant(0.1)"          # the base schedule, whose arguments are swept
    seeds = [0, 1, 2]                   # and any run key but book: epochs, momentum, label, ...
    search = "grid"                     # the default; or "random", with samples (and search_seed);
                                        # or "tpe" (Optuna's TPE), with trials (lrlab.experiments.sweeps.tpe)
    early_stopping = { grace = 3, reduction = 3 }   # optional: successive halving over its runs
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
written into ``index.json``). ``early_stopping`` is read by :mod:`lrlab.experiments.config` and
carried out by :mod:`lrlab.experiments.halving`.

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
from typing import Any

from ...schedules import Schedule
from .combinations import MAX_RUNS, SEARCHES, _search, draws, grid
from .errors import SweepProblem
from .names import NAME_LENGTH, _shown, describe, run_names, short_keys
from .paths import SETTINGS, STEP, _apply, read_params, substitute
from .tpe import TpeSweep, read_tpe
from .values import DIGITS, EXAMPLE, SPEC_KEYS, Param

__all__ = ["DIGITS", "EXAMPLE", "MAX_RUNS", "NAME_LENGTH", "SEARCHES", "SETTINGS", "SPEC_KEYS", "STEP",
           "SWEEP_KEYS", "Param", "Point", "SweepProblem", "TpeSweep", "describe", "draws", "expand", "grid",
           "read_params", "read_tpe", "run_names", "short_keys", "substitute"]

SWEEP_KEYS = ("search", "samples", "trials", "search_seed", "metric", "params")
"""The keys of a ``[[sweeps]]`` table beside a run's (name, schedule, label, seeds and the settings)."""


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
