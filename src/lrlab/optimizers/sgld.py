"""Stochastic gradient Langevin dynamics: sampling the posterior instead of minimising the loss.

``theta <- theta - (eps_t / 2) * (prior_precision * theta + N * grad L) + sqrt(eps_t * temperature) * xi``,
with ``L`` the batch's mean loss, ``N`` the training examples and ``eps_t`` the schedule's rate
(:mod:`lrlab.optimizers.torch_sgld` has the derivation and what the rate means). PyTorch only.
"""

from __future__ import annotations

from .registry import register_optimizer


def torch(parameters, lr: float, *, prior_precision: float = 1.0, temperature: float = 1.0,
          dataset_size: int, seed: int = 0):
    """:class:`lrlab.optimizers.torch_sgld.SGLD` over ``parameters``, its noise seeded from ``seed``."""
    from .torch_sgld import SGLD

    return SGLD(parameters, lr=lr, dataset_size=dataset_size, prior_precision=prior_precision,
                temperature=temperature, seed=seed)


register_optimizer(
    "sgld", "stochastic gradient Langevin dynamics (the rate is the step size eps_t; a Gaussian prior; PyTorch)",
    settings=("prior_precision", "temperature"), inputs=("dataset_size", "seed"),
    torch=f"{__name__}:torch",
)
