"""The Apache MXNet backend: a hybridized Gluon LeNet, SGD through a Gluon ``Trainer``
whose rate comes from :class:`lrlab.adapters.mxnet.MXNetSchedule`.

It runs in the MXNet environment only (``bash scripts/mxnet-env.sh``); elsewhere
importing it raises :class:`BackendUnavailable` saying how to make that environment.

The data lives in memory as NDArrays; a batch is gathered by index from the epoch's
order. MXNet runs operations asynchronously: loss and correct counts add up as
NDArrays and are read once per epoch. Python would queue a whole epoch in a fraction
of a second and then wait, so it waits every ``QUEUE`` updates instead (no copy to
the host): the progress bar then follows the real work.
Both clocks go through the Trainer's own per-update call of the scheduler, and the
rates reported are the ones it applied (``trainer.learning_rate`` asks the scheduler at
the count the last update used).

SGD as MXNet has it: ``weight_decay`` is an L2 term added to the gradient, as torch's;
momentum is ``v = m * v - lr * g`` (Keras's form), equal to torch's when the rate is
constant.

>>> from lrlab.training.config import TrainConfig
>>> from lrlab.training.backend import backend_class
>>> backend = backend_class("mxnet")(TrainConfig("constant(0.3)", backend="mxnet"), data, schedule)  # doctest: +SKIP
"""

from __future__ import annotations

import ctypes
import tempfile
import zipfile
from pathlib import Path
from typing import Callable

import numpy as np

from ..training.backend import EpochStats, updates_per_epoch
from .mxnet_env import import_mxnet

mx = import_mxnet()
from mxnet import autograd, gluon  # noqa: E402

from ..adapters.mxnet import MXNetSchedule  # noqa: E402
from .mxnet_lenet import build_lenet  # noqa: E402

EVAL_BATCH = 2000
QUEUE = 16
"""Updates Python may queue ahead of MXNet: enough to hide Python's own time."""


class MXNetBackend:
    """LeNet on Fashion-MNIST in MXNet Gluon, deterministic on CPU for a given seed and thread count."""

    checkpoint_name = "checkpoint.mxnet.zip"

    def __init__(self, config, data, schedule) -> None:
        if config.threads:
            _set_threads(config.threads)
        mx.random.seed(config.seed)  # the initial weights; the data order comes from the loop
        self.batch_size = config.batch_size
        self.train_x, self.train_y = _arrays(data, "train")
        self.test_x, self.test_y = _arrays(data, "test")
        self.net = build_lenet(config.model)
        self.net.hybridize(static_alloc=True)
        self.loss = gluon.loss.SoftmaxCrossEntropyLoss()
        scheduler = MXNetSchedule(
            schedule, unit=config.unit,
            steps_per_epoch=updates_per_epoch(len(data.train_labels), config.batch_size),
        )
        self.trainer = gluon.Trainer(self.net.collect_params(), "sgd", {
            "lr_scheduler": scheduler, "momentum": config.momentum, "wd": config.weight_decay,
        })

    def train_epoch(self, epoch: int, order: np.ndarray, on_batch: Callable[[], None]) -> EpochStats:
        loss_sum = mx.nd.zeros(1, dtype="float64")
        correct = mx.nd.zeros(1, dtype="float64")
        batches = mx.nd.array(order, dtype="int32")
        lr_first = None
        for i, start in enumerate(range(0, len(order), self.batch_size)):
            index = batches[start:start + self.batch_size]
            x, y = self.train_x.take(index), self.train_y.take(index)
            with autograd.record():
                logits = self.net(x)
                loss = self.loss(logits, y)
            loss.backward()
            self.trainer.step(len(index))
            loss_sum += loss.sum().astype("float64")
            correct += (logits.argmax(axis=1) == y).sum().astype("float64")
            lr_first = self.trainer.learning_rate if lr_first is None else lr_first
            if i % QUEUE == QUEUE - 1:
                correct.wait_to_read()
            on_batch()
        n = len(order)
        return EpochStats(loss_sum.asscalar() / n, correct.asscalar() / n, lr_first, self.trainer.learning_rate)

    def evaluate(self) -> float:
        correct = mx.nd.zeros(1, dtype="float64")
        for start in range(0, len(self.test_y), EVAL_BATCH):
            x, y = self.test_x[start:start + EVAL_BATCH], self.test_y[start:start + EVAL_BATCH]
            correct += (self.net(x).argmax(axis=1) == y).sum().astype("float64")
        return correct.asscalar() / len(self.test_y)

    def save(self, path: Path, epochs_done: int) -> None:
        """One zip: the parameters, the Trainer's states (as MXNet pickles them) and ``epochs_done``."""
        with tempfile.TemporaryDirectory() as folder:
            params, trainer = Path(folder, "params"), Path(folder, "trainer")
            self.net.save_parameters(str(params))
            self.trainer.save_states(str(trainer))  # momenta, update counts, the scheduler
            with zipfile.ZipFile(path, "w") as archive:
                archive.write(params, "params")
                archive.write(trainer, "trainer")
                archive.writestr("epochs_done", str(epochs_done))

    def load(self, path: Path) -> int:
        with tempfile.TemporaryDirectory() as folder, zipfile.ZipFile(path) as archive:
            archive.extractall(folder, ["params", "trainer"])
            self.net.load_parameters(str(Path(folder, "params")))
            self.trainer.load_states(str(Path(folder, "trainer")))
            return int(archive.read("epochs_done"))

    def versions(self) -> dict[str, str]:
        return {"mxnet": mx.__version__, "numpy": np.__version__}

    def close(self) -> None:
        """Nothing to release: the backend starts no threads or files of its own (MXNet's
        OpenMP thread count belongs to the process, and stays as ``threads`` set it)."""


def _set_threads(threads: int) -> None:
    # OMP_NUM_THREADS is read only when MXNet loads; this C call is the one that works later.
    mx.base.check_call(mx.base._LIB.MXSetNumOMPThreads(ctypes.c_int(threads)))


def _arrays(data, split: str):
    images, labels = data.as_float32(split)
    return mx.nd.array(images, dtype="float32"), mx.nd.array(labels, dtype="float32")


BACKEND = MXNetBackend
