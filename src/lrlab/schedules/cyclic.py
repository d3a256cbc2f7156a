"""Cyclical learning rates: torch ``CyclicLR``'s rate as a closed form."""

from .base import Schedule, register
from .params import factor, one_of, optional, param, positive_steps, rate


@register("cyclic")
class Cyclic(Schedule):
    """Triangular cycles between ``min_lr`` and ``max_lr`` (torch ``CyclicLR``, ``base_lr = min_lr``).

    With ``up = step_size_up``, ``down = step_size_down`` (default ``up``),
    ``total = up + down``, the cycle ``c = floor(t / total)`` (from 0) and the step
    within it ``r = t - c * total``::

        h(t) = r / up              if r <= up
             = (total - r) / down  otherwise
        lr(t) = min_lr + (max_lr - min_lr) * h(t) * scale(t)

    ``scale`` is 1 (``"triangular"``), ``1 / 2 ** c`` (``"triangular2"``: the amplitude
    halves every cycle) or ``gamma ** t`` (``"exp_range"``). torch computes ``h`` from
    ``x = 1 + t / total - (c + 1)``; counting ``r`` in whole steps is the same, and exact
    in float32 too. Edges: ``lr(0) = min_lr``; ``lr(up) = min_lr + (max_lr - min_lr) *
    scale(up)``, the first peak; back at ``min_lr`` at ``t = total``; it cycles for ever
    (no horizon).

    >>> s = Cyclic(min_lr=0.1, max_lr=1.0, step_size_up=2, step_size_down=4)
    >>> [round(s(t), 3) for t in range(8)]
    [0.1, 0.55, 1.0, 0.775, 0.55, 0.325, 0.1, 0.55]
    """

    min_lr: float = param(rate)
    max_lr: float = param(rate)
    step_size_up: int = param(positive_steps)
    step_size_down: int = param(optional(positive_steps), None)
    mode: str = param(one_of("triangular", "triangular2", "exp_range"), "triangular")
    gamma: float = param(factor, 1.0)

    def validate(self):
        if self.max_lr < self.min_lr:
            raise self.invalid("max_lr", f"must be >= min_lr ({self.min_lr})")

    def value(self, t, xp):
        up = float(self.step_size_up)
        down = float(self.step_size_down or self.step_size_up)
        cycle = xp.floor(t / (up + down))
        r = t - cycle * (up + down)
        height = (self.max_lr - self.min_lr) * xp.where(r <= up, r / up, (up + down - r) / down)
        return self.min_lr + height * self._scale(t, cycle, xp)

    def _scale(self, t, cycle, xp):
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            # 0.5 ** c rather than torch's 1 / 2 ** c: it underflows instead of overflowing.
            return xp.power(0.5, cycle)
        return xp.power(self.gamma, t)
