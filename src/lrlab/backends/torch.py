"""The PyTorch backend: LeNet trained by SGD, the rate set by :class:`lrlab.adapters.torch.ScheduleLR`.

The fast path: the whole data set lives in memory as tensors (float32 scaled
once, shaped (N, 1, 28, 28)); a batch is an index into the epoch's order, so no
Python runs per example; loss and accuracy add up as tensors and are read once
per epoch; evaluation runs in large batches under ``torch.inference_mode()``;
the network runs through :func:`lrlab.backends.torch_lenet.forward` (the same
numbers as the module, a faster way on a CPU); freed memory stays in the process
for the next step (:func:`keep_freed_memory`).

With ``threads`` = k > 1, each update splits its batch into k parts, one per Python
thread, each running torch on one core, and adds their gradients in a fixed order.
Torch's own threads meet at a barrier in every operation, about a hundred times a
step; on 2 cores a step took 13-16 ms that way (waiting threads asleep, see
OMP_WAIT_POLICY below; spinning ones were slower still beside another job) against
10-11 ms split, and 26 against 20 ms beside a busy process.

>>> from lrlab.backends import backend_class
>>> backend_class("torch").checkpoint_name
'checkpoint.pt'
"""

from __future__ import annotations

import ctypes
import operator
import os
import platform
from concurrent.futures import ThreadPoolExecutor
from functools import partial, reduce
from pathlib import Path
from typing import Callable

import numpy as np

from .base import BackendUnavailable, EpochStats, Job

# OpenMP threads that spin while waiting stall each other when the cores are shared
# (measured on 2 cores, 2 threads, another job running: 63-84 s an epoch spinning,
# 4.5-7 s sleeping; alone, both about 3-4 s). Read when torch starts OpenMP, so it
# only helps if torch is not imported yet; an explicit setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

try:
    import torch
    from torch.nn import functional as F
except ImportError as error:
    raise BackendUnavailable(f"the torch backend needs PyTorch ({error}): pip install 'lrlab[torch]'") from None

from .. import models, optimizers
from ..adapters.torch import ScheduleLR
from .torch_lenet import forward

EVAL_BATCH = 1000


