"""Reliability diagrams: per run, the test accuracy of the predictions in each confidence bin against
their mean confidence, pooled over the run's completed seeds (their bins added, so every test prediction
of every seed counts once). A calibrated model's bars reach the diagonal; bars below it are
over-confidence. Where the run fitted a temperature (``holdout``), the scaled predictions' accuracy per
bin is drawn as a line over the bars; where it kept parameter samples (``posterior``), so is their
averaged predictions'.

>>> from lrlab.report.load import load_results
>>> plot_reliability(load_results("runs/beyond-schedules"), "report/reliability.png")  # doctest: +SKIP
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..metrics import ReliabilityBins
from .figures import new_figure, save_figure
from .load import ExperimentResult, RunResult

COLUMNS = 4
"""Diagrams per row of the figure."""


def pooled_bins(run: RunResult, key: str = "reliability") -> ReliabilityBins | None:
    """The run's completed seeds' reliability bins added up (``key="temperature"``: after temperature
    scaling; ``"posterior"``: the posterior predictive's); None when no completed seed has them."""
    parts = [_bins(seed.calibration, key) for seed in run.completed]
    parts = [part for part in parts if part is not None]
    return sum(parts[1:], parts[0]) if parts else None


def plot_reliability(result: ExperimentResult, path: str | Path) -> Path | None:
    """One reliability diagram per run that has bins, as one PNG at ``path``; None when no run has any."""
    runs = [(run, bins) for run in result.runs if (bins := pooled_bins(run)) is not None]
    if not runs:
        return None
    rows = math.ceil(len(runs) / COLUMNS)
    columns = min(len(runs), COLUMNS)
    figure = new_figure((3.3 * columns, 3.3 * rows))
    panels = figure.subplots(rows, columns, squeeze=False).ravel()
    for axes, (run, bins) in zip(panels, runs):
        _diagram(axes, run, bins, pooled_bins(run, "temperature"), pooled_bins(run, "posterior"))
    for axes in panels[len(runs):]:
        axes.set_axis_off()
    figure.suptitle("Reliability (test set, 15 confidence bins, completed seeds pooled)")
    return save_figure(figure, path, dpi=100)


def _diagram(axes, run: RunResult, bins: ReliabilityBins, scaled: ReliabilityBins | None,
             posterior: ReliabilityBins | None) -> None:
    edges = bins.edges
    width = np.diff(edges)
    filled = bins.count > 0
    axes.bar(edges[:-1][filled], bins.accuracy[filled], width=width[filled], align="edge",
             color="tab:blue", edgecolor="white", label="accuracy")
    axes.bar(edges[:-1][filled], (bins.confidence - bins.accuracy)[filled], bottom=bins.accuracy[filled],
             width=width[filled], align="edge", color="tab:red", alpha=0.3, label="gap to confidence")
    centres = (edges[:-1] + edges[1:]) / 2
    for other, style, colour, label in ((scaled, "o-", "black", "after temperature scaling"),
                                        (posterior, "s-", "tab:green", "posterior predictive")):
        if other is not None:
            axes.plot(centres[other.count > 0], other.accuracy[other.count > 0], style, color=colour, markersize=3,
                      label=label)
    axes.plot([0, 1], [0, 1], "--", color="grey", linewidth=1)
    text = f"ECE {bins.ece:.3f} (pooled)" + (f"\nafter T: {scaled.ece:.3f}" if scaled is not None else "") + \
        (f"\nposterior: {posterior.ece:.3f}" if posterior is not None else "")
    axes.text(0.03, 0.97, text, transform=axes.transAxes, va="top", fontsize="small")
    axes.set(title=run.label, xlabel="confidence", ylabel="accuracy", xlim=(0, 1), ylim=(0, 1))
    axes.title.set_fontsize("small")
    axes.legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(0, 0.78), frameon=False)  # above the diagonal: free


def _bins(calibration: dict | None, key: str) -> ReliabilityBins | None:
    part = (calibration or {}).get(key)
    if part is not None and key != "reliability":
        part = part["reliability"]
    return ReliabilityBins.from_dict(part) if part is not None else None
