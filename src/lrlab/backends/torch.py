"""The PyTorch backend: LeNet trained by SGD, the rate set by :class:`lrlab.adapters.torch.ScheduleLR`.

The fast path: the whole data set lives in memory as tensors (float32 scaled
once, shaped (N, 1, 28, 28)); a batch is an index into the epoch's order, so no
Python runs per example; loss and accuracy add up as tensors and are read once
per epoch; evaluation runs in large batches under ``torch.inference_mode()``.

>>> from lrlab.training.backend import backend_class
>>> backend_class("torch").checkpoint_name
'checkpoint.pt'
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import numpy as np

from ..training.backend import BackendUnavailable, EpochStats, updates_per_epoch
from ..training.config import TrainConfig

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

from ..adapters.torch import ScheduleLR
from .torch_lenet import build_lenet

EVAL_BATCH = 5000


class TorchBackend:
    """LeNet on Fashion-MNIST in PyTorch, deterministic on CPU for a given seed and thread count."""

    checkpoint_name = "checkpoint.pt"

    def __init__(self, config: TrainConfig, data, schedule) -> None:
        if config.threads:
            torch.set_num_threads(config.threads)
        self.batch_size = config.batch_size
        self.train_x, self.train_y = _tensors(data, "train")
        self.test_x, self.test_y = _tensors(data, "test")
        torch.manual_seed(config.seed)
        self.model = build_lenet(config.model)
        self.optimizer = torch.optim.SGD(
            self.model.parameters(), lr=schedule(0), momentum=config.momentum, weight_decay=config.weight_decay
        )
        # step() after every update serves both clocks: with unit="epoch" the
        # adapter turns updates into epochs itself.
        self.lr = ScheduleLR(
            self.optimizer, schedule, unit=config.unit,
            steps_per_epoch=updates_per_epoch(len(self.train_y), config.batch_size),
        )

    def train_epoch(self, epoch: int, order: np.ndarray, on_batch: Callable[[], None]) -> EpochStats:
        self.model.train()
        loss_sum = torch.zeros((), dtype=torch.float64)
        correct = torch.zeros((), dtype=torch.int64)
        lr_first = self.lr.get_last_lr()[0]
        for batch in torch.from_numpy(order).split(self.batch_size):
            lr_last = self.lr.get_last_lr()[0]
            x, y = self.train_x[batch], self.train_y[batch]
            logits = self.model(x)
            loss = F.cross_entropy(logits, y)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            self.lr.step()
            loss_sum += loss.detach().double() * len(batch)
            correct += (logits.detach().argmax(1) == y).sum()
            on_batch()
        n = len(order)
        return EpochStats(loss_sum.item() / n, correct.item() / n, lr_first, lr_last)

    def evaluate(self) -> float:
        self.model.eval()
        with torch.inference_mode():
            correct = sum(
                (self.model(x).argmax(1) == y).sum()
                for x, y in zip(self.test_x.split(EVAL_BATCH), self.test_y.split(EVAL_BATCH))
            )
        return int(correct) / len(self.test_y)

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


def _tensors(data, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    images, labels = data.as_float32(split)
    return torch.from_numpy(images), torch.tensor(labels)


BACKEND = TorchBackend