class TorchBackend:
    """A model from the registry trained in PyTorch, deterministic on CPU for a given seed and thread count."""

    checkpoint_name = "checkpoint.pt"

    def __init__(self, job: Job) -> None:
        keep_freed_memory()
        self.threads = job.threads or torch.get_num_threads()
        self.conv_dtype = torch.bfloat16 if job.precision == "bf16" else torch.float32
        self.pool = ThreadPoolExecutor(self.threads - 1) if self.threads > 1 else None
        self.batch_size = job.batch_size
        self.train_x, self.train_y = _tensors(job.data, "train")
        self.test_x, self.test_y = _tensors(job.data, "test")
        torch.manual_seed(job.seed)
        self.model = models.build(job.model, "torch", job.data.image_shape, job.data.num_classes)
        self.optimizer = optimizers.build(job.optimizer, "torch", self.model.parameters(), job.schedule(0),
                                          **job.optimizer_settings)
        # step() after every update serves both clocks: with unit="epoch" the
        # adapter turns updates into epochs itself.
        self.lr = ScheduleLR(self.optimizer, job.schedule, unit=job.unit, steps_per_epoch=job.updates_per_epoch)

    def train_epoch(self, epoch: int, order: np.ndarray, on_batch: Callable[[], None]) -> EpochStats:
        self.model.train()
        loss_sum = torch.zeros((), dtype=torch.float64)
        correct = torch.zeros((), dtype=torch.int64)
        lr_first = self.lr.get_last_lr()[0]
        for batch in torch.from_numpy(order).split(self.batch_size):
            lr_last = self.lr.get_last_lr()[0]
            loss, hits = self._update(batch)
            self.lr.step()
            loss_sum += loss
            correct += hits
            on_batch()
        n = len(order)
        return EpochStats(loss_sum.item() / n, correct.item() / n, lr_first, lr_last)

    def _update(self, batch: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One SGD update on ``batch``; returns its summed loss and its correct count."""
        parts = [part for part in batch.tensor_split(self.threads) if len(part)]
        results = self._map(partial(self._gradients, scale=1 / len(batch)), parts)
        for parameter, *grads in zip(self.model.parameters(), *(grads for _, _, grads in results)):
            parameter.grad = reduce(operator.add, grads)  # in a fixed order: the same numbers every time
        self.optimizer.step()
        return sum(loss for loss, _, _ in results), sum(hits for _, hits, _ in results)

    def _gradients(self, batch: torch.Tensor, scale: float):
        """The summed loss and correct count of ``batch``, and ``scale`` x its loss's gradients."""
        x, y = self.train_x.index_select(0, batch), self.train_y.index_select(0, batch)
        logits = forward(self.model, x, self.conv_dtype)
        loss = F.cross_entropy(logits, y, reduction="sum")
        grads = torch.autograd.grad(loss * scale, list(self.model.parameters()))
        return loss.detach().double(), (logits.detach().argmax(1) == y).sum(), grads

    def evaluate(self) -> dict[str, float]:
        self.model.eval()
        chunks = list(zip(self.test_x.split(EVAL_BATCH), self.test_y.split(EVAL_BATCH)))
        parts = self._map(self._test_sums, [chunks[i::self.threads] for i in range(self.threads)])
        n = len(self.test_y)
        return {"test_acc": sum(hits for hits, _ in parts) / n, "test_loss": sum(loss for _, loss in parts) / n}

    def _test_sums(self, chunks) -> tuple[int, float]:
        """The correct count and the summed cross-entropy over ``chunks``."""
        hits, loss = 0, 0.0
        with torch.inference_mode():
            for x, y in chunks:
                logits = forward(self.model, x, self.conv_dtype)
                hits += int((logits.argmax(1) == y).sum())
                loss += float(F.cross_entropy(logits, y, reduction="sum").double())
        return hits, loss

    def _map(self, function, items: list) -> list:
        """``function`` of each item, each in its own thread (this one for the first), on one core each."""
        def call(item):
            torch.set_num_threads(1)  # per thread: OpenMP's thread count is a per-thread setting
            return function(item)

        futures = [self.pool.submit(call, item) for item in items[1:]] if self.pool else []
        return [call(items[0])] + [future.result() for future in futures]

    def save(self, path: Path, epochs_done: int) -> None:
        torch.save({
            "epochs_done": epochs_done,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "lr": self.lr.state_dict(),
            "torch_rng": torch.get_rng_state(),
        }, path)

    def load(self, path: Path) -> int:
        state = torch.load(path, weights_only=True)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.lr.load_state_dict(state["lr"])
        torch.set_rng_state(state["torch_rng"])
        return state["epochs_done"]

    def versions(self) -> dict[str, str]:
        return {"torch": torch.__version__}

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()


def keep_freed_memory() -> None:
    """Make glibc keep freed memory for the next step instead of returning it to the system.

    By default glibc unmaps large freed blocks and the next step maps them again, page
    by page: up to 2,900 page faults a LeNet step here, which cost 5-40% of a step on
    this virtual machine (benchmarks/README.md). A training process keeps its peak memory
    anyway. Elsewhere than Linux with glibc, nothing changes.
    """
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return
    mallopt = ctypes.CDLL("libc.so.6").mallopt
    m_trim_threshold, m_mmap_threshold = -1, -3
    mallopt(m_mmap_threshold, 32 << 20)  # the largest glibc accepts; bigger blocks are still mapped
    mallopt(m_trim_threshold, 512 << 20)


def _tensors(data, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    images, labels = data.as_float32(split)
    return torch.from_numpy(images), torch.tensor(labels)


BACKEND = TorchBackend
