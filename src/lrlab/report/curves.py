"""A run's curves: learning rate, train loss, train accuracy and test accuracy against the epoch.

>>> rows = [{"epoch": 0, "lr": 0.3, "lr_last": 0.3, "train_loss": 1.2, "train_acc": 0.6, "test_acc": 0.7}]
>>> plot_curves(rows, "runs/demo/curves.png", title="constant(base_lr=0.3)")  # doctest: +SKIP
PosixPath('runs/demo/curves.png')
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from .figures import new_figure, save_figure

PANELS = [  # metrics.jsonl key, panel title, y label
    ("lr", "Learning rate", "learning rate"),
    ("train_loss", "Train loss", "cross-entropy"),
    ("train_acc", "Train accuracy", "accuracy"),
    ("test_acc", "Test accuracy", "accuracy"),
]


def plot_curves(rows: Sequence[dict[str, Any]], path: str | Path, *, title: str = "") -> Path:
    """Draw one panel per metric of ``rows`` (metrics.jsonl's rows) and save the PNG at ``path``.

    The rate panel shows each epoch's rates from its first update (at ``epoch``) to
    its last (at ``epoch + 1``): a staircase on the epoch clock, a curve on the step clock.
    """
    figure = new_figure((10, 6.5))
    figure.suptitle(title or "Training curves")
    for axes, (key, panel, ylabel) in zip(figure.subplots(2, 2).flat, PANELS):
        if key == "lr":
            axes.plot(*_rate_path(rows))
        else:
            axes.plot([row["epoch"] for row in rows], [_number(row[key]) for row in rows], marker="o", markersize=3)
        axes.set(title=panel, xlabel="epoch", ylabel=ylabel)
        axes.grid(alpha=0.3)
    return save_figure(figure, path, dpi=110)


def _rate_path(rows: Sequence[dict[str, Any]]) -> tuple[list[float], list[float]]:
    epochs, rates = [], []
    for row in rows:
        epochs += [row["epoch"], row["epoch"] + 1]
        rates += [row["lr"], row["lr_last"]]
    return epochs, rates


def _number(value: Any) -> float:
    """A metric as a float; null (a diverged epoch's loss) becomes NaN, a gap in the line."""
    return float("nan") if value is None else value
