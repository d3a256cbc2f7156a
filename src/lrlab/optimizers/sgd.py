"""Stochastic gradient descent with momentum, Nesterov momentum and weight decay, as torch has it.

``v <- momentum * v + g + weight_decay * w``; ``w <- w - lr * v`` (with ``nesterov``, the
step is ``g + weight_decay * w + momentum * v``). Weight decay is an L2 term added to the
gradient in every framework. Keras's and MXNet's momentum, ``v <- momentum * v - lr * g``,
is the same update while the rate is constant (they differ only in when a changed rate
takes effect).
"""

from __future__ import annotations

from typing import Any, Mapping

from .registry import register_optimizer


def torch(parameters, lr: float, *, momentum: float = 0.0, nesterov: bool = False, weight_decay: float = 0.0):
    """:class:`lrlab.optimizers.torch_sgd.SGD` over ``parameters``: ``torch.optim.SGD``'s numbers on a
    CPU, without the compiler's import that every ``torch.optim`` optimizer makes."""
    from .torch_sgd import SGD

    return SGD(parameters, lr=lr, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay)


def keras(learning_rate, *, momentum: float = 0.0, nesterov: bool = False, weight_decay: float = 0.0):
    """``keras.optimizers.SGD``; the Keras backend adds ``weight_decay * w`` to each gradient
    itself (Keras's own option decays the weights apart from the gradient)."""
    import keras

    return keras.optimizers.SGD(learning_rate=learning_rate, momentum=momentum, nesterov=nesterov)


def mxnet(*, momentum: float = 0.0, nesterov: bool = False, weight_decay: float = 0.0) -> tuple[str, dict]:
    """The Gluon ``Trainer``'s optimizer name and options (``nag`` is MXNet's Nesterov SGD)."""
    return ("nag" if nesterov else "sgd"), {"momentum": momentum, "wd": weight_decay}


def _check(settings: Mapping[str, Any]) -> str | None:
    if settings.get("nesterov") and not settings.get("momentum"):
        return "nesterov=True needs momentum > 0"
    return None


register_optimizer(
    "sgd", "SGD with momentum, Nesterov momentum and weight decay",
    settings=("momentum", "nesterov", "weight_decay"), check=_check,
    torch=f"{__name__}:torch", keras=f"{__name__}:keras", mxnet=f"{__name__}:mxnet",
)
