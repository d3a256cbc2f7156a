"""Inverse time decay: Keras ``InverseTimeDecay``."""

from .base import Schedule, register
from .params import flag, param, positive_steps, rate


@register("inverse_time")
class InverseTime(Schedule):
    """``lr(t) = base_lr / (1 + rate * t / step_size)``.

    With ``staircase=True`` the quotient is ``floor(t / step_size)``. Keras's
    ``InverseTimeDecay(initial_learning_rate, decay_steps, decay_rate)`` is
    ``inverse_time(base_lr, rate=decay_rate, step_size=decay_steps)``; ``rate = 1,
    step_size = 1`` is ``power(base_lr, beta=1)``. Edges: ``lr(0) = base_lr``; it decays
    for ever (no horizon).

    >>> s = InverseTime(base_lr=1.0, rate=0.5, step_size=2)
    >>> [s(0), s(1), s(2), s(4)]
    [1.0, 0.8, 0.6666666666666666, 0.5]
    >>> InverseTime(base_lr=1.0, rate=0.5, step_size=2, staircase=True)(3)
    0.6666666666666666
    """

    base_lr: float = param(rate)
    rate: float = param(rate)
    step_size: int = param(positive_steps, 1)
    staircase: bool = param(flag, False)

    def value(self, t, xp):
        quotient = t / self.step_size
        if self.staircase:
            quotient = xp.floor(quotient)
        return self.base_lr / (1.0 + self.rate * quotient)
