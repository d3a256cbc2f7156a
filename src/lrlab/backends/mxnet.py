"""The Apache MXNet backend: a hybridized Gluon model from the registry, its optimizer in a
Gluon ``Trainer`` whose rate comes from :class:`lrlab.adapters.mxnet.MXNetSchedule`.

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

The optimizer as :mod:`lrlab.optimizers.sgd` describes it (``weight_decay`` an L2 term
added to the gradient, as torch's).

>>> from lrlab.backends import Job, backend_class
>>> backend = backend_class("mxnet")(Job(data, schedule))  # doctest: +SKIP
"""

from __future__ import annotations

import ctypes
import tempfile
import zipfile
from pathlib import Path
from typing import Callable

import numpy as np

from .base import EpochStats, Job, calibration_metrics
from .mxnet_env import import_mxnet

mx = import_mxnet()
from mxnet import autograd, gluon  # noqa: E402

from .. import models, optimizers  # noqa: E402
from ..adapters.mxnet import MXNetSchedule  # noqa: E402
from ..schedules import Schedule  # noqa: E402
from .safe_pickle import check_pickle  # noqa: E402

EVAL_BATCH = 2000
QUEUE = 16
"""Updates Python may queue ahead of MXNet: enough to hide Python's own time."""


class MXNetBackend:
    """A model from the registry trained in MXNet Gluon, deterministic on CPU for a given seed and thread count."""

    checkpoint_name = "checkpoint.mxnet.zip"

    def __init__(self, job: Job) -> None:
        if job.threads:
            _set_threads(job.threads)
        mx.random.seed(job.seed)  # the initial weights; the data order comes from the loop
        self.batch_size = job.batch_size
        self.train_x, self.train_y = _arrays(job.data, "train")
        self.test_x, self.test_y = _arrays(job.data, "test")
        self.net = models.build(job.model, "mxnet", job.data.image_shape, job.data.num_classes, job.init)
        self.net.hybridize(static_alloc=True)
        self.loss = gluon.loss.SoftmaxCrossEntropyLoss()
        scheduler = MXNetSchedule(job.schedule, unit=job.unit, steps_per_epoch=job.updates_per_epoch)
        name, options = optimizers.build(job.optimizer, "mxnet", **job.optimizer_settings)
        self.trainer = gluon.Trainer(self.net.collect_params(), name, {"lr_scheduler": scheduler, **options})

    def train_epoch(self, epoch: int, order: np.ndarray, on_batch: Callable[[], None]) -> EpochStats:
        loss_sum = mx.nd.zeros(1, dtype="float64")
        correct = mx.nd.zeros(1, dtype="float64")
        batches = mx.nd.array(order, dtype="int32")
        lr_first = None
        for i, start in enumerate(range(0, len(order), self.batch_size)):
            index = batches[start:start + self.batch_size]
            logits, y, loss = self._update(index)
            loss_sum += loss.sum().astype("float64")
            correct += (logits.argmax(axis=1) == y).sum().astype("float64")
            lr_first = self.trainer.learning_rate if lr_first is None else lr_first
            if i % QUEUE == QUEUE - 1:
                correct.wait_to_read()
            on_batch()
        n = len(order)
        return EpochStats(loss_sum.asscalar() / n, correct.asscalar() / n, lr_first, self.trainer.learning_rate)

    def train_update(self, batch: np.ndarray) -> float:
        _, _, loss = self._update(mx.nd.array(batch, dtype="int32"))
        return loss.sum().astype("float64").asscalar() / len(batch)

    def _update(self, index):
        """One update on the examples ``index`` (queued, not waited for); returns its logits,
        labels and per-example losses."""
        x, y = self.train_x.take(index), self.train_y.take(index)
        with autograd.record():
            logits = self.net(x)
            loss = self.loss(logits, y)
        loss.backward()
        self.trainer.step(len(index))
        return logits, y, loss

    def evaluate(self) -> dict[str, float]:
        correct = mx.nd.zeros(1, dtype="float64")
        loss = mx.nd.zeros(1, dtype="float64")
        chunks = []
        for start in range(0, len(self.test_y), EVAL_BATCH):
            x, y = self.test_x[start:start + EVAL_BATCH], self.test_y[start:start + EVAL_BATCH]
            logits = self.net(x)
            correct += (logits.argmax(axis=1) == y).sum().astype("float64")
            loss += self.loss(logits, y).sum().astype("float64")
            chunks.append(logits)
        n = len(self.test_y)
        logits = np.concatenate([chunk.asnumpy() for chunk in chunks])  # after queueing them all: one wait
        return {"test_acc": correct.asscalar() / n, "test_loss": loss.asscalar() / n} | \
            calibration_metrics(logits, self.test_y.asnumpy().astype(np.int64))

    def logits(self, images: np.ndarray) -> np.ndarray:
        return np.concatenate([self.net(mx.nd.array(images[i:i + EVAL_BATCH], dtype="float32")).asnumpy()
                               for i in range(0, len(images), EVAL_BATCH)])

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
        """Restore from ``path``; the Trainer's states (a pickle) are checked to name only MXNet's
        arrays and optimizers and lrlab's schedules before MXNet loads them (:mod:`.safe_pickle`)."""
        with tempfile.TemporaryDirectory() as folder, zipfile.ZipFile(path) as archive:
            check_pickle(archive.read("trainer"), exact={("mxnet.ndarray.ndarray", "NDArray")},
                         bases=(mx.optimizer.Optimizer, mx.lr_scheduler.LRScheduler, Schedule))
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
