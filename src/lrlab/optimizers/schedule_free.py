"""Schedule-free SGD (Defazio et al. 2024) through the ``schedulefree`` package (``lrlab[schedulefree]``).

Three sequences: ``z`` takes SGD steps, ``x`` is their running average (weighted by ``lr_max ** 2``),
and the gradient is taken at ``y = (1 - momentum) * z + momentum * x``::

    z <- z - lr_t * g(y),    x <- (1 - c) * x + c * z,    c = lr_max ** 2 / sum of lr_max ** 2 so far

The model holds ``y`` while training and ``x`` while evaluating: the backend calls the optimizer's
``train()`` and ``eval()`` wherever it switches the model's mode (training, evaluation, checkpoints).
Weight decay is an L2 term added to the gradient at ``y``, as in lrlab's SGD. ``momentum`` must be
in (0, 1); the paper's, and the package's default, is 0.9 (lrlab's default momentum, 0, is refused).

The rate is the schedule's, as for every optimizer in lrlab (the package's own ``warmup_steps`` is
left at 0): give it a constant, or a warmup to a constant, e.g. ``warmup(constant(2.0), steps=470)``
with ``unit = "step"`` (the package's linear warmup exactly, and the rates the report shows are the
ones applied). A decaying schedule defeats the method's point. Its rates run 10 to 50 times a
classical SGD rate.
"""

from __future__ import annotations

import importlib.util
from typing import Any, Mapping

from .registry import register_optimizer

INSTALL = "pip install 'lrlab[schedulefree]'"


def torch(parameters, lr: float, *, momentum: float, weight_decay: float = 0.0):
    """``schedulefree.SGDScheduleFree`` over ``parameters``, its own warmup off."""
    import schedulefree

    return schedulefree.SGDScheduleFree(parameters, lr=lr, momentum=momentum, weight_decay=weight_decay,
                                        warmup_steps=0)


def installed() -> bool:
    """Whether the ``schedulefree`` package is there to import (without importing it, or torch)."""
    return importlib.util.find_spec("schedulefree") is not None


def _check(settings: Mapping[str, Any]) -> str | None:
    if not 0 < settings.get("momentum", 0.0) < 1:
        return "schedule-free-sgd needs momentum in (0, 1), e.g. momentum = 0.9 (the paper's)"
    if not installed():
        return f"schedule-free-sgd needs the schedulefree package: {INSTALL}"
    return None


register_optimizer(
    "schedule-free-sgd", "schedule-free SGD (the schedulefree package; momentum in (0, 1), e.g. 0.9; PyTorch)",
    settings=("momentum", "weight_decay"), check=_check,
    torch=f"{__name__}:torch",
)
