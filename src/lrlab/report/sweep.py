"""A sweep's runs, read back from a run folder: its parameters, and its configurations ranked.

``lrlab run`` writes each run of a ``[[sweeps]]`` table into ``index.json`` with the sweep's
name (``"sweep"``) and its values by parameter path (``"params"``); :func:`sweeps_of` groups an
experiment's runs by sweep. A configuration's numbers are over the seeds that trained (completed):
the stuck, diverged and unfinished seeds are counted and named, never averaged in.

:func:`ranked` orders the configurations by how many of their seeds got stuck or diverged (none
first: a configuration that fails on some seeds is no safe pick, whatever its other seeds reached;
halving and TPE score such seeds worst too), then by their mean final test accuracy (highest
first; the ones with no trained seed last, unranked), and compares each with the best, paired by
seed (:mod:`lrlab.report.confidence`).

>>> from lrlab.report.load import load_results
>>> sweep = sweeps_of(load_results("runs/sweep-constant-rate"))[0]            # doctest: +SKIP
>>> sweep.params, [row.run.params for row in ranked(sweep)][:1]               # doctest: +SKIP
(('schedule.base_lr',), [{'schedule.base_lr': 0.3162}])
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from ..runfolder import Status
from .confidence import Comparison, compare
from .load import ExperimentResult, RunResult
from .table import LOWER_IS_BETTER

METRIC = "test_acc"
"""What a sweep's configurations are ranked by: the final test accuracy."""


@dataclasses.dataclass(frozen=True)
class Sweep:
    """The runs of one ``[[sweeps]]`` table, one per configuration (combination of values)."""

    name: str
    runs: tuple[RunResult, ...]

    @property
    def params(self) -> tuple[str, ...]:
        """The parameter paths, in the order the sweep gives them."""
        return tuple(dict.fromkeys(path for run in self.runs for path in run.params))

    def key(self, path: str) -> str:
        """The shortest end of ``path`` that tells this sweep's parameters apart (``base_lr``)."""
        return dict(zip(self.params, short_keys(list(self.params))))[path]

    def values(self, path: str) -> list[Any]:
        """The distinct values of ``path``: sorted when numeric, else in the sweep's order."""
        values = [run.params[path] for run in self.runs if path in run.params]
        distinct = list({show_value(v): v for v in values}.values())
        return sorted(distinct) if is_numeric(distinct) else distinct


def sweeps_of(result: ExperimentResult) -> list[Sweep]:
    """The experiment's sweeps, in the order of their first run (plain runs belong to none)."""
    groups: dict[str, list[RunResult]] = {}
    for run in result.runs:
        if run.sweep:
            groups.setdefault(run.sweep, []).append(run)
    return [Sweep(name, tuple(runs)) for name, runs in groups.items()]


def is_numeric(values: list[Any]) -> bool:
    """Numbers (not booleans) go on a numeric axis; anything else (``"sgd"``, ``[5, 10]``) is a category.

    >>> is_numeric([0.1, 1]), is_numeric(["sgd", "adam"]), is_numeric([True, False])
    (True, False, False)
    """
    return bool(values) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def log_axis(values: list[Any]) -> bool:
    """A log axis for positive numbers that span at least a decade (rates swept on a log range).

    >>> log_axis([0.01, 0.1, 1.0]), log_axis([0.1, 0.5]), log_axis([0, 10, 100])
    (True, False, False)
    """
    return is_numeric(values) and min(values) > 0 and max(values) / min(values) >= 10


def show_value(value: Any) -> str:
    """A value as the run names show it: ``0.1``, ``1e-05``, ``true``, ``sgd``, ``[5, 10]``.

    >>> show_value(0.3162), show_value(True), show_value([5, 10]), show_value("sgd")
    ('0.3162', 'true', '[5, 10]', 'sgd')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(show_value, value)) + "]"
    return value if isinstance(value, str) else repr(value)


def short_keys(paths: list[str]) -> list[str]:
    """Each path's shortest end (in dotted steps) that no other path ends with.

    >>> short_keys(["schedule.base_lr", "schedule.beta"]), short_keys(["a.base_lr", "b.base_lr"])
    (['base_lr', 'beta'], ['a.base_lr', 'b.base_lr'])
    """
    parts = [path.split(".") for path in paths]
    keys = []
    for mine in parts:
        for k in range(1, len(mine) + 1):
            if all(other[-k:] != mine[-k:] for other in parts if other is not mine):
                break
        keys.append(".".join(mine[-k:]))
    return keys


def trained(run: RunResult, metric: str = METRIC) -> dict[int, float]:
    """Seed -> final ``metric`` of the run's seeds that trained (completed and measured it)."""
    return {s.seed: s.final[metric] for s in run.completed if s.final and not math.isnan(s.final[metric])}


def left_out(run: RunResult) -> dict[str, list[int]]:
    """The seeds that did not train, by status (``{"stuck": [0], "diverged": [2]}``), in seed order."""
    groups: dict[str, list[int]] = {}
    for seed in run.seeds:
        if seed.status is not Status.COMPLETED:
            groups.setdefault(str(seed.status), []).append(seed.seed)
    return groups


def failed(run: RunResult) -> dict[str, list[int]]:
    """The seeds that ran to their end but failed, by status (``{"stuck": [0]}``): the configuration's
    own outcome, unlike a seed still running or interrupted."""
    return {status: seeds for status, seeds in left_out(run).items() if status in (Status.STUCK, Status.DIVERGED)}


def failure_note(run: RunResult) -> str:
    """``"seed 0 stuck"``, ``"seeds 0, 2 stuck; seed 1 diverged"``; empty when none failed."""
    return "; ".join(f"seed{'s' if len(seeds) > 1 else ''} {', '.join(map(str, seeds))} {status}"
                     for status, seeds in failed(run).items())


@dataclasses.dataclass(frozen=True)
class Ranked:
    """One configuration in the ranking: its rank (None without a trained seed) and numbers."""

    rank: int | None
    run: RunResult
    mean: float
    std: float
    n: int
    """The number of seeds its numbers are over (the trained ones)."""
    comparison: Comparison | None
    """Against the best configuration, paired by seed; None for the best itself and the unranked."""


def ranked(sweep: Sweep, metric: str = METRIC) -> list[Ranked]:
    """The sweep's configurations: those whose seeds all trained first, then by their failed seeds'
    count; among equals, best mean ``metric`` first; those with no trained seed last."""
    higher = metric not in LOWER_IS_BETTER
    numbers = [(run, trained(run, metric)) for run in sweep.runs]
    with_values = sorted((item for item in numbers if item[1]),
                         key=lambda item: (sum(map(len, failed(item[0]).values())),
                                           -_mean(item[1]) if higher else _mean(item[1])))
    rows = []
    best = with_values[0][1] if with_values else {}
    for rank, (run, values) in enumerate(with_values, start=1):
        std = float(np.std(list(values.values()), ddof=1)) if len(values) > 1 else math.nan
        rows.append(Ranked(rank, run, _mean(values), std, len(values),
                           None if rank == 1 else compare(best, values, higher)))
    rows += [Ranked(None, run, math.nan, math.nan, 0, None) for run, values in numbers if not values]
    return rows


def _mean(values: dict[int, float]) -> float:
    return sum(values.values()) / len(values)
