"""A sweep's figures: the final metric against each swept parameter, and a heatmap for two.

**Metric against a parameter** (:func:`plot_against`): one panel per metric (final test accuracy
and, where measured, test loss); a line per sweep that sweeps the parameter (per combination of
its other parameters' values when it sweeps several). Each point is the mean over the seeds that
trained, the band their min–max (with 3 seeds, every seed is inside it). A seed that was stuck or
diverged is left out of the mean and marked by an ``x`` at the bottom of the panel, at its value,
with the count (``2 stuck``). Numbers go on a numeric axis, log when they are positive and span a
decade or more; other values (optimizer names, lists) are categories. Optional vertical lines
mark rates from elsewhere (find-lr's suggestions: the median over its seeds, shaded min–max).

**Heatmap** (:func:`plot_heatmap`): two parameters of one sweep, the mean metric per cell
(written in it), the seeds left out counted under the number; when the sweep has more
parameters, a cell shows its best configuration's mean.

>>> from lrlab.report.load import load_results
>>> from lrlab.report.sweep import sweeps_of
>>> sweeps = sweeps_of(load_results("runs/sweep-power-beta"))                 # doctest: +SKIP
>>> plot_against(sweeps, "schedule.beta", "report/sweep-beta.png")            # doctest: +SKIP
>>> plot_heatmap(sweeps[0], "schedule.base_lr", "schedule.beta", "report/sweep-power-beta-heatmap.png")  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np

from .figures import new_figure, save_figure
from .load import RunResult
from .sweep import METRIC, Sweep, is_numeric, left_out, log_axis, ranked, show_value, trained
from .table import LOWER_IS_BETTER, TITLES

PANELS = ("test_acc", "test_loss")
MAX_LINES = 8
"""More groups than this in one sweep (a random search) are drawn as points in one colour, no lines."""
MARKS_STYLE = ("--", ":", "-.")


@dataclasses.dataclass(frozen=True)
class Mark:
    """A vertical line at ``value`` (shaded ``low``–``high``), labelled: a rate suggested elsewhere."""

    label: str
    value: float
    low: float
    high: float


def plot_against(sweeps: list[Sweep], param: str, path: str | Path, marks: list[Mark] = ()) -> Path:
    """The final metrics against ``param`` for every sweep in ``sweeps`` that sweeps it."""
    sweeps = [sweep for sweep in sweeps if param in sweep.params]
    runs = [run for sweep in sweeps for run in sweep.runs]
    values = [v for sweep in sweeps for v in sweep.values(param)]
    numeric = is_numeric(values)
    categories = list(dict.fromkeys(show_value(v) for v in values))
    position = (lambda v: v) if numeric else (lambda v: categories.index(show_value(v)))
    shown = [m for m in PANELS if any(trained(run, m) for run in runs)] or [METRIC]
    figure = new_figure((5.2 * len(shown), 4.2))
    key = sweeps[0].key(param)
    for axes, metric in zip(figure.subplots(1, len(shown), squeeze=False)[0], shown):
        for colour, label, group, joined in _lines(sweeps, param):
            _draw_group(axes, group, param, position, metric, colour, label, numeric and joined)
        for style, mark in zip(MARKS_STYLE * 3, marks):
            axes.axvline(mark.value, color="black", linestyle=style, linewidth=1, label=mark.label)
            axes.axvspan(mark.low, mark.high, color="black", alpha=0.06, linewidth=0)
        if numeric and log_axis(values):
            axes.set_xscale("log")
        if not numeric:
            axes.set_xticks(range(len(categories)), categories)
        axes.set(title=f"final {TITLES[metric]}", xlabel=key, ylabel=TITLES[metric])
        axes.grid(alpha=0.3)
        axes.legend(fontsize="small")  # "best": away from the lines and the x marks
    figure.suptitle(f"Final metrics against {key}: mean over the seeds that trained, band min–max; "
                    "x: stuck or diverged seeds (left out)", fontsize="medium")
    return save_figure(figure, path, dpi=100)


def plot_heatmap(sweep: Sweep, rows_param: str, columns_param: str, path: str | Path, metric: str = METRIC) -> Path:
    """The mean ``metric`` for each pair of values of two of ``sweep``'s parameters."""
    row_values, column_values = sweep.values(rows_param), sweep.values(columns_param)
    others = [sweep.key(p) for p in sweep.params if p not in (rows_param, columns_param)]
    grid = np.full((len(row_values), len(column_values)), np.nan)
    notes = [["" for _ in column_values] for _ in row_values]
    row_index = {show_value(v): i for i, v in enumerate(row_values)}
    column_index = {show_value(v): j for j, v in enumerate(column_values)}
    for row in ranked(sweep, metric)[::-1]:  # the best configuration of a cell is drawn last, so it stays
        i = row_index[show_value(row.run.params[rows_param])]
        j = column_index[show_value(row.run.params[columns_param])]
        grid[i, j] = row.mean
        notes[i][j] = ", ".join(f"{len(seeds)} {status}" for status, seeds in left_out(row.run).items())
    figure = new_figure((1.1 * len(column_values) + 2.8, 0.7 * len(row_values) + 1.8))
    axes = figure.subplots()
    import matplotlib

    colours = matplotlib.colormaps["viridis_r" if metric in LOWER_IS_BETTER else "viridis"].with_extremes(bad="#dddddd")
    image = axes.imshow(np.ma.masked_invalid(grid), cmap=colours, aspect="auto")  # grey: no seed trained
    middle = np.nanmean(grid) if np.isfinite(grid).any() else 0.0
    for i in range(len(row_values)):
        for j in range(len(column_values)):
            number = "" if math.isnan(grid[i, j]) else f"{grid[i, j]:.3f}"
            text = "\n".join(t for t in (number, notes[i][j]) if t) or "–"
            dark = not math.isnan(grid[i, j]) and (grid[i, j] < middle) != (metric in LOWER_IS_BETTER)
            axes.text(j, i, text, ha="center", va="center", fontsize="small", color="white" if dark else "black")
    axes.set_xticks(range(len(column_values)), [show_value(v) for v in column_values])
    axes.set_yticks(range(len(row_values)), [show_value(v) for v in row_values])
    axes.set(xlabel=sweep.key(columns_param), ylabel=sweep.key(rows_param),
             title=f"{sweep.name}: final {TITLES[metric]}, mean over the seeds that trained"
                   + (f"\n(each cell: its best configuration over {', '.join(others)})" if others else ""))
    figure.colorbar(image, ax=axes, label=TITLES[metric])
    return save_figure(figure, path, dpi=100)


