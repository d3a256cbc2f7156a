"""``lrlab report``: a run folder turned into report.md, report.html, figures, results.csv and summary.json
(and, for an experiment with sweeps, each sweep's figures and ranked table, sweep-*.png and sweep-<name>.csv).

>>> write_report("runs/d2l-chapter")          # doctest: +SKIP
PosixPath('runs/d2l-chapter/report')
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

from .document import Heading, Image, Items, Text, html_page, markdown
from .early_stopping import early_stopping_lines
from .findlr import find_suggestions
from .load import REPORTED, ExperimentResult, RunResult, load_results
from .plots import plot_curves, plot_learning_rates
from .reliability import plot_reliability
from .sweep_section import sweep_blocks
from .table import results_table

SHOWN_SETTINGS = ("backend", "model", "init", "epochs", "unit", "batch_size", "momentum", "weight_decay",
                  "train_subset", "test_subset", "threads")
ADDED_LATER = {"init": "xavier"}
"""Shown settings that config.json did not always hold, and what a folder without one trained with."""


def write_report(run_folder: str | Path, out: str | Path | None = None, find_lr: str | Path | None = None) -> Path:
    """Write the report of ``run_folder`` into ``out`` (default ``run_folder/report``); return ``out``.
    ``find_lr``: a folder of ``lrlab find-lr`` whose suggestions the sweeps' section compares with the
    best base rate (default: ``run_folder/find-lr`` when it holds them)."""
    result = load_results(run_folder)
    suggestions = find_suggestions(result.folder, find_lr)
    out = Path(out) if out is not None else result.folder / "report"
    out.mkdir(parents=True, exist_ok=True)
    rates = plot_learning_rates(result, out / "learning_rates.png")
    curves = plot_curves(result, out / "curves.png")
    reliability = plot_reliability(result, out / "reliability.png")
    blocks = report_blocks(result, rates, curves, sweep_blocks(result, out, suggestions), reliability)
    (out / "report.md").write_text(markdown(blocks), encoding="utf-8")
    (out / "report.html").write_text(html_page(blocks, result.title), encoding="utf-8")
    write_csv(result, out / "results.csv")
    (out / "summary.json").write_text(json.dumps(summary(result), indent=2) + "\n", encoding="utf-8")
    return out


def report_blocks(result: ExperimentResult, rates: Path, curves: Path, sweeps: list = (),
                  reliability: Path | None = None) -> list:
    """The report's content, in order, for both renderers (``sweeps``: the sweeps' section, if any;
    ``reliability``: the reliability diagrams, when the runs measured them)."""
    blocks = [Heading(result.title)]
    if result.description:
        blocks.append(Text(result.description))
    if result.quick:
        blocks.append(Text("**Quick mode**: data subsets and one seed per run (see the settings below). "
                           "A preview, not the experiment's numbers: run it without `--quick` for those."))
    blocks += [
        Heading("Final metrics", 2),
        results_table(result),
        Text("After the last epoch: mean ± sample std over the completed seeds; the best mean of each "
             "column is in bold. Where a seed did not complete, the seeds column says how many did and "
             "names the others (e.g. \"2 of 3 (1 stuck: seed 0)\"): a stuck seed trained every epoch "
             "but its train loss stayed at chance, ln(classes); a diverged one reached a non-finite "
             "loss. Their numbers are in `results.csv`, not in the means. The book columns hold the "
             "published numbers that the experiment file gives for the run's backend."),
        *[Text(line) for line in early_stopping_lines(result)],
        *sweeps,
        Heading("Learning rates", 2),
        Image(rates, "learning rate against epoch, every run"),
        Heading("Training curves", 2),
        Image(curves, "train and test loss and accuracy against epoch, mean and std over seeds"),
        Text("The curves are the mean ± 1 std over each run's seeds, leaving out its stuck and diverged "
             "seeds, as the table does (the legend counts them)."),
        *_calibration_blocks(reliability),
        Heading("Runs", 2),
        Items([_run_line(run) for run in result.runs]),
        Heading("Settings and versions", 2),
        Items(_settings_lines(result)),
        Text("Every number in this report is in `results.csv` (one row per run and seed) and "
             "`summary.json` (means and std per run)."),
    ]
    warnings = [f"`{run.name}`: {s.config['clock_warning']}" for run in result.runs
                for s in run.seeds[:1] if s.config.get("clock_warning")]
    if warnings:
        blocks += [Heading("Clock warnings", 2), Items(warnings)]
    return blocks


def _calibration_blocks(reliability: Path | None) -> list:
    """The calibration section: the reliability diagrams and how to read them and the table's columns."""
    if reliability is None:
        return []
    return [
        Heading("Calibration", 2),
        Image(reliability, "reliability diagram per run: accuracy against confidence in 15 bins"),
        Text("Accuracy and calibration side by side: the table's test loss is the test NLL (the mean "
             "cross-entropy); test Brier is the mean squared distance between the predicted probabilities "
             "and the one-hot label; test ECE is the expected calibration error over 15 equal-width "
             "confidence bins (Guo et al. 2017), the gap between the bars and the diagonal above, weighted "
             "by the predictions in each bin. \"After T\" columns: the same test set after dividing the "
             "logits by one temperature fitted on held-out training examples (`holdout`), a reference "
             "point; \"posterior\" columns: the averaged predictions of a run's parameter samples (`posterior`)."),
    ]


