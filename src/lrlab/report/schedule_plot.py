"""Schedules drawn on one labelled figure, and their values as CSV."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Sequence

from ..schedules import Schedule
from .figures import new_figure, save_figure


def plot_schedules(schedules: Sequence[Schedule], steps: int, path: Path, *,
                   labels: Sequence[str] | None = None, xlabel: str = "step",
                   title: str = "Learning-rate schedules") -> Path:
    """Draw ``schedules`` over steps ``0 .. steps-1`` on one figure and save it as ``path``.

    >>> from lrlab.schedules import parse
    >>> plot_schedules([parse("constant(0.3)")], 30, Path("/tmp/s.png"))  # doctest: +SKIP
    """
    labels = list(labels) if labels else [repr(s) for s in schedules]
    figure = new_figure((7, 4))
    axes = figure.subplots()
    for schedule, label in zip(schedules, labels):
        axes.plot(range(steps), schedule.sample(steps), label=label, drawstyle="steps-post" if steps <= 60 else "default")
    axes.set(title=title, xlabel=xlabel, ylabel="learning rate")
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small")
    return save_figure(figure, path, dpi=120)


def write_schedule_csv(schedules: Sequence[Schedule], steps: int, path: Path, *,
                       labels: Sequence[str] | None = None) -> Path:
    """Write a CSV with a ``step`` column and one column of values per schedule.

    The values are the reference ``s(step)``, written exactly (``repr`` of the float).
    """
    labels = list(labels) if labels else [repr(s) for s in schedules]
    columns = [[s(t) for t in range(steps)] for s in schedules]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["step", *labels])
        for step in range(steps):
            writer.writerow([step, *(repr(c[step]) for c in columns)])
    return path
