"""The results table: final train and test loss and accuracy per run, as mean ± std over seeds.

The numbers are over the completed seeds; the seeds column says how many of the run's seeds
those are, and names the others by status ("2 of 3 (1 stuck: seed 0)"), so that a seed that
diverged or stayed at chance is neither averaged in nor out of sight.

The best mean of each column is in bold (the lowest losses, the highest accuracies);
a run folder written before test loss was measured shows "–" there. The book's
published numbers, for the metrics the experiment gives them, sit beside ours.

>>> t = Table(["run", "test acc"], [[Cell("a"), Cell("0.88", bold=True)]])
>>> print(t.markdown())
| run | test acc |
| --- | --- |
| a | **0.88** |
"""

from __future__ import annotations

import dataclasses
import html
import math

from ..runfolder import METRICS, Status
from .load import REPORTED, ExperimentResult, RunResult, SeedResult

TITLES = {"train_loss": "train loss", "train_acc": "train acc", "test_loss": "test loss", "test_acc": "test acc",
          "test_brier": "test Brier", "test_ece": "test ECE",
          "scaled_test_nll": "test NLL after T", "scaled_test_ece": "test ECE after T",
          "posterior_acc": "posterior acc", "posterior_nll": "posterior NLL", "posterior_brier": "posterior Brier",
          "posterior_ece": "posterior ECE"}
LOWER_IS_BETTER = {"train_loss", "test_loss", "test_brier", "test_ece", "scaled_test_nll", "scaled_test_ece",
                   "posterior_nll", "posterior_brier", "posterior_ece"}


@dataclasses.dataclass(frozen=True)
class Cell:
    text: str
    bold: bool = False


@dataclasses.dataclass(frozen=True)
class Table:
    """A header and rows of cells, written as Markdown or HTML."""

    header: list[str]
    rows: list[list[Cell]]

    def markdown(self) -> str:
        lines = [_md_row(self.header), _md_row(["---"] * len(self.header))]
        lines += [_md_row([f"**{c.text}**" if c.bold else c.text for c in row]) for row in self.rows]
        return "\n".join(lines)

    def html(self) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.header)
        body = "".join(
            "<tr>" + "".join(f"<td>{_html_cell(c)}</td>" for c in row) + "</tr>" for row in self.rows
        )
        return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>{body}</tbody>\n</table>"


def shown_metrics(result: ExperimentResult) -> tuple[str, ...]:
    """The table's metrics: :data:`METRICS`, then those of ``REPORTED`` that some run measured
    (calibration: Brier and ECE; after temperature scaling; the posterior predictive's)."""
    return METRICS + tuple(m for m in REPORTED[len(METRICS):] if any(run.final(m)[2] for run in result.runs))


def results_table(result: ExperimentResult) -> Table:
    """One row per run: seeds, our final numbers, and the book's for the metrics any run has them for."""
    shown = shown_metrics(result)
    book = [m for m in METRICS if any(m in run.book for run in result.runs)]
    header = ["run", "seeds"] + [TITLES[m] for m in shown] + [f"book {TITLES[m]}" for m in book]
    best = {metric: _best(result.runs, metric) for metric in shown}
    rows = []
    for run in result.runs:
        row = [Cell(run.label), Cell(_seeds(run))]
        for metric in shown:
            mean, std, _ = run.final(metric)
            row.append(Cell(format_mean_std(mean, std), bold=mean == best[metric]))
        row += [Cell(f"{run.book[m]:.3f}" if m in run.book else "–") for m in book]
        rows.append(row)
    return Table(header, rows)


def format_mean_std(mean: float, std: float) -> str:
    """``0.877 ± 0.004``; the mean alone for one seed; a dash when there is none.

    >>> format_mean_std(0.8771, 0.0042), format_mean_std(0.8771, float("nan"))
    ('0.877 ± 0.004', '0.877')
    """
    if math.isnan(mean):
        return "–"
    return f"{mean:.3f}" if math.isnan(std) else f"{mean:.3f} ± {std:.3f}"


def _best(runs: tuple[RunResult, ...], metric: str) -> float:
    means = [m for m in (run.final(metric)[0] for run in runs) if not math.isnan(m)]
    if len(means) < 2:
        return math.nan  # nothing to compare: no bold
    return min(means) if metric in LOWER_IS_BETTER else max(means)


def _seeds(run: RunResult) -> str:
    """The seeds the run's numbers are over, and the others by status (in the seeds' order).

    >>> from pathlib import Path
    >>> seeds = [SeedResult(k, Path(), Status(status), {}, {}, None)
    ...          for k, status in enumerate(["stuck", "completed", "completed", "diverged", "stuck"])]
    >>> _seeds(RunResult("a", "a", "constant(0.5)", "torch", {}, tuple(seeds[:3])))
    '2 of 3 (1 stuck: seed 0)'
    >>> _seeds(RunResult("a", "a", "constant(0.5)", "torch", {}, tuple(seeds)))
    '2 of 5 (2 stuck: seeds 0, 4; 1 diverged: seed 3)'
    >>> _seeds(RunResult("a", "a", "constant(0.5)", "torch", {}, tuple(seeds[1:3])))
    '2'
    >>> stopped = SeedResult(1, Path(), Status.STOPPED, {}, {"epoch": [0, 1, 2]}, None)
    >>> _seeds(RunResult("a", "a", "constant(0.5)", "torch", {}, (seeds[3], stopped)))
    '0 of 2 (1 diverged: seed 3; 1 stopped at epoch 3: seed 1)'
    """
    done, total = len(run.completed), len(run.seeds)
    if done == total:
        return str(total)
    others: dict[str, list[int]] = {}
    for seed in run.seeds:
        if seed.status is not Status.COMPLETED:
            status = f"stopped at epoch {seed.epochs}" if seed.status is Status.STOPPED else str(seed.status)
            others.setdefault(status, []).append(seed.seed)
    named = [f"{len(seeds)} {status}: seed{'s' if len(seeds) > 1 else ''} {', '.join(map(str, seeds))}"
             for status, seeds in others.items()]
    return f"{done} of {total} ({'; '.join(named)})"


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def _html_cell(cell: Cell) -> str:
    text = html.escape(cell.text)
    return f"<b>{text}</b>" if cell.bold else text
