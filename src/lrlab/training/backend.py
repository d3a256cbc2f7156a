"""The interface every framework backend implements, and how a backend is found.

The training loop (:mod:`lrlab.training.loop`) owns epochs, data order, metrics,
files, checkpoints' timing, divergence and progress. A backend owns only what is
framework-specific: building the model and optimizer (the schedule reaches the
optimizer through the framework's adapter in :mod:`lrlab.adapters`), one epoch of
updates in a given order, evaluation, and saving/loading its state.
"""

from __future__ import annotations

import dataclasses
import importlib
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from .config import TrainConfig


class BackendUnavailable(RuntimeError):
    """The framework a backend needs is not installed or cannot be imported here."""


@dataclasses.dataclass(frozen=True)
class EpochStats:
    """What one epoch of training reports: mean loss and accuracy over its examples,
    and the learning rates the optimizer really applied at its first and last update."""

    train_loss: float
    train_acc: float
    lr_first: float
    lr_last: float


class Backend(Protocol):
    """One framework's LeNet trainer (see the module docstring for the split of work)."""

    checkpoint_name: str
    """The checkpoint's file name inside the run folder, e.g. ``"checkpoint.pt"``."""

    def __init__(self, config: TrainConfig, data, schedule) -> None:
        """Build model, optimizer and adapter; ``data`` is a ``lrlab.data.FashionMNIST``."""

    def train_epoch(self, epoch: int, order: np.ndarray, on_batch: Callable[[], None]) -> EpochStats:
        """Run the updates of ``epoch`` over training examples in ``order`` (batches of
        ``config.batch_size``, the last one partial), calling ``on_batch`` after each."""

    def evaluate(self) -> float:
        """Test accuracy of the current model."""

    def save(self, path: Path, epochs_done: int) -> None:
        """Write everything needed to resume after ``epochs_done`` epochs to ``path``."""

    def load(self, path: Path) -> int:
        """Restore from ``path``; return the number of epochs it had completed."""

    def versions(self) -> dict[str, str]:
        """The framework's library versions, recorded in the run's config."""

    def close(self) -> None:
        """Release what the backend started (its threads); the loop calls it when training ends,
        however it ends. Settings a backend makes only while it trains are undone by then."""


def updates_per_epoch(n_examples: int, batch_size: int) -> int:
    """Updates in one epoch: the last, partial batch counts (as the book's DataLoader)."""
    return -(-n_examples // batch_size)


def backend_class(name: str) -> type[Backend]:
    """The backend class called ``name`` (``torch``, ``keras``, ``mxnet``), imported lazily
    so that the core never imports a framework it does not use."""
    module = importlib.import_module(f"lrlab.backends.{name}")
    return module.BACKEND
