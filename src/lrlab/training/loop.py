"""One training run, the same for every framework: epochs, metrics, checkpoints, resume.

The flow is the one docs/architecture.md describes: load the data once; warn
about the clock; for each epoch train in a fixed order, evaluate, append a line
to ``metrics.jsonl``, stop if the loss is not finite, checkpoint atomically
(:mod:`lrlab.training.checkpoints`: each one's sha256 recorded, the previous one kept).
A schedule that gives a NaN, infinite or negative rate anywhere in the run is refused first
(:mod:`lrlab.training.rates`).
A run that trains every epoch ends ``completed``, or ``stuck`` when its train loss
stayed at chance level to the end (:func:`stuck_at_chance`).

>>> from lrlab.training.config import TrainConfig
>>> config = TrainConfig(schedule="constant(0.3)", epochs=1, train_subset=1000, test_subset=200)
>>> summary = train(config, "runs/demo")  # doctest: +SKIP
epoch 0: lr 0.3, train loss 1.81, train acc 0.328, test acc 0.54
>>> summary.status, summary.epochs_completed  # doctest: +SKIP
(<Status.COMPLETED: 'completed'>, 1)
"""

from __future__ import annotations

import contextlib
import math
import platform
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np
from tqdm.auto import tqdm

from .. import __version__
from .. import models
from ..backends import backend_class, updates_per_epoch
from ..data import load_dataset
from ..runfolder import CALIBRATION_METRICS, POSTERIOR_METRICS, MetricsRow, RunDir, RunDirError, Status, Summary
from .calibration import final_calibration, split_holdout
from .checkpoints import load_checkpoint, save_checkpoint
from .clock import clock_warning
from .config import ConfigError, TrainConfig
from .killpoints import kill_point
from .lock import folder_lock
from .rates import check_rates


def train(config: TrainConfig | None, out_dir: str | Path, *,
          resume: bool = False, progress: bool = True, until: int | None = None) -> Summary:
    """Train one run into ``out_dir`` and return its summary (also in ``summary.json``).

    With ``resume``, ``config`` may be None: the run's ``config.json`` decides, and
    training continues after the last checkpoint. ``progress`` shows a progress bar
    (on a terminal) and one line per epoch. A diverged run returns its summary with
    status ``"diverged"``, a run whose train loss stayed at chance (:func:`stuck_at_chance`)
    with ``"stuck"``; a KeyboardInterrupt leaves status ``"interrupted"`` and
    is raised again.

    ``until`` stops the run after that many epochs, status ``"stopped"`` (when under
    ``config.epochs``); the schedule's horizon stays ``config.epochs``, so a run stopped at
    epoch k and resumed ends with the same numbers as a run trained straight through.
    """
    run = RunDir(out_dir)
    config = _resumed_config(run, config) if resume else config
    if not resume:
        run.check_new()  # before the data loads: fail fast
    data, held_out = split_holdout(load_data(config), config.holdout)
    schedule = config.schedule_obj
    per_epoch = updates_per_epoch(len(data.train_labels), config.batch_size)
    check_rates(schedule, unit=config.unit, epochs=config.epochs, updates_per_epoch=per_epoch)
    warning = clock_warning(schedule, unit=config.unit, epochs=config.epochs, updates_per_epoch=per_epoch)
    if warning:
        print(f"lrlab: warning: {warning}", file=sys.stderr)
    backend = backend_class(config.backend)(config.job(data))
    try:
        with folder_lock(run.path):  # from the first write on: a second process here is refused
            if resume:
                previous = run.read_summary()
                rows, wall = _restore(run, backend), previous.wall_seconds if previous else 0.0
            else:
                run.create()
                run.write_config(_config_document(config, schedule, data, per_epoch, backend, warning))
                rows, wall = [], 0.0
            stop = config.epochs if until is None else min(until, config.epochs)
            return _epochs(run, backend, config, rows, len(data.train_labels), data.num_classes, wall, progress,
                           stop, lambda: final_calibration(backend, data, held_out))
    finally:
        backend.close()


