"""A run's curves: learning rate, loss (train and test), train accuracy and test accuracy against the epoch.

>>> from lrlab.runfolder import MetricsRow
>>> rows = [MetricsRow(0, 0.3, 0.3, train_loss=1.2, train_acc=0.6, test_acc=0.7, test_loss=0.9)]
>>> plot_curves(rows, "runs/demo/curves.png", title="constant(base_lr=0.3)")  # doctest: +SKIP
PosixPath('runs/demo/curves.png')
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Sequence

from ..runfolder import MetricsRow
from .figures import new_figure, save_figure

PANELS = [  # MetricsRow fields, panel title, y label
    (("lr",), "Learning rate", "learning rate"),
    (("train_loss", "test_loss"), "Loss", "cross-entropy"),
    (("train_acc",), "Train accuracy", "accuracy"),
    (("test_acc",), "Test accuracy", "accuracy"),
]


def plot_curves(rows: Sequence[MetricsRow], path: str | Path, *, title: str = "") -> Path:
    """Draw one panel per metric of ``rows`` (metrics.jsonl's rows) and save the PNG at ``path``.

    The rate panel shows each epoch's rates from its first update (at ``epoch``) to
    its last (at ``epoch + 1``): a staircase on the epoch clock, a curve on the step clock.
    The loss panel shows the train loss and, where the run measured it, the test loss.
    """
    figure = new_figure((10, 6.5))
    figure.suptitle(title or "Training curves")
    for axes, (keys, panel, ylabel) in zip(figure.subplots(2, 2).flat, PANELS):
        if keys == ("lr",):
            axes.plot(*_rate_path(rows))
        else:
            for key in keys:
                values = [_number(getattr(row, key)) for row in rows]
                if key == keys[0] or not all(math.isnan(value) for value in values):  # a test loss where measured
                    axes.plot([row.epoch for row in rows], values, marker="o", markersize=3, label=key.replace("_", " "))
            if len(axes.lines) > 1:
                axes.legend(fontsize="small")
        axes.set(title=panel, xlabel="epoch", ylabel=ylabel)
        axes.grid(alpha=0.3)
    return save_figure(figure, path, dpi=110)


def _rate_path(rows: Sequence[MetricsRow]) -> tuple[list[float], list[float]]:
    epochs, rates = [], []
    for row in rows:
        epochs += [row.epoch, row.epoch + 1]
        rates += [row.lr, row.lr_last]
    return epochs, rates


def _number(value: Any) -> float:
    """A metric as a float; null (a diverged epoch's loss) becomes NaN, a gap in the line."""
    return float("nan") if value is None else value
