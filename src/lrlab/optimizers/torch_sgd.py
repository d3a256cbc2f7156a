"""SGD for PyTorch tensors without ``torch.optim``: the same floats as ``torch.optim.SGD`` on a
CPU, and a process that trains starts seconds sooner.

Why not ``torch.optim.SGD`` itself: every ``torch.optim.Optimizer`` imports ``torch._dynamo``
(the compiler) when it is built (``add_param_group``) and again on every ``step`` (its
``_use_grad_for_differentiable`` wrapper), with no option to turn that off; that import takes
longer than importing torch (benchmarks/README.md), in every training process. This class is
``torch.optim.SGD``'s CPU path (``_single_tensor_sgd``, the one torch takes for CPU tensors),
operation for operation, with dampening 0 and ``maximize`` off::

    g <- grad + weight_decay * w            (when weight_decay != 0)
    v <- g at the first step, else momentum * v + g  (when momentum != 0; then g <- v,
                                                      or g <- g + momentum * v with nesterov)
    w <- w - lr * g

It keeps what the rest of lrlab reads: ``param_groups`` (one group; :class:`lrlab.adapters.torch.ScheduleLR`
sets its ``"lr"``), ``step()``, and ``state_dict()``/``load_state_dict()`` in ``torch.optim.SGD``'s
format, so a checkpoint of either resumes in the other.

>>> import torch
>>> w = torch.tensor([1.0], requires_grad=True)
>>> optimizer = SGD([w], lr=0.5, momentum=0.9)
>>> for _ in range(2):
...     w.grad = torch.tensor([1.0])
...     optimizer.step()
>>> round(w.item(), 6)  # 1 - 0.5 * 1, then - 0.5 * (0.9 * 1 + 1)
-0.45
"""

from __future__ import annotations

from typing import Any, Iterable

import torch

__all__ = ["SGD"]


class SGD:
    """Stochastic gradient descent over ``parameters`` (tensors), bitwise as ``torch.optim.SGD``
    on a CPU; a parameter whose ``grad`` is None is skipped, as torch does."""

    def __init__(self, parameters: Iterable[torch.Tensor], lr: float, *, momentum: float = 0.0,
                 nesterov: bool = False, weight_decay: float = 0.0) -> None:
        if nesterov and not momentum:
            raise ValueError("nesterov=True needs momentum > 0")
        params = list(parameters)
        self.param_groups = [{"params": params, "lr": lr, "momentum": momentum, "dampening": 0,
                              "weight_decay": weight_decay, "nesterov": nesterov, "maximize": False,
                              "foreach": None, "differentiable": False, "fused": None}]
        self.momentum_buffers: list[torch.Tensor | None] = [None] * len(params)

    @torch.no_grad()
    def step(self) -> None:
        """One update of every parameter that has a gradient, at the group's ``"lr"``."""
        group = self.param_groups[0]
        lr, momentum, decay, nesterov = group["lr"], group["momentum"], group["weight_decay"], group["nesterov"]
        for i, param in enumerate(group["params"]):
            if param.grad is None:
                continue
            grad = param.grad
            if decay != 0:
                grad = grad.add(param, alpha=decay)
            if momentum != 0:
                buffer = self.momentum_buffers[i]
                if buffer is None:
                    buffer = self.momentum_buffers[i] = grad.detach().clone()
                else:
                    buffer.mul_(momentum).add_(grad, alpha=1)
                grad = grad.add(buffer, alpha=momentum) if nesterov else buffer
            param.add_(grad, alpha=-lr)

    def state_dict(self) -> dict[str, Any]:
        """``torch.optim.SGD``'s format: the momentum buffers by parameter index, the group's settings."""
        state = {i: {"momentum_buffer": buffer} for i, buffer in enumerate(self.momentum_buffers)
                 if buffer is not None}
        return {"state": state, "param_groups": [group_state(self.param_groups[0])]}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Continue from a :meth:`state_dict` (this class's or ``torch.optim.SGD``'s) of as many parameters."""
        group = self.param_groups[0]
        load_group_state(group, state_dict)
        buffers = {int(i): entry.get("momentum_buffer") for i, entry in state_dict["state"].items()}
        self.momentum_buffers = [None if buffers.get(i) is None else buffers[i].to(param)
                                 for i, param in enumerate(group["params"])]


def group_state(group: dict[str, Any]) -> dict[str, Any]:
    """A one-group optimizer's group as ``torch.optim``'s ``state_dict`` writes it: its settings,
    and its parameters by index."""
    settings = {key: value for key, value in group.items() if key != "params"}
    return settings | {"params": list(range(len(group["params"])))}


def load_group_state(group: dict[str, Any], state_dict: dict[str, Any]) -> None:
    """Set ``group``'s settings from the one group of ``state_dict``, which must have as many parameters."""
    (saved,) = state_dict["param_groups"]
    if len(saved["params"]) != len(group["params"]):
        raise ValueError(f"the saved optimizer has {len(saved['params'])} parameters, this one {len(group['params'])}")
    group.update({key: value for key, value in saved.items() if key in group and key != "params"})
