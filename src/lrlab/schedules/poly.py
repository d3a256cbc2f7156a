"""Polynomial decay with an optional warmup: MXNet's ``PolyScheduler``."""

from .base import Schedule, register
from .params import one_of, param, positive, positive_steps, rate, steps
from .phases import WARMUP_MODES, progress, warmup_ramp


@register("poly")
class Poly(Schedule):
    """Warmup for ``warmup_steps``, then ``base_lr`` to ``final_lr`` along ``(1 - p) ** power``.

    With ``w = warmup_steps``, ``T = max_update - w`` and ``p = min(t - w, T) / T``::

        lr(t) = final_lr + (base_lr - final_lr) * (1 - p) ** power      (t >= w)

    MXNet calls ``power`` ``pwr``; torch ``PolynomialLR`` is ``final_lr = 0, w = 0``.
    Edges: ``lr(w) = base_lr``, ``lr(max_update) = final_lr``, held after it.

    >>> Poly(max_update=10, base_lr=1.0, power=2)(5)
    0.25
    """

    max_update: int = param(positive_steps)
    base_lr: float = param(rate)
    power: float = param(positive, 2.0)
    final_lr: float = param(rate, 0.0)
    warmup_steps: int = param(steps, 0)
    warmup_begin_lr: float = param(rate, 0.0)
    warmup_mode: str = param(one_of(*WARMUP_MODES), "linear")

    def validate(self):
        if self.warmup_steps >= self.max_update:
            raise self.invalid("warmup_steps", f"must be < max_update ({self.max_update})")

    def value(self, t, xp):
        p = progress(t, self.warmup_steps, self.max_update - self.warmup_steps, xp)
        decayed = self.final_lr + (self.base_lr - self.final_lr) * xp.power(1.0 - p, self.power)
        ramp = warmup_ramp(t, self.warmup_steps, self.warmup_begin_lr, self.base_lr, self.warmup_mode, xp)
        return xp.where(t < self.warmup_steps, ramp, decayed)

    @property
    def horizon(self):
        return self.max_update
