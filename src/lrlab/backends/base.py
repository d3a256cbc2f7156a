"""The interface every framework backend implements, and what each one is handed.

The training loop (:mod:`lrlab.training.loop`) owns epochs, data order, metrics,
files, checkpoints' timing, divergence and progress. A backend owns only what is
framework-specific: building the model (:mod:`lrlab.models`) and the optimizer
(:mod:`lrlab.optimizers`), the schedule reaching the optimizer through the
framework's adapter (:mod:`lrlab.adapters`), one epoch of updates in a given order
(or one update at a time, for the LR range test),
evaluation, and saving/loading its state.

A backend is handed a :class:`Job`, never the training config: everything that decides
its numbers, and nothing it has no use for (run folders, subsets, the data's folder).

>>> from lrlab.schedules import parse
>>> job = Job(data=None, schedule=parse("constant(0.3)"), seed=1)
>>> job.model, job.init, job.optimizer, job.optimizer_settings, job.unit, job.batch_size
('lenet', 'xavier', 'sgd', {}, 'epoch', 256)
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol

import numpy as np

from .. import metrics
from .samples import SampleSettings
from .. import optimizers


class BackendUnavailable(RuntimeError):
    """The framework a backend needs is not installed or cannot be imported here."""


@dataclasses.dataclass(frozen=True)
class Job:
    """What a backend trains: the data, the model, the optimizer and schedule, and how.

    ``unit`` is the schedule's clock (``"epoch"``: ``s(e)`` for every update of epoch
    ``e``; ``"step"``: ``s(t)`` at update ``t``, both 0-based); ``threads`` None means the
    framework's own default; ``optimizer_settings`` are the optimizer's keyword
    arguments (for ``sgd``: momentum, nesterov, weight_decay); ``init`` is the model's
    initialisation (:data:`lrlab.models.INITS`), passed to :func:`lrlab.models.build`.
    """

    data: Any
    """An :class:`lrlab.data.ImageDataset` (already cut to the run's subsets)."""
    schedule: Any
    """A :class:`lrlab.schedules.Schedule`."""
    model: str = "lenet"
    optimizer: str = "sgd"
    optimizer_settings: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    unit: str = "epoch"
    batch_size: int = 256
    precision: str = "fp32"
    threads: int | None = None
    seed: int = 0
    init: str = "xavier"
    samples: SampleSettings | None = None
    """Keep parameter samples for a posterior predictive (:mod:`.samples`); backends with
    ``BackendInfo.samples`` only."""
    model_settings: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    """The model's settings, passed to :func:`lrlab.models.build` (``resnet20``: depth, width)."""
    device: str = "cpu"
    """``"auto"`` (CUDA when there is a GPU), ``"cpu"`` or ``"cuda"``."""

    @property
    def updates_per_epoch(self) -> int:
        return updates_per_epoch(len(self.data.train_labels), self.batch_size)

    @property
    def optimizer_inputs(self) -> dict[str, Any]:
        """What the optimizer takes from the run beside its settings (its entry's ``inputs``):
        ``dataset_size`` (the training examples, SGLD's N) and ``seed`` (SGLD's noise)."""
        available = {"dataset_size": len(self.data.train_labels), "seed": self.seed}
        return {name: available[name] for name in optimizers.get(self.optimizer).inputs}


@dataclasses.dataclass(frozen=True)
class EpochStats:
    """What one epoch of training reports: mean loss and accuracy over its examples,
    and the learning rates the optimizer really applied at its first and last update."""

    train_loss: float
    train_acc: float
    lr_first: float
    lr_last: float


class Backend(Protocol):
    """One framework's trainer (see the module docstring for the split of work)."""

    checkpoint_name: str
    """The checkpoint's file name inside the run folder, e.g. ``"checkpoint.pt"``."""

    def __init__(self, job: Job) -> None:
        """Build model, optimizer and adapter for ``job``."""

    def train_epoch(self, epoch: int, order: np.ndarray, on_batch: Callable[[], None]) -> EpochStats:
        """Run the updates of ``epoch`` over training examples in ``order`` (batches of
        ``job.batch_size``, the last one partial), calling ``on_batch`` after each."""

    def train_update(self, batch: np.ndarray) -> float:
        """One update on the training examples ``batch`` (indices), at the rate the schedule
        gives the optimizer's next update; return the batch's mean loss, read now (a caller
        that decides from each loss whether to go on, as the range test does, waits for it)."""

    def evaluate(self) -> dict[str, float]:
        """The current model's metrics on the test set: ``test_acc``, ``test_loss`` (the mean
        cross-entropy, i.e. the NLL) and :func:`calibration_metrics`' ``test_brier`` and ``test_ece``,
        from one pass over the test set."""

    def logits(self, images: np.ndarray) -> np.ndarray:
        """The current model's logits (n, classes) of ``images``, float32 pixels shaped (N, C, H, W)
        as :meth:`lrlab.data.ImageDataset.as_float32` gives them (for calibration after the last epoch)."""

    # A backend that keeps parameter samples (``BackendInfo.samples``) also has
    # ``posterior_probabilities() -> np.ndarray | None``: their averaged test probabilities.

    def save(self, path: Path, epochs_done: int) -> None:
        """Write everything needed to resume after ``epochs_done`` epochs to ``path``."""

    def load(self, path: Path) -> int:
        """Restore from ``path``; return the number of epochs it had completed."""

    def versions(self) -> dict[str, str]:
        """The framework's library versions, recorded in the run's config."""

    def close(self) -> None:
        """Release what the backend opened (thread pools); the process's settings are left as found."""


def updates_per_epoch(n_examples: int, batch_size: int) -> int:
    """Updates in one epoch: the last, partial batch counts (as the book's DataLoader).

    >>> updates_per_epoch(60000, 256)
    235
    """
    return -(-n_examples // batch_size)


def calibration_metrics(logits: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """``test_brier`` and ``test_ece`` of the test set's logits (their softmax, in float64; :mod:`lrlab.metrics`).

    >>> calibration_metrics(np.array([[0.0, 0.0], [0.0, 0.0]]), np.array([0, 1]))
    {'test_brier': 0.5, 'test_ece': 0.0}
    """
    probabilities = metrics.softmax(logits)
    return {"test_brier": metrics.brier_score(probabilities, labels),
            "test_ece": metrics.expected_calibration_error(probabilities, labels)}
