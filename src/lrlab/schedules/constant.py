"""The constant schedule."""

from .base import Schedule, register
from .params import param, rate


@register("constant")
class Constant(Schedule):
    """``lr(t) = base_lr`` at every step.

    >>> Constant(0.3)(1000)
    0.3
    """

    base_lr: float = param(rate)

    def value(self, t, xp):
        return self.base_lr + 0.0 * t

    @property
    def horizon(self):
        return 0
