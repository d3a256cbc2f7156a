"""A run folder written by ``lrlab run``, read back as numbers (numpy only).

The folder's ``index.json`` lists the runs (name, label, schedule, book numbers) and
each seed's folder; each seed's own files (:mod:`lrlab.runfolder`) give its
config, its metrics per epoch and its status, read fresh here.

>>> result = load_results("runs/d2l-chapter")                # doctest: +SKIP
>>> run = result.runs[0]                                     # doctest: +SKIP
>>> run.final("test_acc")                                    # doctest: +SKIP
(0.877, 0.004, 3)
>>> epochs, mean, std = run.curve("train_loss")              # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np

from ..runfolder import CALIBRATION_METRICS, METRICS, POSTERIOR_METRICS, RunDir, Status

COLUMNS = ("epoch", "lr", "lr_last") + METRICS + CALIBRATION_METRICS
TEMPERATURE_METRICS = ("scaled_test_nll", "scaled_test_ece")
"""The test NLL and ECE after temperature scaling (from ``summary.json``'s ``calibration``; runs with a holdout)."""
REPORTED = METRICS + CALIBRATION_METRICS + TEMPERATURE_METRICS + POSTERIOR_METRICS[1:]
"""Every final number a seed reports (NaN where it was not measured): a seed's ``final`` keys."""
INDEX = "index.json"
LEFT_OUT_OF_CURVES = (Status.STUCK, Status.DIVERGED)
"""Seeds whose curves a run's mean curve leaves out (their numbers would pull a mean off)."""


class ReportError(ValueError):
    """The folder cannot be reported on (no index.json, unreadable files)."""


@dataclasses.dataclass(frozen=True)
class SeedResult:
    """One seed's run folder: its status, config document, metrics per epoch and final numbers."""

    seed: int
    folder: Path
    status: Status
    """The summary's status, or ``pending`` before it started."""
    config: dict[str, Any]
    metrics: dict[str, np.ndarray]
    """``COLUMNS`` as float arrays, one value per finished epoch (NaN where a value is missing,
    e.g. ``test_loss`` in a folder written before it was measured)."""
    final: dict[str, float] | None
    """``REPORTED`` after the last epoch of a run that trained every epoch, completed or stuck (NaN
    where missing), else None. Only the completed seeds' count in a run's statistics."""
    calibration: dict[str, Any] | None = None
    """``summary.json``'s ``calibration`` (reliability bins, temperature scaling), None where missing."""

    @property
    def epochs(self) -> int:
        return len(self.metrics["epoch"])


@dataclasses.dataclass(frozen=True)
class RunResult:
    """One run of the experiment over its seeds; statistics use the completed seeds (not the stuck,
    diverged or unfinished ones: their numbers would hide in a mean)."""

    name: str
    label: str
    schedule: str
    backend: str
    book: dict[str, float]
    """The published numbers for this run's backend (may be empty)."""
    seeds: tuple[SeedResult, ...]
    sweep: str = ""
    """The sweep this run is a point of (its ``[[sweeps]]`` name), or "" for a plain run."""
    params: dict[str, Any] = dataclasses.field(default_factory=dict)
    """A sweep's run: its values by parameter path (``{"schedule.base_lr": 0.1}``)."""

    @property
    def completed(self) -> tuple[SeedResult, ...]:
        return tuple(s for s in self.seeds if s.status is Status.COMPLETED)

    def final(self, metric: str) -> tuple[float, float, int]:
        """``(mean, std, n)`` of ``metric`` at the end, over the ``n`` completed seeds that measured it
        (std is the sample std, NaN for fewer than two seeds)."""
        values = np.array([s.final[metric] for s in self.completed], dtype=float)
        mean, std = mean_std(values[None, :])
        return float(mean[0]), float(std[0]), int(np.count_nonzero(~np.isnan(values)))

    @property
    def curve_seeds(self) -> tuple[SeedResult, ...]:
        """The seeds a mean curve is over: all but the stuck and diverged ones (like the statistics);
        a run whose every seed is stuck or diverged keeps them all (its curve is then theirs)."""
        kept = tuple(s for s in self.seeds if s.status not in LEFT_OUT_OF_CURVES)
        return kept or self.seeds

    def curve(self, metric: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(epochs, mean, std)`` of ``metric`` after each epoch (1-based) over every seed of
        :attr:`curve_seeds` that got there."""
        seeds = self.curve_seeds
        length = max((s.epochs for s in seeds), default=0)
        matrix = np.full((len(seeds), length), np.nan)
        for row, seed in zip(matrix, seeds):
            row[: seed.epochs] = seed.metrics[metric]
        mean, std = mean_std(matrix.T)
        return np.arange(1, length + 1), mean, std


@dataclasses.dataclass(frozen=True)
class ExperimentResult:
    """Everything in one ``lrlab run`` folder."""

    folder: Path
    title: str
    description: str
    quick: bool
    runs: tuple[RunResult, ...]


def load_results(folder: str | Path) -> ExperimentResult:
    """Read the run folder ``folder`` (with its ``index.json``) into results."""
    folder = Path(folder)
    index_path = folder / INDEX
    if not index_path.is_file():
        raise ReportError(f"{folder}: not a run folder of `lrlab run` (no {INDEX})")
    index = _json(index_path)
    runs = tuple(_run(folder, entry) for entry in index["runs"])
    return ExperimentResult(folder, index.get("title") or folder.name, index.get("description", ""),
                            bool(index.get("quick")), runs)


def mean_std(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sample std of each row, ignoring NaN; NaN where a row has too few values.

    >>> mean_std(np.array([[1.0, 3.0], [2.0, np.nan]]))
    (array([2., 2.]), array([1.41421356,        nan]))
    """
    rows = np.asarray(rows, dtype=float)
    present = ~np.isnan(rows)
    n = present.sum(axis=-1)
    filled = np.where(present, rows, 0.0)
    mean = np.divide(filled.sum(axis=-1), n, out=np.full(n.shape, np.nan), where=n > 0)
    squares = np.where(present, (rows - mean[..., None]) ** 2, 0.0).sum(axis=-1)
    std = np.sqrt(np.divide(squares, n - 1, out=np.full(n.shape, np.nan), where=n > 1))
    return mean, std


def _run(folder: Path, entry: dict[str, Any]) -> RunResult:
    seeds = tuple(_seed(folder / seed["folder"], seed["seed"]) for seed in entry["seeds"])
    backend = entry.get("backend", "torch")
    return RunResult(entry["name"], entry.get("label") or entry["name"], entry["schedule"], backend,
                     entry.get("book", {}).get(backend, {}), seeds, entry.get("sweep") or "", entry.get("params") or {})


def _seed(folder: Path, seed: int) -> SeedResult:
    run = RunDir(folder)
    try:
        summary = run.read_summary()
        config = run.read_config() if run.holds_run() else {}
        rows = run.read_metrics()
    except (OSError, ValueError, TypeError) as error:  # TypeError: a metrics row without a required key
        raise ReportError(f"{folder}: cannot read: {error}") from None
    metrics = {key: np.array([getattr(row, key) for row in rows], dtype=float) for key in COLUMNS}
    finished = summary is not None and summary.status in (Status.COMPLETED, Status.STUCK)
    calibration = summary.calibration if finished else None
    final = dict(summary.final) | _scaled(calibration) if finished and summary.final else None
    return SeedResult(seed, folder, summary.status if summary else Status.PENDING, config, metrics,
                      {k: _float(final.get(k)) for k in REPORTED} if final else None, calibration)


def _scaled(calibration: dict[str, Any] | None) -> dict[str, float]:
    """The test NLL and ECE after temperature scaling, when the run fitted a temperature."""
    scaled = (calibration or {}).get("temperature")
    return {"scaled_test_nll": scaled["test_nll"], "scaled_test_ece": scaled["test_ece"]} if scaled else {}


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ReportError(f"{path}: cannot read: {error}") from None


def _float(value: Any) -> float:
    return np.nan if value is None else float(value)
