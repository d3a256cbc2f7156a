"""A sweep searched by Optuna's TPE (``search = "tpe"``): what the ``[[sweeps]]`` table asks for, and one
trial's values made into a run's name, label, schedule and settings. Optuna itself is only used by
:mod:`lrlab.experiments.tpe`, which asks, trains and tells; nothing here imports it.

::

    [[sweeps]]
    name = "constant-rate-tpe"
    schedule = "constant(0.1)"
    search = "tpe"
    trials = 9                    # the trials TPE asks for, each an ordinary run over the sweep's seeds
    search_seed = 0               # the sampler's seed (default 0)
    metric = "test_acc"           # optional: what it optimises, after the last epoch (default test_acc)
    [sweeps.params]
    schedule.base_lr = { log = [0.01, 1.0] }   # a log range: drawn log-uniformly (its n, if any, is a grid's)
    momentum = [0.0, 0.9]                       # a list: a category

A list is a category; a range an interval (integers when its ends are, on its step's points when it
has one); a log range a log-scaled interval. A drawn number is rounded to
:data:`~lrlab.experiments.sweeps.values.DIGITS` significant digits, as random search's are, so that
its run has a readable name (``constant-rate-tpe.base_lr-0.1334``). The parameters are taken lists
first, then ranges, each in the order written: the order in which the run folder's experiment.toml
(a TOML writer puts a table's arrays before its tables) gives them back, so that a sweep read from
there draws and names its trials exactly as the original file does.

>>> from lrlab.schedules import parse
>>> table = {"search": "tpe", "trials": 3, "params": {"schedule": {"base_lr": {"log": [0.01, 1.0]}}}}
>>> sweep = read_tpe("lr", parse("constant(0.1)"), table, "sweeps[0]")
>>> sweep.trials, sweep.metric, sweep.params[0].log
(3, 'test_acc', True)
>>> p = point(sweep, {"schedule.base_lr": 0.1334}, number=0)
>>> p.name, p.label, repr(p.schedule)
('lr.base_lr-0.1334', 'base_lr 0.1334', 'constant(base_lr=0.1334)')
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ...runfolder import METRICS
from ...schedules import Schedule
from .combinations import _search
from .errors import SweepProblem
from .names import NAME_LENGTH, _shown, describe, run_name, short_keys
from .paths import _apply, _flatten, read_params
from .values import Param


@dataclasses.dataclass(frozen=True)
class TpeSweep:
    """A ``[[sweeps]]`` table with ``search = "tpe"``: its runs are asked for while the experiment runs."""

    name: str
    schedule: Schedule
    """The base schedule, whose arguments are drawn."""
    params: tuple[Param, ...]
    trials: int
    seed: int
    metric: str = "test_acc"
    label: str = ""
    seeds: tuple[int, ...] = (0,)
    settings: dict[str, Any] = dataclasses.field(default_factory=dict)
    """The TrainConfig fields its runs set (the defaults' and the table's), as a run's ``settings``."""
    table: dict[str, Any] = dataclasses.field(default_factory=dict)
    """Its ``params`` table as written, by parameter path in :attr:`params`' order, for experiment.toml."""

    @property
    def paths(self) -> list[str]:
        return [p.path for p in self.params]


def read_tpe(name: str, schedule: Schedule, table: dict[str, Any], where: str, label: str = "") -> TpeSweep:
    """The TPE sweep ``name`` of the ``[[sweeps]]`` table ``table`` (its search keys and params only)."""
    _, trials, seed = _search(table, where)
    metric = table.get("metric", "test_acc")
    if metric not in METRICS:
        raise SweepProblem(f"{where}.metric", f"{metric!r} is invalid: must be one of {', '.join(METRICS)}")
    params = read_params(table.get("params"), f"{where}.params", schedule, "tpe")
    params = tuple(sorted(params, key=lambda p: not p.values))  # lists first: see the module's docstring
    specs = dict(_flatten(table["params"]))
    longest = f"{name}.trial-{trials - 1}"
    if len(longest) > NAME_LENGTH:
        raise SweepProblem(f"{where}.name", f"{name!r} is too long to name its runs ({longest!r})")
    return TpeSweep(name, schedule, params, trials, seed, metric, label, table={p.path: specs[p.path] for p in params})


def point(sweep: TpeSweep, values: dict[str, Any], number: int) -> "Point":
    """Trial ``number``'s run: named by its values as a grid's run is, or ``<sweep>.trial-<number>``
    where that name would pass :data:`NAME_LENGTH` characters; checked by the schedule's and the
    settings' own checks (a :class:`SweepProblem` if a check fails)."""
    from . import Point  # the package's: defined beside expand

    combo = tuple(values[path] for path in sweep.paths)
    name = run_name(sweep.name, sweep.params, combo)
    if len(name) > NAME_LENGTH:
        name = f"{sweep.name}.trial-{number}"
    keys = short_keys(sweep.paths)
    text = ", ".join(f"{key} {_shown(value)}" for key, value in zip(keys, combo))
    schedule, settings = _apply(sweep.schedule, sweep.params, combo, f"{sweep.name}.params",
                                f'"{sweep.name}" at {describe(values)}')
    return Point(name, f"{sweep.label}: {text}" if sweep.label else text, schedule, settings, dict(values))
