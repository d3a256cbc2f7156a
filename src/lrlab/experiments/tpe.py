"""A TPE sweep's Optuna study, kept in the run folder: asking for trials, scoring their runs, telling.

The study lives in ``OUT/<sweep>.optuna.journal``, an Optuna JournalStorage file (no server, no
database): every ask, parameter and tell is a line appended to it. ``lrlab run`` (the runner's
``_search_tpe``) asks for a batch of trials (as many as train at once), trains each as an ordinary
run (``OUT/<run>/seed-<k>``), and tells their scores in trial order once the batch has finished,
never in the order they finished. A rerun reopens the study: the trials asked but not told are
trained again (their folders resume from their checkpoints) and told; the ones told are not
trained again.

Deterministic: trial ``n`` is sampled by a fresh ``TPESampler`` seeded from ``(search_seed, n)``,
given the trials told before it, so the same sweep asks for the same values each time, through
kills and reruns, as long as its batches are the same size (the trainings run at once, ``--jobs``).
Its first ``startup_trials`` trials are drawn at random, as TPE needs some to model.

A trial's score is the mean over its run's seeds of ``metric`` after the last epoch; a seed that
diverged or got stuck, or whose number is not finite, scores the worst (-inf for an accuracy,
+inf for a loss), as in successive halving. A trial whose values a schedule's or setting's check
refuses is told the worst score, without a run. ``OUT/<sweep>.trials.json`` records every trial
(for people and the report; nothing reads it back).

>>> startup_trials(9), startup_trials(60)
(3, 10)
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend
from optuna.trial import FrozenTrial, TrialState

from ..runfolder import RunDir, Status, write_json
from .config import ExperimentError, Run, tpe_run
from .halving import LOWER_IS_BETTER
from .sweeps import TpeSweep
from .sweeps.values import Param, _round

CHOICES = (bool, int, float, str)
"""The values Optuna keeps as a category's choices; a list's others (e.g. ``[5, 10]``) by their index."""


def journal_path(out: Path, sweep: TpeSweep) -> Path:
    return out / f"{sweep.name}.optuna.journal"


def startup_trials(trials: int) -> int:
    """How many first trials are drawn at random: a third of them, at most Optuna's default of 10."""
    return max(1, min(10, trials // 3))


def worst(metric: str) -> float:
    return math.inf if metric in LOWER_IS_BETTER else -math.inf


class Study:
    """The study of ``sweep`` in ``out``: created on the first run, reopened by a rerun."""

    def __init__(self, sweep: TpeSweep, out: Path) -> None:
        optuna.logging.set_verbosity(optuna.logging.WARNING)  # no line per trial: the runner prints its own
        self.sweep = sweep
        storage = JournalStorage(JournalFileBackend(str(journal_path(out, sweep))))
        direction = "minimize" if sweep.metric in LOWER_IS_BETTER else "maximize"
        self.study = optuna.create_study(study_name=sweep.name, storage=storage, direction=direction,
                                         load_if_exists=True)
        self.distributions = {p.path: distribution(p) for p in sweep.params}

    def trials(self, *states: TrialState) -> list[FrozenTrial]:
        return sorted(self.study.get_trials(deepcopy=False, states=states), key=lambda t: t.number)

    def told(self) -> list[FrozenTrial]:
        return self.trials(TrialState.COMPLETE)

    def pending(self) -> list[FrozenTrial]:
        """The trials asked but not told, in order; one whose values were not all written (killed while
        being asked) is marked failed, and a new one is asked in its place."""
        pending = []
        for trial in self.trials(TrialState.RUNNING):
            if set(trial.params) == set(self.distributions):
                pending.append(trial)
            else:
                self.study.tell(trial.number, state=TrialState.FAIL)
        return pending

    def ask(self, count: int) -> list[FrozenTrial]:
        """``count`` new trials, each sampled given the trials told so far."""
        asked = []
        for _ in range(count):
            number = len(self.study.get_trials(deepcopy=False))
            self.study.sampler = optuna.samplers.TPESampler(
                seed=trial_seed(self.sweep.seed, number), n_startup_trials=startup_trials(self.sweep.trials))
            trial = self.study.ask(self.distributions)
            asked.append(self.study.get_trials(deepcopy=False)[trial.number])
        return asked

    def tell(self, trial: FrozenTrial, score: float) -> None:
        self.study.tell(trial.number, score)

    def values(self, trial: FrozenTrial) -> dict[str, Any]:
        """The trial's values as its run uses them (numbers rounded, categories' items)."""
        return {p.path: value_of(p, trial.params[p.path]) for p in self.sweep.params}

    def run(self, trial: FrozenTrial) -> Run | str:
        """The trial's run, or why its values cannot be trained (a check's message)."""
        try:
            return tpe_run(self.sweep, self.values(trial), trial.number)
        except ExperimentError as error:
            return str(error)

    def record(self, path: Path) -> None:
        """``OUT/<sweep>.trials.json``: every trial in order, its run, values, score and the best so far."""
        best, rows = None, []
        higher = self.sweep.metric not in LOWER_IS_BETTER
        for trial in self.trials(TrialState.COMPLETE, TrialState.RUNNING):
            score = trial.value if trial.state is TrialState.COMPLETE else None
            if score is not None and (best is None or (score > best if higher else score < best)):
                best = score
            run = self.run(trial)
            rows.append({"trial": trial.number, "state": "told" if score is not None else "asked",
                         "run": run.name if isinstance(run, Run) else None,
                         "refused": None if isinstance(run, Run) else run,
                         "params": self.values(trial), "score": _finite(score), "best_so_far": _finite(best)})
        write_json(path, {"sweep": self.sweep.name, "search": "tpe", "metric": self.sweep.metric,
                          "higher_is_better": higher, "trials_wanted": self.sweep.trials,
                          "search_seed": self.sweep.seed, "trials": rows})


def trial_seed(seed: int, number: int) -> int:
    """The sampler's seed for trial ``number`` of a sweep with ``search_seed`` ``seed``.

    >>> trial_seed(0, 1) == trial_seed(0, 1) != trial_seed(0, 2)
    True
    """
    return int(np.random.SeedSequence([seed, number]).generate_state(1)[0])


def distribution(param: Param) -> optuna.distributions.BaseDistribution:
    """A list is a category; a range an interval (of integers when its ends and step are); a log range a
    log-scaled one.

    >>> distribution(Param("a", low=0.01, high=1.0, log=True))
    FloatDistribution(high=1.0, log=True, low=0.01, step=None)
    >>> distribution(Param("b", low=0, high=10, step=2)), distribution(Param("c", values=([5], [10])))
    (IntDistribution(high=10, log=False, low=0, step=2), CategoricalDistribution(choices=(0, 1)))
    """
    if param.values:
        choices = param.values if all(isinstance(v, CHOICES) for v in param.values) else range(len(param.values))
        return CategoricalDistribution(tuple(choices))
    if all(isinstance(v, int) for v in (param.low, param.high, param.step or 1)):
        return IntDistribution(param.low, param.high, step=param.step or 1)
    return FloatDistribution(param.low, param.high, log=param.log, step=param.step)


def value_of(param: Param, suggested: Any) -> Any:
    """The value a run uses for what TPE suggested: a category's item, an integer, or a number rounded
    to :data:`~lrlab.experiments.sweeps.values.DIGITS` significant digits.

    >>> value_of(Param("a", low=0.01, high=1.0, log=True), 0.123456), value_of(Param("c", values=([5], [10])), 1)
    (0.1235, [10])
    """
    if param.values:
        return param.values[suggested] if not all(isinstance(v, CHOICES) for v in param.values) else suggested
    return suggested if isinstance(suggested, int) else _round(suggested)


def seed_score(folder: Path, metric: str) -> float:
    """A finished seed's ``metric`` after its last epoch; the worst if it did not complete (diverged,
    stuck) or the number is not finite."""
    run = RunDir(folder)
    rows = run.read_metrics()
    if run.status() is not Status.COMPLETED or not rows:
        return worst(metric)
    value = getattr(rows[-1], metric)
    return value if value is not None and math.isfinite(value) else worst(metric)


def score(folders: list[Path], metric: str) -> float:
    """A trial's score: the mean of its seeds' (-inf or +inf if any seed scores the worst)."""
    return sum(seed_score(folder, metric) for folder in folders) / len(folders)


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None
