"""The report's figures: every run's learning rate on one plot, and its training curves over seeds.

Each run keeps its colour in every figure. Curves are the mean over seeds with a
±1 std band, leaving out the stuck and diverged seeds (the legend counts them); the x
axis counts finished epochs (1..E), as the book's plots do, while a rate is drawn over
the epoch it applies to ([e, e+1)).

>>> from lrlab.report.load import load_results
>>> result = load_results("runs/d2l-chapter")                  # doctest: +SKIP
>>> plot_learning_rates(result, "report/learning_rates.png")    # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..runfolder import METRICS
from ..schedules import from_dict
from .figures import new_figure, save_figure
from .load import LEFT_OUT_OF_CURVES, ExperimentResult, RunResult
from .table import TITLES


def plot_learning_rates(result: ExperimentResult, path: str | Path) -> Path:
    """The rate each run's optimizer got, against the epoch, all runs on one figure."""
    figure = new_figure((10, 4.5))
    axes = figure.subplots()
    for colour, run in _coloured(result.runs):
        x, y = learning_rate(run)
        axes.plot(x, y, color=colour, label=run.label, drawstyle="steps-post" if len(x) <= 61 else "default")
    axes.set(title="Learning-rate schedules", xlabel="epoch", ylabel="learning rate")
    _finish(axes, legend=False)
    axes.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))  # outside: rates fill every corner
    return save_figure(figure, path, dpi=100)


def plot_curves(result: ExperimentResult, path: str | Path) -> Path:
    """Each of ``METRICS`` (train and test loss and accuracy) after each epoch: mean ± 1 std over seeds.

    A run without a metric (``test_loss`` in a folder written before it was measured) draws
    no curve on its panel (NaN draws nothing), and a metric no run has gets no panel.
    """
    shown = [metric for metric in METRICS if any(_measured(run, metric) for run in result.runs)] or ["train_loss"]
    columns = max(1, min(len(result.runs), len(shown)))
    rows = -(-len(result.runs) // columns)  # of the legend, under the panels: no panel's curves hidden
    figure = new_figure((4.7 * len(shown), 4.5 + 0.22 * rows))
    panels = figure.subplots(1, len(shown), squeeze=False)[0]
    for axes, metric in zip(panels, shown):
        for colour, run in _coloured(result.runs):
            epochs, mean, std = run.curve(metric)
            axes.plot(epochs, mean, color=colour, label=curve_label(run))
            axes.fill_between(epochs, mean - std, mean + std, color=colour, alpha=0.2, linewidth=0)
        axes.set(title=TITLES[metric], xlabel="epoch", ylabel=TITLES[metric].split()[-1])
        _finish(axes, legend=False)
    if result.runs:
        handles, labels = panels[0].get_legend_handles_labels()
        order = row_major(len(labels), columns)
        figure.legend([handles[i] for i in order], [labels[i] for i in order], loc="outside lower center",
                      ncols=columns, fontsize="small", frameon=False)
    seeds = max((len(run.seeds) for run in result.runs), default=1)
    figure.suptitle(f"Training curves (mean ± 1 std over {seeds} seeds; stuck and diverged seeds left out)"
                    if seeds > 1 else "Training curves (one seed)")
    return save_figure(figure, path, dpi=100)


def row_major(count: int, columns: int) -> list[int]:
    """The order to give a legend of ``count`` entries in ``columns`` columns (which matplotlib fills
    column by column) so that they read row by row, as the runs are listed.

    >>> row_major(5, 4)  # rows: 0 1 2 3 / 4
    [0, 4, 1, 2, 3]
    """
    rows = -(-count // columns)
    return [row * columns + column for column in range(columns) for row in range(rows) if row * columns + column < count]


def curve_label(run: RunResult) -> str:
    """The run's label, and the seeds its mean curve leaves out (or, when it has no other seed, is over).

    >>> from pathlib import Path
    >>> from lrlab.runfolder import Status
    >>> from lrlab.report.load import SeedResult
    >>> seeds = tuple(SeedResult(k, Path(), Status(s), {}, {}, None) for k, s in enumerate(["stuck", "completed", "diverged"]))
    >>> curve_label(RunResult("a", "A", "constant(1.0)", "torch", {}, seeds))
    'A (1 stuck, 1 diverged left out)'
    >>> curve_label(RunResult("a", "A", "constant(1.0)", "torch", {}, seeds[:1]))
    'A (every seed stuck)'
    """
    counts: dict[str, int] = {}
    for seed in run.seeds:
        if seed.status in LEFT_OUT_OF_CURVES:
            counts[str(seed.status)] = counts.get(str(seed.status), 0) + 1
    if not counts:
        return run.label
    if len(run.curve_seeds) == len(run.seeds):
        return f"{run.label} (every seed {' or '.join(counts)})"
    return f"{run.label} ({', '.join(f'{n} {status}' for status, n in counts.items())} left out)"


def _measured(run: RunResult, metric: str) -> bool:
    return any(np.isfinite(seed.metrics[metric]).any() for seed in run.seeds)


def learning_rate(run: RunResult) -> tuple[np.ndarray, np.ndarray]:
    """The run's schedule sampled from its config: per epoch, or per update for the step clock.

    Returns ``(x, rate)`` with ``x`` in epochs; the last value repeats at ``x = epochs``
    so that a step plot covers the whole last epoch. Empty when the run never started.
    """
    document = next((s.config for s in run.seeds if s.config), None)
    if document is None:
        return np.zeros(0), np.zeros(0)
    config, schedule = document["config"], from_dict(document["schedule"])
    per_epoch = document["updates_per_epoch"] if config["unit"] == "step" else 1
    steps = config["epochs"] * per_epoch
    rate = schedule.sample(steps)
    return np.arange(steps + 1) / per_epoch, np.append(rate, rate[-1])


def _coloured(runs):
    import matplotlib

    palette = matplotlib.colormaps["tab10"]
    return [(palette(i % 10), run) for i, run in enumerate(runs)]


def _finish(axes, legend: bool = True) -> None:
    from matplotlib.ticker import MaxNLocator

    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(alpha=0.3)
    if legend:
        axes.legend(fontsize="small")