def _epochs(run: RunDir, backend, config: TrainConfig, rows: list[MetricsRow], n_train: int, classes: int,
            wall: float, progress: bool, stop: int, calibrate: Callable[[], dict]) -> Summary:
    """The epochs after ``rows`` (those already done) up to ``stop``; writes every file as it goes.
    Whether the run is stuck is decided once every epoch is done (so a resumed finished run decides
    again, the same way); so is its calibration (``calibrate()``, for a run completed, stuck or stopped)."""
    started, saved = time.perf_counter(), len(rows)
    per_epoch = updates_per_epoch(n_train, config.batch_size)

    def finish(status: Status, message: str) -> Summary:
        calibration = calibrate() if status in (Status.COMPLETED, Status.STUCK, Status.STOPPED) and rows else None
        summary = Summary.of_rows(status, rows, config.epochs, message, wall + time.perf_counter() - started,
                                  calibration)
        run.write_summary(summary)
        return summary

    try:  # from the first summary on: an interrupt at any moment leaves an "interrupted" one
        finish(Status.RUNNING, f"training from epoch {saved}")
        with tqdm(total=config.epochs * per_epoch, initial=saved * per_epoch, unit="update",
                  disable=None if progress else True, dynamic_ncols=True) as bar:
            for epoch in range(saved, stop):
                bar.set_description(f"epoch {epoch}")
                row = _train_epoch(backend, config, epoch, n_train, bar)
                rows.append(row)
                if progress:
                    tqdm.write(epoch_line(row))
                with ctrl_c_deferred():  # the row and its checkpoint: both written, or neither begun
                    run.append_metrics(row)
                    if not math.isfinite(row.train_loss):
                        return finish(Status.DIVERGED, _diverged_message(row))
                    kill_point("after-row", epoch)
                    save_checkpoint(run, backend, epoch + 1)
                    saved = epoch + 1
    except KeyboardInterrupt:
        # After a crash or a kill (not Ctrl-C) metrics.jsonl may hold a row past the checkpoint;
        # resuming cuts it back.
        del rows[saved:]
        with ctrl_c_deferred():  # a second interrupt (Ctrl-C pressed twice) must not cut this summary short
            finish(Status.INTERRUPTED, f"interrupted after {saved} of {config.epochs} epochs; "
                                       f"continue with: lrlab train --resume {run.path}")
        raise
    except Exception as error:
        del rows[saved:]
        finish(Status.FAILED, f"{type(error).__name__}: {error}")
        raise
    if len(rows) < config.epochs:
        return finish(Status.STOPPED, f"trained {len(rows)} of {config.epochs} epochs and stopped, as asked; "
                                      f"continue with: lrlab train --resume {run.path}")
    if stuck_at_chance([row.train_loss for row in rows], classes):
        return finish(Status.STUCK, _stuck_message(rows, classes))
    return finish(Status.COMPLETED, f"trained {config.epochs} epochs")


STUCK_EPOCHS = 3
"""How many of a run's last epochs must sit at chance for it to be stuck. A shorter run is never stuck:
an epoch's train loss is its mean, so a run's first epoch includes its chance-level start (tiny
one-epoch runs that had learned, test acc 0.19 and 0.27, had train losses of 2.305 and 2.290, for
ln(10) = 2.303)."""

STUCK_FRACTION = 0.99
"""A train loss at or above this fraction of ln(classes) is at chance level. Stuck runs measured here sit
at 2.302-2.304 for ln(10) = 2.303 (0.999 of it and more); 0.98 (2.257) would also take in runs that
learn slowly (a tiny run's second epoch: train loss 2.265, test acc 0.22)."""


def stuck_at_chance(train_losses: Sequence[float], classes: int) -> bool:
    """Whether a run that trained all its epochs, with these train losses (one per epoch), is stuck:
    it has at least :data:`STUCK_EPOCHS` epochs, and each of the last :data:`STUCK_EPOCHS` losses is at
    least :data:`STUCK_FRACTION` of ln(``classes``), the cross-entropy of a uniform guess.

    Why: such a run's mean hides it (the chapter's multi-factor run at 0.5 without momentum had one
    seed at 0.100 test accuracy among three, and reported their mean). Only the end counts, so
    the rule is applied once training is over, never to stop a run early: a warm-up from 0 sits at
    chance for its first epochs and then learns, and a run that learned can collapse back to chance.

    >>> chance = math.log(10)                                   # 2.303
    >>> stuck_at_chance([0.9, 0.6, 2.31, 2.302, 2.303], 10)      # learned, then collapsed
    True
    >>> stuck_at_chance([2.303, 2.302, 2.2, 1.1, 0.7], 10)       # a warm-up at chance, then learning
    False
    >>> stuck_at_chance([2.30, 2.30], 10), stuck_at_chance([], 10)  # fewer epochs than STUCK_EPOCHS: too short to tell
    (False, False)
    >>> stuck_at_chance([0.69, 0.69, 0.69], 2), stuck_at_chance([0.69, 0.69, 0.69], 10)
    (True, False)
    """
    if classes < 2 or len(train_losses) < STUCK_EPOCHS:
        return False
    chance = math.log(classes)
    return all(loss is not None and loss >= STUCK_FRACTION * chance for loss in train_losses[-STUCK_EPOCHS:])


def _train_epoch(backend, config: TrainConfig, epoch: int, n_train: int, bar) -> MetricsRow:
    """Train and evaluate one epoch; return its metrics.jsonl row."""
    order = epoch_order(config.seed, epoch, n_train)
    started = time.perf_counter()
    stats = backend.train_epoch(epoch, order, bar.update)
    seconds = time.perf_counter() - started  # training only: evaluation is left out
    test = backend.evaluate()
    more = {name: test[name] for name in CALIBRATION_METRICS + POSTERIOR_METRICS if name in test}
    return MetricsRow(epoch, stats.lr_first, stats.lr_last, train_loss=stats.train_loss, train_acc=stats.train_acc,
                      test_acc=test["test_acc"], test_loss=test["test_loss"], epoch_seconds=seconds,
                      examples_per_second=n_train / seconds, **more)


