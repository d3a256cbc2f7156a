"""The learning-rate range test's figure: loss against rate (log axis), one curve per seed, the
suggestions marked.

Each curve is an object with ``seed``, ``rates``, ``losses``, ``smoothed`` (sequences, one value
per update) and ``suggestions`` (name -> rate or None), as :class:`lrlab.training.range_run.RangeCurve`.

>>> plot_range_test(curves, "runs/find-lr/find-lr.png", title="lenet, sgd")  # doctest: +SKIP
PosixPath('runs/find-lr/find-lr.png')
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .figures import new_figure, save_figure

MARKERS = {"valley": "o", "steep": "^", "min_div_10": "s"}
"""How each suggestion is marked on its seed's smoothed curve."""


def plot_range_test(curves: Sequence[Any], path: str | Path, *, title: str = "") -> Path:
    """Draw each curve's raw loss (faint) and smoothed loss against its rates, mark each
    suggestion on the smoothed curve, and save the PNG at ``path``.

    The loss axis stops at 1.5 times the highest starting loss: past it the test has stopped
    anyway, and the explosion would flatten everything before it.
    """
    figure = new_figure((8, 5))
    axes = figure.subplots()
    for index, curve in enumerate(curves):
        color = f"C{index % 10}"
        axes.plot(curve.rates, curve.losses, color=color, alpha=0.25, linewidth=0.8)
        axes.plot(curve.rates, curve.smoothed, color=color, label=f"seed {curve.seed} (smoothed)")
        for name, rate in curve.suggestions.items():
            if rate is not None:
                axes.plot(rate, _loss_at(curve, rate), MARKERS.get(name, "x"), color=color, markersize=7,
                          markeredgecolor="black", label=_label(name, rate) if len(curves) == 1 else None)
    for name, marker in MARKERS.items():  # one legend entry per kind of mark, whatever the seeds
        if len(curves) > 1:
            axes.plot([], [], marker, color="grey", markeredgecolor="black", label=name)
    axes.set_xscale("log")
    limits = _loss_range(curves)
    if limits:
        axes.set_ylim(*limits)
    axes.set(title=title or "Learning-rate range test", xlabel="learning rate (log scale)",
             ylabel="training loss (faint: each update; line: smoothed)")
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small")
    return save_figure(figure, path, dpi=110)


def _loss_at(curve: Any, rate: float) -> float:
    """The smoothed loss at ``rate``, interpolated in log(rate); a rate below the curve's first
    (minimum / 10 can be) takes its first loss."""
    rates, smoothed = np.log(np.asarray(curve.rates, float)), np.asarray(curve.smoothed, float)
    finite = np.isfinite(smoothed)
    return float(np.interp(math.log(rate), rates[finite], smoothed[finite]))


def _loss_range(curves: Sequence[Any]) -> tuple[float, float] | None:
    """From a little under the lowest loss (raw or smoothed) to 1.5 times the highest starting one;
    None when no curve starts with a finite loss."""
    starts = [float(curve.smoothed[0]) for curve in curves if len(curve.smoothed) and math.isfinite(curve.smoothed[0])]
    if not starts:
        return None
    losses = np.concatenate([np.asarray(values, float) for curve in curves for values in (curve.losses, curve.smoothed)])
    low, start = float(losses[np.isfinite(losses)].min()), max(starts)
    return low - 0.05 * (start - low), 1.5 * start


def _label(name: str, rate: float) -> str:
    return f"{name}: {rate:.3g}"
