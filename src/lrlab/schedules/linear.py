"""Linear decay (or rise) from one rate to another."""

from .base import Schedule, register
from .params import param, positive_steps, rate
from .phases import progress


@register("linear")
class Linear(Schedule):
    """``lr(t) = base_lr + (final_lr - base_lr) * min(t, max_update) / max_update``.

    Edges: ``lr(0) = base_lr``, ``lr(max_update) = final_lr``, held after it. Rising
    (``final_lr > base_lr``) is allowed: that is a linear warmup.

    >>> Linear(base_lr=1.0, final_lr=0.0, max_update=4)(1)
    0.75
    """

    base_lr: float = param(rate)
    final_lr: float = param(rate)
    max_update: int = param(positive_steps)

    def value(self, t, xp):
        return self.base_lr + (self.final_lr - self.base_lr) * progress(t, 0, self.max_update, xp)

    @property
    def horizon(self):
        return self.max_update
