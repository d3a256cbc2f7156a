"""Power decay: the chapter's square-root scheduler and its polynomial generalisation."""

from .base import Schedule, register
from .params import param, positive, rate


@register("power")
class Power(Schedule):
    """``lr(t) = base_lr * (t + 1) ** -beta``.

    ``beta = 0.5`` is the chapter's ``SquareRootScheduler``; other ``beta`` its
    "polynomial decay". Edges: ``lr(0) = base_lr``; it decays for ever (no horizon).

    >>> Power(base_lr=0.1, beta=0.5)(3)
    0.05
    """

    base_lr: float = param(rate)
    beta: float = param(positive, 0.5)

    def value(self, t, xp):
        return self.base_lr * xp.power(t + 1.0, -self.beta)
