"""A TPE sweep's trials in the order they were asked for: a table, and the best score so far as a figure.

``lrlab run`` records a TPE sweep's trials in ``OUT/<sweep>.trials.json`` (trial number, its run, its
values, its score: the mean over the run's seeds of the sweep's metric after the last epoch, null
when a seed diverged or got stuck or the values were refused; the best score so far). Its runs are
reported like a random search's (ranked, against each parameter); this adds the order: which values
TPE tried when, and how soon it found the best.

>>> trials = [{"trial": 0, "run": "t.base_lr-0.5", "params": {"schedule.base_lr": 0.5}, "score": 0.80, "best_so_far": 0.80},
...           {"trial": 1, "run": None, "params": {"schedule.base_lr": 2.0}, "score": None, "best_so_far": 0.80}]
>>> [[cell.text for cell in row] for row in trial_table(trials, "test_acc").rows]
[['0', 'base_lr 0.5', '0.8000', '0.8000'], ['1', 'base_lr 2.0 (not trained)', '–', '0.8000']]
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from .figures import new_figure, save_figure
from .sweep import short_keys, show_value
from .table import Cell, Table


def read_trials(folder: Path, sweep: str) -> dict[str, Any] | None:
    """The sweep's trials record, or None for a sweep that TPE did not search."""
    path = folder / f"{sweep}.trials.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def trial_table(trials: list[dict[str, Any]], metric: str) -> Table:
    """One row per trial told, in trial order: its values, its score and the best score so far."""
    told = [t for t in trials if t.get("state", "told") == "told"]
    paths = list(dict.fromkeys(path for t in told for path in t["params"]))
    keys = dict(zip(paths, short_keys(paths)))
    rows = []
    for t in told:
        values = ", ".join(f"{keys[path]} {show_value(value)}" for path, value in t["params"].items())
        rows.append([Cell(str(t["trial"])), Cell(values + ("" if t["run"] else " (not trained)")),
                     Cell(_number(t["score"])), Cell(_number(t["best_so_far"]))])
    name = metric.replace("_", " ")
    return Table(["trial", "values", name, f"best {name} so far"], rows)


def plot_best_so_far(trials: list[dict[str, Any]], metric: str, path: str | Path) -> Path:
    """Each trial's score (a dot; an x at the bottom for one that diverged, got stuck or was refused)
    and the best so far (a step line), against the trial number."""
    told = [t for t in trials if t.get("state", "told") == "told"]
    figure = new_figure((6.0, 3.2))
    axes = figure.add_subplot()
    scored = [(t["trial"], t["score"]) for t in told if t["score"] is not None]
    failed = [t["trial"] for t in told if t["score"] is None]
    if scored:
        axes.plot(*zip(*scored), "o", color="tab:blue", label="trial")
    best = [(t["trial"], t["best_so_far"]) for t in told if t["best_so_far"] is not None]
    if best:
        axes.step(*zip(*best), where="post", color="tab:orange", label="best so far")
    if failed:
        bottom = min((score for _, score in scored), default=0.0)
        axes.plot(failed, [bottom] * len(failed), "x", color="tab:red", label="diverged, stuck or refused")
    from matplotlib.ticker import MaxNLocator

    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("trial (the order TPE asked for them)")
    axes.set_ylabel(metric.replace("_", " "))
    axes.legend(fontsize="small")
    return save_figure(figure, path, dpi=100)


def _number(value: float | None) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:.4f}"
