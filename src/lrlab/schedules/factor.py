"""The chapter's factor scheduler, as a pure function."""

from .base import Schedule, register
from .params import factor, param, rate


@register("factor")
class Factor(Schedule):
    """``lr(t) = max(min_lr, base_lr * factor ** (t + 1))``.

    The sequence the chapter's ``FactorScheduler`` returns when called at
    ``t = 0, 1, 2, ...`` (its ``stop_factor_lr`` is ``min_lr`` here), without the
    self-mutation: calling it twice at the same step gives the same value.
    Edges: ``lr(0) = base_lr * factor``; it reaches ``min_lr`` and holds.

    >>> Factor(base_lr=2.0, factor=0.9, min_lr=0.01)(0)
    1.8
    """

    base_lr: float = param(rate)
    factor: float = param(factor)
    min_lr: float = param(rate, 0.0)

    def value(self, t, xp):
        return xp.maximum(self.min_lr, self.base_lr * xp.power(self.factor, t + 1.0))
