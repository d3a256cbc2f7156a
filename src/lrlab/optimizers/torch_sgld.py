"""Stochastic gradient Langevin dynamics (Welling and Teh 2011) for PyTorch tensors.

With the posterior's energy ``U(theta) = -log prior(theta) - (N / n) * sum over the batch of
log p(y | x, theta)``, a Gaussian prior of precision ``lambda`` and a temperature ``T``::

    theta <- theta - (eps_t / 2) * grad U(theta) + sqrt(eps_t * T) * xi,    xi ~ N(0, I)
    grad U(theta) = lambda * theta + N * grad L(theta)

where ``L`` is the batch's *mean* cross-entropy, the loss whose gradient the training loop computes
(``(N / n) * sum = N * mean``), and ``N`` the training set's size. The schedule's rate is ``eps_t``,
Welling and Teh's step size, the variance of the noise at ``T = 1`` (not the ``lr = eps / 2`` of
some implementations). On the mean loss, this is gradient descent at rate ``eps_t * N / 2`` with
weight decay ``lambda / N``, plus the noise: SGD's rate ``r`` on ``N`` examples is ``eps = 2 * r / N``
(0.1 on Fashion-MNIST's 60000 is ``eps = 3.3e-6``). ``T = 1`` samples the posterior, ``T < 1`` a
colder one, ``T = 0`` is no noise (gradient descent on ``U``).

The noise comes from a ``torch.Generator`` of its own, seeded from the run's seed (a stream apart
from the initialisation's); its state is part of :meth:`SGLD.state_dict`, so a resumed run draws
the same noise as an uninterrupted one.

>>> import torch
>>> w = torch.zeros(100_000)
>>> optimizer = SGLD([w], lr=0.01, dataset_size=1, prior_precision=0.0, seed=0)
>>> w.grad = torch.zeros_like(w)
>>> optimizer.step()
>>> round(w.var().item(), 3)  # eps_t: a parameter without gradient moves by N(0, eps_t)
0.01
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np
import torch

from .torch_sgd import group_state, load_group_state

__all__ = ["SGLD", "noise_seed"]

NOISE_STREAM = 0x5C1D
"""Mixed with the run's seed, so that the noise is not the stream the initialisation drew from."""


def noise_seed(seed: int) -> int:
    """The noise generator's seed for a run's ``seed``: a stream of its own.

    >>> noise_seed(0) != noise_seed(1) and noise_seed(0) == noise_seed(0)
    True
    """
    return int(np.random.SeedSequence([seed, NOISE_STREAM]).generate_state(1)[0])


class SGLD:
    """SGLD over ``parameters`` (see the module docstring); ``dataset_size`` is ``N``; a parameter
    whose ``grad`` is None is skipped (and draws no noise)."""

    def __init__(self, parameters: Iterable[torch.Tensor], lr: float, *, dataset_size: int,
                 prior_precision: float = 1.0, temperature: float = 1.0, seed: int = 0) -> None:
        if dataset_size < 1 or prior_precision < 0 or temperature < 0:
            raise ValueError("SGLD needs dataset_size >= 1, prior_precision >= 0 and temperature >= 0")
        self.param_groups = [{"params": list(parameters), "lr": lr, "dataset_size": dataset_size,
                              "prior_precision": prior_precision, "temperature": temperature}]
        self.generator = torch.Generator().manual_seed(noise_seed(seed))

    @torch.no_grad()
    def step(self) -> None:
        """One Langevin update of every parameter that has a gradient, at step size ``"lr"``."""
        group = self.param_groups[0]
        eps, n, precision, temperature = group["lr"], group["dataset_size"], group["prior_precision"], group["temperature"]
        spread = math.sqrt(eps * temperature)
        for param in group["params"]:
            if param.grad is None:
                continue
            grad_u = param.grad.mul(n)
            if precision != 0:
                grad_u.add_(param, alpha=precision)
            noise = torch.randn(param.shape, generator=self.generator, dtype=param.dtype)
            param.add_(grad_u, alpha=-eps / 2).add_(noise, alpha=spread)

    def state_dict(self) -> dict[str, Any]:
        """The group's settings and the noise generator's state."""
        return {"state": {}, "param_groups": [group_state(self.param_groups[0])],
                "generator": self.generator.get_state()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Continue from a :meth:`state_dict` of as many parameters: the same noise from here on."""
        load_group_state(self.param_groups[0], state_dict)
        self.generator.set_state(state_dict["generator"])
