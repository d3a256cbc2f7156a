"""Cosine annealing with warm restarts (SGDR): torch ``CosineAnnealingWarmRestarts``, with decaying peaks."""

import math

from .base import Schedule, register
from .params import at_least_one, factor, param, positive_steps, rate


@register("sgdr")
class SGDR(Schedule):
    """Cycle ``i`` lasts ``T_i = period * period_mult ** i`` steps and starts at
    ``S_i = period * (period_mult ** i - 1) / (period_mult - 1)`` (``period * i`` when
    ``period_mult = 1``); within it, with ``peak_i = base_lr * decay ** i``::

        lr(t) = final_lr + (peak_i - final_lr) * (1 + cos(pi * (t - S_i) / T_i)) / 2

    ``decay=1`` is torch ``CosineAnnealingWarmRestarts(T_0=period, T_mult=period_mult,
    eta_min=final_lr)``. Edges: ``lr(0) = base_lr``; every cycle start ``S_i`` is a
    peak, ``lr(S_i) = peak_i``; just before it the rate nears ``final_lr``; it restarts
    for ever (no horizon).

    >>> s = SGDR(base_lr=1.0, period=10, period_mult=2.0, decay=0.5)
    >>> [round(s(t), 3) for t in (0, 5, 9, 10, 20, 30)]
    [1.0, 0.5, 0.024, 0.5, 0.25, 0.25]
    """

    base_lr: float = param(rate)
    period: int = param(positive_steps)
    period_mult: float = param(at_least_one, 1.0)
    final_lr: float = param(rate, 0.0)
    decay: float = param(factor, 1.0)

    def value(self, t, xp):
        i = self._cycle(t, xp)
        start = self._start(i, xp)
        length = self.period * xp.power(self.period_mult, i)
        peak = self.base_lr * xp.power(self.decay, i)
        return self.final_lr + (peak - self.final_lr) * (1 + xp.cos(xp.pi * (t - start) / length)) / 2

    def _cycle(self, t, xp):
        """The index ``i`` of the cycle that ``t`` is in: ``S_i <= t < S_(i+1)``."""
        m = self.period_mult
        if m == 1.0:
            return xp.floor(t / self.period)
        # math.log: a float64 constant even where xp computes in float32.
        i = xp.floor(xp.log(t / self.period * (m - 1.0) + 1.0) / math.log(m))
        # The logarithm can round a cycle start into the cycle before (or t into the next).
        i = xp.where(t < self._start(i, xp), i - 1.0, i)
        return xp.where(t >= self._start(i + 1.0, xp), i + 1.0, i)

    def _start(self, i, xp):
        m = self.period_mult
        if m == 1.0:
            return self.period * i
        return self.period * (xp.power(m, i) - 1.0) / (m - 1.0)
