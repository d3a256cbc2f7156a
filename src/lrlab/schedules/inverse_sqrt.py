"""Inverse square-root decay after a linear warmup: the Transformer's (and transformers') schedule."""

from .base import Schedule, register
from .params import optional, param, positive, rate, steps
from .phases import warmup_ramp


@register("inverse_sqrt")
class InverseSqrt(Schedule):
    """A linear warmup from ``warmup_begin_lr`` over ``w = warmup_steps``, then::

        lr(t) = base_lr * sqrt(tau / (t - w + tau))                        (t >= w)

    with ``tau = timescale``, or ``max(w, 1)`` when it is None: ``timescale = w`` is
    the Transformer's ``base_lr * sqrt(w / t)``. transformers'
    ``get_inverse_sqrt_schedule(num_warmup_steps=w, timescale=tau)`` is the same
    (``warmup_begin_lr = 0``), except that with ``w = 0`` and no timescale it takes
    ``tau = 10000``: pass ``timescale=10000`` for that. Edges: ``lr(0) =
    warmup_begin_lr`` with a warmup, else ``base_lr``; ``lr(w) = base_lr``;
    ``lr(w + 3 * tau) = base_lr / 2``; it decays for ever (no horizon).

    >>> s = InverseSqrt(base_lr=1.0, warmup_steps=4)
    >>> [s(t) for t in (0, 2, 4, 16)]
    [0.0, 0.5, 1.0, 0.5]
    """

    base_lr: float = param(rate)
    warmup_steps: int = param(steps, 0)
    timescale: float = param(optional(positive), None)
    warmup_begin_lr: float = param(rate, 0.0)

    def value(self, t, xp):
        w = self.warmup_steps
        tau = self.timescale if self.timescale is not None else max(w, 1)
        # Clipped at 0: the warmup branch is evaluated too, and t - w + tau may be <= 0 there.
        decayed = self.base_lr * xp.sqrt(tau / (xp.maximum(t - w, 0.0) + tau))
        ramp = warmup_ramp(t, w, self.warmup_begin_lr, self.base_lr, "linear", xp)
        return xp.where(t < w, ramp, decayed)