def write_csv(result: ExperimentResult, path: Path) -> None:
    """One row per run and seed: its status and final metrics (a stuck seed's too; empty where
    unfinished or not measured)."""
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["run", "label", "seed", "status", "epochs_completed", *REPORTED, "schedule", "backend", "folder"])
        for run in result.runs:
            for seed in run.seeds:
                final = [repr(seed.final[m]) if seed.final and not math.isnan(seed.final[m]) else "" for m in REPORTED]
                folder = seed.folder.relative_to(result.folder).as_posix()
                writer.writerow([run.name, run.label, seed.seed, seed.status, seed.epochs, *final,
                                 run.schedule, run.backend, folder])


def summary(result: ExperimentResult) -> dict:
    """Per run: how many seeds completed (the ones the statistics use), the final mean, std and count
    of each metric, the book's numbers and each seed's status and numbers."""
    return {
        "title": result.title,
        "quick": result.quick,
        "runs": [
            {
                "name": run.name, "label": run.label, "schedule": run.schedule, "backend": run.backend,
                "completed_seeds": len(run.completed), "seeds_total": len(run.seeds),
                "final": {m: dict(zip(("mean", "std", "n"), _plain(run.final(m)))) for m in REPORTED},
                "book": run.book,
                "seeds": [{"seed": s.seed, "status": s.status, "epochs_completed": s.epochs, "final": s.final and _plain(s.final)}
                          for s in run.seeds],
            }
            for run in result.runs
        ],
    }


def _run_line(run: RunResult) -> str:
    statuses = ", ".join(f"seed {s.seed}: {s.status}" for s in run.seeds)
    return f"**{run.label}** (`{run.name}`): `{run.schedule}` ({statuses})"


def _settings_lines(result: ExperimentResult) -> list[str]:
    """Settings shared by every run on one line, then what differs, then the library versions."""
    configs = {run.name: s.config for run in result.runs for s in run.seeds[:1] if s.config}
    values = {key: {name: document["config"].get(key, ADDED_LATER.get(key)) for name, document in configs.items()}
              for key in SHOWN_SETTINGS}
    shared = {key: per_run for key, per_run in values.items() if len({repr(v) for v in per_run.values()}) == 1}
    lines = ["all runs: " + ", ".join(f"{key} = {_show(key, next(iter(v.values())))}" for key, v in shared.items())]
    for key, per_run in values.items():
        if key not in shared:
            lines.append(f"{key}: " + ", ".join(f"{name} {_show(key, value)}" for name, value in per_run.items()))
    groups: dict[str, list[str]] = {}
    for name, document in configs.items():
        groups.setdefault(json.dumps(document.get("versions", {}), sort_keys=True), []).append(name)
    for versions, names in groups.items():
        which = "" if len(groups) == 1 else f" of {', '.join(names)}"
        lines.append(f"versions{which}: " + ", ".join(f"{k} {v}" for k, v in json.loads(versions).items()))
    return lines


def _show(key: str, value) -> str:
    if value is None:
        return "all" if key.endswith("_subset") else "default"
    return str(value)


def _plain(values):
    """NaN as None, so that summary.json is strict JSON."""
    if isinstance(values, dict):
        return {k: _plain(v) for k, v in values.items()}
    if isinstance(values, tuple):
        return [_plain(v) for v in values]
    return None if isinstance(values, float) and values != values else values
