"""Geometric interpolation from one rate to another: a straight line in log(rate)."""

from .base import Schedule, register
from .params import param, positive, positive_steps
from .phases import progress


@register("geometric")
class Geometric(Schedule):
    """``lr(t) = base_lr * (final_lr / base_lr) ** (min(t, max_update) / max_update)``.

    Every step multiplies the rate by the same ratio, ``(final_lr / base_lr) ** (1 / max_update)``:
    the exponential ramp of a learning-rate range test (``lrlab find-lr``), or an exponential
    warmup. Edges: ``lr(0) = base_lr``, ``lr(max_update) = final_lr``, held after it. Both
    rates must be > 0 (a logarithm of 0 has no line).

    >>> s = Geometric(base_lr=0.001, final_lr=10.0, max_update=4)
    >>> [round(s(t), 6) for t in range(6)]
    [0.001, 0.01, 0.1, 1.0, 10.0, 10.0]
    """

    base_lr: float = param(positive)
    final_lr: float = param(positive)
    max_update: int = param(positive_steps)

    def value(self, t, xp):
        return self.base_lr * xp.power(self.final_lr / self.base_lr, progress(t, 0, self.max_update, xp))

    @property
    def horizon(self):
        return self.max_update
