"""Cosine decay with an optional warmup: the chapter's (and MXNet's) ``CosineScheduler``."""

from .base import Schedule, register
from .params import one_of, param, positive_steps, rate, steps
from .phases import WARMUP_MODES, progress, warmup_ramp


@register("cosine")
class Cosine(Schedule):
    """Warmup for ``warmup_steps``, then a half cosine from ``base_lr`` to ``final_lr``.

    For ``t < w`` (``w = warmup_steps``) the warmup ramp from ``warmup_begin_lr``
    (see :func:`~lrlab.schedules.phases.warmup_ramp`); then, with
    ``p = min(t - w, T) / T`` and ``T = max_update - w``::

        lr(t) = final_lr + (base_lr - final_lr) * (1 + cos(pi * p)) / 2

    ``max_update`` counts the warmup (as MXNet and optax; Keras counts it apart).
    Edges: ``lr(0) = warmup_begin_lr`` with a warmup, else ``base_lr``;
    ``lr(w) = base_lr``; ``lr(max_update) = final_lr``, held after it.

    >>> s = Cosine(max_update=20, base_lr=0.3, final_lr=0.01, warmup_steps=5)
    >>> [round(s(t), 4) for t in (0, 5, 20, 30)]
    [0.0, 0.3, 0.01, 0.01]
    """

    max_update: int = param(positive_steps)
    base_lr: float = param(rate)
    final_lr: float = param(rate, 0.0)
    warmup_steps: int = param(steps, 0)
    warmup_begin_lr: float = param(rate, 0.0)
    warmup_mode: str = param(one_of(*WARMUP_MODES), "linear")

    def validate(self):
        if self.warmup_steps >= self.max_update:
            raise self.invalid("warmup_steps", f"must be < max_update ({self.max_update})")

    def value(self, t, xp):
        decay_steps = self.max_update - self.warmup_steps
        p = progress(t, self.warmup_steps, decay_steps, xp)
        decayed = self.final_lr + (self.base_lr - self.final_lr) * (1 + xp.cos(xp.pi * p)) / 2
        ramp = warmup_ramp(t, self.warmup_steps, self.warmup_begin_lr, self.base_lr, self.warmup_mode, xp)
        return xp.where(t < self.warmup_steps, ramp, decayed)

    @property
    def horizon(self):
        return self.max_update
