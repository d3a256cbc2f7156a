"""A sweep's ranked table, for the report (Markdown/HTML) and as a CSV beside it.

One row per configuration, best first (:func:`lrlab.report.sweep.ranked`): its rank, its
values, the final test accuracy and loss as mean ± sample std over the seeds that trained,
each seed's test accuracy (a seed that did not train shows its status: ``stuck (0.100)``,
``diverged``), how many seeds trained ("2 of 3" when not all did), and how it compares with the
best, paired by seed (:mod:`lrlab.report.confidence`): "within noise" or "worse" with the
paired difference ± its 95% half-width.

>>> sweep_csv_name("constant-rate")
'sweep-constant-rate.csv'
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from .load import RunResult
from .sweep import METRIC, Ranked, Sweep, ranked, show_value
from .table import Cell, Table, format_mean_std

def sweep_csv_name(sweep: str) -> str:
    return f"sweep-{sweep}.csv"


def sweep_table(sweep: Sweep, rows: list[Ranked] | None = None) -> Table:
    """The ranked configurations as a report table (``rows``: :func:`ranked`'s, computed when absent)."""
    rows = ranked(sweep) if rows is None else rows
    seeds = _seed_numbers(sweep)
    header = (["rank"] + [sweep.key(p) for p in sweep.params] + ["test acc", "test loss"]
              + [f"seed {k}" for k in seeds] + ["seeds", "vs best"])
    table_rows = []
    for row in rows:
        cells = [Cell(str(row.rank) if row.rank else "–")]
        cells += [Cell(show_value(row.run.params[p]) if p in row.run.params else "–") for p in sweep.params]
        cells += [Cell(format_mean_std(row.mean, row.std), bold=row.rank == 1),
                  Cell(format_mean_std(*row.run.final("test_loss")[:2]))]
        cells += [Cell(seed_text(row.run, k)) for k in seeds]
        cells += [Cell(_trained_count(row)), Cell(_versus(row))]
        table_rows.append(cells)
    return Table(header, table_rows)


def write_sweep_csv(sweep: Sweep, path: Path, rows: list[Ranked] | None = None) -> Path:
    """The ranked table as plain numbers: one row per configuration, full parameter paths as columns,
    each seed's test accuracy and status, and the paired comparison with the best."""
    rows = ranked(sweep) if rows is None else rows
    seeds = _seed_numbers(sweep)
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["rank", *sweep.params, f"{METRIC}_mean", f"{METRIC}_std", "test_loss_mean", "test_loss_std",
                         "seeds_trained", "seeds_total", "vs_best", "paired_difference", "paired_half_width_95",
                         "paired_seeds", *[f"seed_{k}_{field}" for k in seeds for field in (METRIC, "status")], "run"])
        for row in rows:
            loss_mean, loss_std, _ = row.run.final("test_loss")
            comparison = row.comparison
            per_seed = []
            for k in seeds:
                seed = next((s for s in row.run.seeds if s.seed == k), None)
                per_seed += [_number(seed.final[METRIC]) if seed and seed.final else "", str(seed.status) if seed else ""]
            writer.writerow([row.rank or "", *[_csv_value(row.run.params.get(p)) for p in sweep.params],
                             _number(row.mean), _number(row.std), _number(loss_mean), _number(loss_std),
                             row.n, len(row.run.seeds),
                             ("best" if row.rank == 1 else comparison.verdict if comparison else ""),
                             _number(comparison.mean) if comparison else "",
                             _number(comparison.half_width) if comparison else "",
                             comparison.n if comparison else "", *per_seed, row.run.name])
    return path


def seed_text(run: RunResult, seed_number: int) -> str:
    """One seed's final test accuracy; its status when it did not complete (with its number if it has one)."""
    seed = next((s for s in run.seeds if s.seed == seed_number), None)
    if seed is None:
        return "–"
    value = seed.final[METRIC] if seed.final else math.nan
    number = "" if math.isnan(value) else f"{value:.3f}"
    if seed.status == "completed":
        return number or "–"
    return f"{seed.status} ({number})" if number else str(seed.status)


def _seed_numbers(sweep: Sweep) -> list[int]:
    return sorted({s.seed for run in sweep.runs for s in run.seeds})


def _trained_count(row: Ranked) -> str:
    total = len(row.run.seeds)
    return str(total) if row.n == total else f"{row.n} of {total}"


def _versus(row: Ranked) -> str:
    if row.rank == 1:
        return "best"
    if row.comparison is None or row.comparison.verdict == "unknown":
        return "–"
    return f"{row.comparison.verdict} ({row.comparison.text().removeprefix('paired difference ')})"


def _number(value: float) -> str:
    return "" if value is None or math.isnan(value) else repr(float(value))


def _csv_value(value) -> str:
    return "" if value is None else show_value(value)
