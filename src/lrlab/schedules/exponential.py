"""Exponential decay: torch ``ExponentialLR``, optax ``exponential_decay``, Keras ``ExponentialDecay``."""

from .base import Schedule, register
from .params import factor, flag, param, positive_steps, rate


@register("exponential")
class Exponential(Schedule):
    """``lr(t) = max(min_lr, base_lr * factor ** (t / step_size))``.

    With ``staircase=True`` the exponent is ``floor(t / step_size)``, so the rate drops
    at ``t = step_size, 2 * step_size, ...``. ``step_size=1`` is torch ``ExponentialLR``
    (``gamma = factor``); optax's ``exponential_decay`` calls ``step_size``
    ``transition_steps`` and ``min_lr`` ``end_value``; Keras's ``ExponentialDecay`` calls
    it ``decay_steps``. Edges: ``lr(0) = base_lr``; it reaches ``min_lr`` and holds
    there, otherwise it decays for ever (no horizon).

    >>> s = Exponential(base_lr=1.0, factor=0.5, step_size=10, staircase=True)
    >>> [s(0), s(9), s(10), s(25)]
    [1.0, 1.0, 0.5, 0.25]
    >>> Exponential(base_lr=1.0, factor=0.5, step_size=10)(5)
    0.7071067811865476
    """

    base_lr: float = param(rate)
    factor: float = param(factor)
    step_size: int = param(positive_steps, 1)
    staircase: bool = param(flag, False)
    min_lr: float = param(rate, 0.0)

    def value(self, t, xp):
        exponent = t / self.step_size
        if self.staircase:
            exponent = xp.floor(exponent)
        return xp.maximum(self.min_lr, self.base_lr * xp.power(self.factor, exponent))
