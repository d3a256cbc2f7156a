"""Early stopping across a sweep's runs: successive halving, synchronous and deterministic.

A sweep that declares ``early_stopping = { grace = 3, reduction = 3 }`` trains its runs (its
configurations; each over its seeds) in rungs. Rung ``r`` (from 1) sits after
``grace * reduction ** (r - 1)`` epochs, for every such epoch below the runs' ``epochs``:

1. every run still in the race trains up to the rung, and stops there (status ``stopped``);
2. once *all* of them are there (a seed that diverged earlier counts as there), the rung ranks
   them by their score: the mean over their seeds of ``metric`` after the rung's epoch (test
   accuracy by default; higher is better for an accuracy, lower for a loss); a seed that diverged
   (or has no finite value there) gives its run the worst score;
3. the best ``max(1, n // reduction)`` of its ``n`` runs are promoted and continue from their
   checkpoints; the others stay stopped there, for good. Ties (equal scores, e.g. two runs whose
   seeds diverged) go to the run listed first in the experiment.

Past the last rung the survivors train to the end; so does the last run left, past any rungs still
ahead (they could only promote it). A rung decides only once every one of its runs
has reached it, and on their metrics.jsonl alone, never on which finished first: the same sweep
always promotes the same runs, and :func:`halve`, given the run folders as they are, recomputes
every decision so far, which is how ``lrlab run`` resumes a half-done sweep. ``OUT/<sweep>.rungs.json``
records the decisions (:func:`record`); nothing reads it back.

The bias: a rung compares runs after a few epochs, i.e. early in their schedules, which favours
whatever learns fastest at first (a high constant rate; a schedule mid-decay). Every run of a
halved sweep has the same ``epochs`` (checked when the file is read), so each rung at least
compares them at the same fraction of their schedules; the report says what each run was judged on.

>>> EarlyStopping(grace=3, reduction=3).rungs(30)
[3, 9, 27]
>>> rank({"a": 0.81, "b": 0.84, "c": 0.84, "d": float("-inf")}, EarlyStopping(1, 2))
(['b', 'c', 'a', 'd'], ['b', 'c'])
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..runfolder import METRICS, RunDir, Status, write_json

LOWER_IS_BETTER = ("train_loss", "test_loss")
NEVER_STOPPED = frozenset({Status.COMPLETED, Status.DIVERGED, Status.STUCK})
"""Statuses after which a seed trains no further: it is at every rung it will ever reach."""


class HalvingError(ValueError):
    """An invalid ``early_stopping`` table; the message names the key."""


@dataclasses.dataclass(frozen=True)
class EarlyStopping:
    """A sweep's ``early_stopping`` table: the grace period (epochs before the first rung), the
    reduction factor (1 in ``reduction`` runs goes on at each rung) and the metric ranked on.

    >>> EarlyStopping.from_table({"grace": 1, "reduction": 2})
    EarlyStopping(grace=1, reduction=2, metric='test_acc')
    >>> EarlyStopping(1, 2).rungs(4), EarlyStopping(1, 2).rungs(5), EarlyStopping(5, 3).rungs(5)
    ([1, 2], [1, 2, 4], [])
    """

    grace: int
    reduction: int
    metric: str = "test_acc"

    @classmethod
    def from_table(cls, table: Any) -> "EarlyStopping":
        """Read ``{ grace = 3, reduction = 3 }`` (and ``metric``), or raise :class:`HalvingError`."""
        if not isinstance(table, Mapping):
            raise HalvingError("must be a table, e.g. early_stopping = { grace = 3, reduction = 3 }")
        unknown = sorted(set(table) - {"grace", "reduction", "metric"})
        if unknown:
            raise HalvingError(f"unknown key {unknown[0]!r} (known: grace, reduction, metric)")
        for key, least in (("grace", 1), ("reduction", 2)):
            value = table.get(key)
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise HalvingError(f"{key}={value!r} is invalid: must be an integer >= {least}"
                                   + (" (missing)" if value is None else ""))
        metric = table.get("metric", "test_acc")
        if metric not in METRICS:
            raise HalvingError(f"metric={metric!r} is invalid: must be one of {', '.join(METRICS)}")
        return cls(table["grace"], table["reduction"], metric)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def rungs(self, epochs: int) -> list[int]:
        """The epochs after which the rungs decide: ``grace * reduction ** r`` below ``epochs``."""
        rungs, epoch = [], self.grace
        while epoch < epochs:
            rungs.append(epoch)
            epoch *= self.reduction
        return rungs

    @property
    def worst(self) -> float:
        """The score of a seed that diverged: below every other."""
        return math.inf if self.metric in LOWER_IS_BETTER else -math.inf

    def describe(self) -> str:
        """e.g. ``grace 3, reduction 3, by test acc``."""
        return f"grace {self.grace}, reduction {self.reduction}, by {self.metric.replace('_', ' ')}"


@dataclasses.dataclass(frozen=True)
class Rung:
    """One rung's decision: its number (from 1), its epoch, its runs best first with their
    scores, and the runs it promoted (the others stopped here)."""

    number: int
    epoch: int
    ranked: tuple[tuple[str, float], ...]
    promoted: tuple[str, ...]

    @property
    def stopped(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.ranked if name not in self.promoted)


@dataclasses.dataclass(frozen=True)
class State:
    """Where a halved sweep stands, from its run folders: the rungs decided so far, the seed folders
    to train now and how far (None: to the end), and the runs stopped for good, by the rung that
    stopped them."""

    rungs: tuple[Rung, ...]
    train: dict[Path, int | None]
    stopped: dict[str, Rung]


def rank(scores: Mapping[str, float], rule: EarlyStopping) -> tuple[list[str], list[str]]:
    """``scores`` (run -> score, in the experiment's order) best first, ties in that order; and the
    ``max(1, n // reduction)`` promoted."""
    order = {name: i for i, name in enumerate(scores)}
    sign = 1 if rule.metric in LOWER_IS_BETTER else -1
    ranked = sorted(scores, key=lambda name: (sign * scores[name], order[name]))
    return ranked, ranked[:max(1, len(ranked) // rule.reduction)]


def seed_score(folder: Path, epoch: int, rule: EarlyStopping) -> float | None:
    """A seed's ``rule.metric`` after ``epoch`` epochs; the worst score if it diverged by then (or
    the value is not finite); None if it has not got there yet (it is to train there).

    Only checkpointed epochs count (the summary's ``epochs_completed``): a row past the checkpoint,
    left by a kill, is cut back and trained again on resume."""
    run = RunDir(folder)
    summary = run.read_summary()
    if summary is None:
        return None
    if summary.epochs_completed >= epoch:
        row = run.read_metrics()[epoch - 1]
        value = getattr(row, rule.metric)
        finite = row.train_loss is not None and value is not None and math.isfinite(value)
        return value if finite else rule.worst
    return rule.worst if summary.status in NEVER_STOPPED else None


def halve(rule: EarlyStopping, runs: Sequence[tuple[str, Sequence[Path]]], epochs: int) -> State:
    """The state of the sweep whose runs (in the experiment's order: name, seed folders) train
    ``epochs`` epochs each under ``rule``, read from their folders: every rung all of whose runs
    are there is decided, in turn; the first that is not says which seeds must train up to it."""
    alive, decided, stopped = dict(runs), [], {}
    for number, epoch in enumerate(rule.rungs(epochs), 1):
        if len(alive) < 2:
            break  # the race is won: this rung could only promote it
        values = {name: [seed_score(folder, epoch, rule) for folder in folders] for name, folders in alive.items()}
        behind = [folder for name, folders in alive.items() for folder, value in zip(folders, values[name])
                  if value is None]
        if behind:
            return State(tuple(decided), dict.fromkeys(behind, epoch), stopped)
        scores = {name: sum(seeds) / len(seeds) for name, seeds in values.items()}
        ranked, promoted = rank(scores, rule)
        rung = Rung(number, epoch, tuple((name, scores[name]) for name in ranked), tuple(promoted))
        decided.append(rung)
        stopped.update(dict.fromkeys(rung.stopped, rung))
        alive = {name: folders for name, folders in alive.items() if name in promoted}
    to_end = [folder for folders in alive.values() for folder in folders
              if RunDir(folder).status() not in NEVER_STOPPED]
    return State(tuple(decided), dict.fromkeys(to_end), stopped)


def stopped_message(rung: Rung, name: str, rule: EarlyStopping, epochs: int) -> str:
    """The summary message of a seed of ``name``, which ``rung`` stopped.

    >>> rung = Rung(1, 3, (("a", 0.84), ("b", 0.81), ("c", float("-inf"))), ("a",))
    >>> stopped_message(rung, "b", EarlyStopping(3, 3), 30)
    'stopped early by successive halving at epoch 3 of 30: rung 1 ranked it 2nd of 3 by mean test acc (0.8100; the best 1 went on)'
    """
    place = [n for n, _ in rung.ranked].index(name) + 1
    score = dict(rung.ranked)[name]
    shown = f"{score:.4f}" if math.isfinite(score) else "a seed diverged"
    return (f"stopped early by successive halving at epoch {rung.epoch} of {epochs}: rung {rung.number} "
            f"ranked it {_ordinal(place)} of {len(rung.ranked)} by mean {rule.metric.replace('_', ' ')} "
            f"({shown}; the best {len(rung.promoted)} went on)")


def mark_stopped(state: State, runs: Sequence[tuple[str, Sequence[Path]]], rule: EarlyStopping, epochs: int) -> None:
    """Write into each stopped seed's summary why it stopped (a seed that diverged keeps its own)."""
    for name, folders in runs:
        if name not in state.stopped:
            continue
        message = stopped_message(state.stopped[name], name, rule, epochs)
        for folder in folders:
            run = RunDir(folder)
            summary = run.read_summary()
            if summary and summary.status is Status.STOPPED and summary.message != message:
                run.write_summary(dataclasses.replace(summary, message=message))


def record(path: Path, sweep: str, rule: EarlyStopping, epochs: int, state: State) -> None:
    """``OUT/<sweep>.rungs.json``: the rule, the rungs and each decision so far (scores of runs
    whose seeds diverged are null). A record for people and reports: the runner recomputes the
    decisions from the metrics and never reads it."""
    write_json(path, {
        "sweep": sweep, **rule.to_dict(), "epochs": epochs, "rungs": rule.rungs(epochs),
        "decisions": [{"rung": rung.number, "epoch": rung.epoch,
                       "ranked": [{"run": name, "score": score} for name, score in rung.ranked],
                       "promoted": list(rung.promoted), "stopped": list(rung.stopped)}
                      for rung in state.rungs],
    })


def _ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, 21st.

    >>> [_ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd']
    """
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
