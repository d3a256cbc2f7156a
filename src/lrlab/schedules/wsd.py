"""Warmup-stable-decay (trapezoidal) schedule."""

from .base import Schedule, register
from .params import one_of, param, positive_steps, rate, steps
from .phases import anneal, progress, warmup_ramp


@register("wsd")
class WSD(Schedule):
    """Warmup to ``base_lr``, hold it, then decay to ``final_lr`` over the last ``decay_steps``.

    With ``w = warmup_steps``, ``D = decay_steps``, ``T = max_update`` and
    ``p = clip((t - (T - D)) / D, 0, 1)``: the linear warmup ramp from
    ``warmup_begin_lr`` for ``t < w``, then ``anneal(base_lr, final_lr, p, decay)``
    (see :func:`~lrlab.schedules.phases.anneal`: ``"linear"``, ``"cosine"`` or
    ``"1-sqrt"``), which is ``base_lr`` until ``T - D``. transformers'
    ``get_wsd_schedule`` is this with ``final_lr = min_lr_ratio * base_lr``. Edges:
    ``lr(0) = warmup_begin_lr`` with a warmup, else ``base_lr``; ``lr(w) = base_lr``
    through ``lr(T - D)``; ``lr(T) = final_lr``, held after it.

    >>> s = WSD(max_update=10, base_lr=1.0, decay_steps=4, warmup_steps=2)
    >>> [s(t) for t in (0, 1, 2, 6, 8, 10, 20)]
    [0.0, 0.5, 1.0, 1.0, 0.5, 0.0, 0.0]
    """

    max_update: int = param(positive_steps)
    base_lr: float = param(rate)
    decay_steps: int = param(positive_steps)
    warmup_steps: int = param(steps, 0)
    final_lr: float = param(rate, 0.0)
    decay: str = param(one_of("linear", "cosine", "1-sqrt"), "linear")
    warmup_begin_lr: float = param(rate, 0.0)

    def validate(self):
        if self.decay_steps > self.max_update:
            raise self.invalid("decay_steps", f"must be <= max_update ({self.max_update})")
        room = self.max_update - self.decay_steps
        if self.warmup_steps > room:
            raise self.invalid("warmup_steps", f"must be <= max_update - decay_steps ({room})")

    def value(self, t, xp):
        p = progress(t, self.max_update - self.decay_steps, self.decay_steps, xp)
        decayed = anneal(self.base_lr, self.final_lr, p, self.decay, xp)
        ramp = warmup_ramp(t, self.warmup_steps, self.warmup_begin_lr, self.base_lr, "linear", xp)
        return xp.where(t < self.warmup_steps, ramp, decayed)

    @property
    def horizon(self):
        return self.max_update
