"""Multi-factor decay: multiply by ``factor`` at each of a list of steps."""

from .base import Schedule, register
from .params import factor, one_of, param, positive_steps, rate, sequence_of
from .phases import BOUNDARIES, passed


@register("multifactor")
class MultiFactor(Schedule):
    """``lr(t) = max(min_lr, base_lr * factor ** n(t))``, ``n(t)`` = steps passed.

    With ``boundary="at"`` (torch ``MultiStepLR``) step ``k`` counts from ``t = k``;
    with ``boundary="after"`` (MXNet ``MultiFactorScheduler``) from ``t = k + 1``.

    >>> s = MultiFactor(base_lr=0.5, steps=[15, 30], factor=0.5, boundary="after")
    >>> [s(15), s(16), s(30), s(31)]
    [0.5, 0.25, 0.25, 0.125]
    """

    base_lr: float = param(rate)
    steps: tuple = param(sequence_of(positive_steps, increasing=True))
    factor: float = param(factor)
    boundary: str = param(one_of(*BOUNDARIES), "at")
    min_lr: float = param(rate, 0.0)

    def value(self, t, xp):
        n = passed(t, self.steps, self.boundary, xp)
        return xp.maximum(self.min_lr, self.base_lr * xp.power(self.factor, n))

    @property
    def horizon(self):
        return self.steps[-1] + (1 if self.boundary == "after" else 0)