@contextlib.contextmanager
def ctrl_c_deferred() -> Iterator[None]:
    """Ctrl-C (SIGINT) during the block takes effect when it ends, so that what the block writes
    is written whole; in the main thread only (the one Python delivers signals to). Tested in
    tests/training/test_loop.py (a doctest cannot: doctest lets KeyboardInterrupt through).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(frame))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received and callable(previous):
            previous(signal.SIGINT, received[0])
        elif received and previous == signal.SIG_DFL:
            signal.raise_signal(signal.SIGINT)


def epoch_order(seed: int, epoch: int, n: int) -> np.ndarray:
    """The order of the training examples in ``epoch``: the same in every framework, no RNG state.

    >>> epoch_order(0, 3, 5).tolist() == epoch_order(0, 3, 5).tolist()
    True
    """
    return np.random.default_rng([seed, epoch]).permutation(n)


def epoch_line(row: MetricsRow) -> str:
    """The line printed after each epoch, as the book prints it.

    >>> epoch_line(MetricsRow(3, 0.285, 0.285, train_loss=0.4121, train_acc=0.8493, test_acc=0.8612))
    'epoch 3: lr 0.285, train loss 0.412, train acc 0.849, test acc 0.861'
    """
    return (f"epoch {row.epoch}: lr {_rates(row)}, train loss {row.train_loss:.3f}, "
            f"train acc {row.train_acc:.3f}, test acc {row.test_acc:.3f}")


# -- setting up and resuming ------------------------------------------------------------------


def load_data(config: TrainConfig):
    """The run's data set, normalised as asked, checked against its model and cut to its subsets."""
    data = load_dataset(config.dataset, config.data_dir, config.data_options)
    models.check_input(config.model, data.image_shape)  # before a backend builds anything
    if config.normalize == "mean-std":
        data = data.standardized()
    for name, wanted, available in (("train_subset", config.train_subset, len(data.train_labels)),
                                    ("test_subset", config.test_subset, len(data.test_labels))):
        if wanted is not None and wanted > available:
            raise ConfigError(f"{name}={wanted} is invalid: the data set has only {available} examples")
    trained_on = config.train_subset or len(data.train_labels)
    if config.holdout >= trained_on:
        raise ConfigError(f"holdout={config.holdout} is invalid: it must leave examples to train on "
                          f"(the training set has {trained_on})")
    return data.subset(config.train_subset, config.test_subset)


def _resumed_config(run: RunDir, config: TrainConfig | None) -> TrainConfig:
    stored = TrainConfig.from_dict(run.read_config()["config"])
    if config is not None and config != stored:
        raise RunDirError(f"resume: the given config differs from {run.path}'s config.json; resume with config=None")
    return stored


def _restore(run: RunDir, backend) -> list[MetricsRow]:
    """Load the newest good checkpoint (if an epoch finished) and cut metrics.jsonl back to it."""
    done = load_checkpoint(run, backend)
    rows = run.truncate_metrics(done)
    if len(rows) != done:
        raise RunDirError(f"resume: {run.path} has a checkpoint after {done} epochs but metrics for only {len(rows)}")
    return rows


def _config_document(config: TrainConfig, schedule, data, per_epoch: int, backend, warning: str | None) -> dict:
    versions = {"python": platform.python_version(), "lrlab": __version__, "numpy": np.__version__}
    described = {"name": data.name, "fingerprint": data.fingerprint, "image_shape": list(data.image_shape),
                 "classes": data.num_classes, "train": len(data.train_labels), "test": len(data.test_labels),
                 "normalize": config.normalize, "mean": data.mean, "std": data.std}
    return {"config": config.to_dict(), "schedule": schedule.to_dict(), "data": described,
            "updates_per_epoch": per_epoch, "versions": versions | backend.versions(), "clock_warning": warning}


# -- the summary ------------------------------------------------------------------------------


def _diverged_message(row: MetricsRow) -> str:
    return (f"diverged: the train loss became {row.train_loss} in epoch {row.epoch} "
            f"(lr {_rates(row)}); lower the rate or add a warmup")


def _stuck_message(rows: list[MetricsRow], classes: int) -> str:
    """Why a run is stuck, e.g. "stuck: the train loss stayed at ln(10) = 2.303 (chance) or above for
    the last 3 epochs (2.302, 2.304, 2.303; lr 0.5); test acc 0.100"."""
    last = rows[-STUCK_EPOCHS:]
    losses = ", ".join(f"{row.train_loss:.3f}" for row in last)
    rates = ", ".join(dict.fromkeys(_rates(row) for row in last))  # each rate once, in order
    return (f"stuck: the train loss stayed at ln({classes}) = {math.log(classes):.3f} (chance) or above "
            f"for the last {len(last)} epochs ({losses}; lr {rates}); test acc {rows[-1].test_acc:.3f}")


def _rates(row: MetricsRow) -> str:
    """The epoch's rate, or its first..last rates when they differ (the step clock)."""
    first, last = f"{row.lr:.3g}", f"{row.lr_last:.3g}"
    return first if first == last else f"{first}..{last}"