def _lines(sweeps: list[Sweep], param: str) -> list[tuple]:
    """``(colour, label, runs, joined)`` per line: each sweep's runs grouped by their other parameters'
    values; a sweep with more than :data:`MAX_LINES` groups is one group of points, not joined."""
    import matplotlib

    palette = matplotlib.colormaps["tab10"]
    lines = []
    for sweep in sweeps:
        others = [p for p in sweep.params if p != param]
        groups: dict[str, list[RunResult]] = {}
        for run in sweep.runs:
            groups.setdefault(", ".join(f"{sweep.key(p)} {show_value(run.params.get(p))}" for p in others), []).append(run)
        joined = len(groups) <= MAX_LINES
        for name, runs in (groups.items() if joined else [("", list(sweep.runs))]):
            label = f"{sweep.name}: {name}" if name else sweep.name
            lines.append((palette(len(lines) % 10), label, runs, joined))
    return lines


def _draw_group(axes, runs, param, position, metric, colour, label, line) -> None:
    """One line: mean and min–max band over the trained seeds; an x (and count) per value with left-out seeds."""
    from matplotlib.transforms import blended_transform_factory

    runs = sorted(runs, key=lambda run: position(run.params[param]))
    x = np.array([position(run.params[param]) for run in runs], dtype=float)
    values = [list(trained(run, metric).values()) for run in runs]
    mean = np.array([np.mean(v) if v else np.nan for v in values])
    low = np.array([min(v) if v else np.nan for v in values])
    high = np.array([max(v) if v else np.nan for v in values])
    joined = line and len(runs) <= len(set(x))  # one run per x: a line; else points
    axes.plot(x, mean, color=colour, marker="o", markersize=4, linestyle="-" if joined else "none", label=label)
    if joined:
        axes.fill_between(x, low, high, color=colour, alpha=0.2, linewidth=0)
    else:
        axes.errorbar(x, mean, yerr=[mean - low, high - mean], color=colour, linestyle="none", capsize=3)
    bottom = blended_transform_factory(axes.transData, axes.transAxes)
    for xi, run in zip(x, runs):
        counts = {status: len(seeds) for status, seeds in left_out(run).items() if status in ("stuck", "diverged")}
        if counts:
            axes.plot([xi], [0.03], marker="x", color=colour, markersize=7, transform=bottom, clip_on=False)
            axes.text(xi, 0.07, "\n".join(f"{n} {status}" for status, n in counts.items()), transform=bottom,
                      ha="center", va="bottom", fontsize="x-small", color=colour)
