"""GPUs as a resource of the scheduling loop: which trainings use one, and which GPU each gets.

A training uses a GPU when its backend trains on CUDA and its ``device`` is not ``"cpu"``, on a
machine with GPUs (``device = "auto"`` on a machine without one trains on the CPU, as before).
Each GPU holds trainings up to a share of 1: a training of a model takes ``1 / runs_per_gpu`` of
one (:class:`lrlab.models.ModelEntry`; a LeNet an eighth, ``resnet20`` a whole GPU). Without
``--jobs``, as many train at once as the GPUs hold; with ``--jobs``, the user's count wins and the
trainings share the GPUs out evenly, however many that puts on one.

>>> slots = GpuSlots(gpus=2, strict=True)
>>> [slots.take(share("resnet20")) for _ in range(3)]
[0, 1, None]
>>> slots.give_back(0, share("resnet20")); slots.take(share("lenet"))
0
"""

from __future__ import annotations

import os
import sys
from fractions import Fraction
from typing import Sequence

from .. import models
from ..backends import backend_info


def uses_gpu(config) -> bool:
    """Whether a training of ``config`` (a TrainConfig) wants a GPU where there is one."""
    return config.device != "cpu" and "cuda" in backend_info(config.backend).devices


def share(model: str) -> Fraction:
    """The part of one GPU a training of ``model`` takes."""
    return Fraction(1, models.get(model).runs_per_gpu)


def local_gpus() -> int:
    """The CUDA GPUs PyTorch sees on this machine (``CUDA_VISIBLE_DEVICES`` counts); 0 without
    PyTorch or CUDA. Imports torch (unless Linux has no NVIDIA driver loaded): call it only when a
    training may use a GPU."""
    if sys.platform.startswith("linux") and not os.path.exists("/proc/driver/nvidia"):
        return 0  # no driver, no GPU: and no second spent importing torch
    try:
        import torch
    except ImportError:
        return 0
    return torch.cuda.device_count()


def default_jobs(shares: Sequence[Fraction], gpus: int) -> int:
    """Trainings at once when all of them use a GPU: as many as the GPUs hold of the largest
    share's (so the largest model trains one per GPU).

    >>> default_jobs([share("lenet")] * 15, gpus=1), default_jobs([share("resnet20")] * 15, gpus=2)
    (8, 2)
    """
    return max(1, min(len(shares), int(gpus / max(shares))))


class GpuSlots:
    """The GPUs' shares in use. ``strict``: a training waits until a GPU has room for its share
    (the loop's own plan); not strict (``--jobs`` given): it goes to the least-used GPU anyway."""

    def __init__(self, gpus: int, strict: bool) -> None:
        self.used = [Fraction(0)] * gpus
        self.strict = strict

    def take(self, part: Fraction) -> int | None:
        """The GPU that gets a training of ``part`` (the least used, the lowest index among equals),
        now counted as used; None when the plan leaves no GPU room for it."""
        gpu = min(range(len(self.used)), key=lambda index: self.used[index])
        if self.strict and self.used[gpu] + part > 1:
            return None
        self.used[gpu] += part
        return gpu

    def give_back(self, gpu: int, part: Fraction) -> None:
        self.used[gpu] -= part
