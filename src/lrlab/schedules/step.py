"""Step decay: multiply by ``factor`` every ``step_size`` steps (torch ``StepLR``, MXNet ``FactorScheduler``)."""

from .base import Schedule, register
from .params import factor, one_of, param, positive_steps, rate
from .phases import BOUNDARIES


@register("step")
class Step(Schedule):
    """``lr(t) = max(min_lr, base_lr * factor ** n(t))``, ``n(t)`` = periods of ``step_size`` passed.

    With ``boundary="at"`` (torch ``StepLR``) ``n(t) = floor(t / step_size)``: the rate
    changes at ``t = k * step_size``. With ``boundary="after"`` (MXNet
    ``FactorScheduler``, whose ``stop_factor_lr`` is ``min_lr``)
    ``n(t) = max(ceil(t / step_size) - 1, 0)``: it changes at ``t = k * step_size + 1``.
    Edges: ``lr(0) = base_lr``; it reaches ``min_lr`` and holds there, otherwise it
    decays for ever (no horizon).

    >>> at = Step(base_lr=1.0, step_size=10, factor=0.5)
    >>> after = Step(base_lr=1.0, step_size=10, factor=0.5, boundary="after")
    >>> [at(t) for t in (0, 9, 10, 11, 21)], [after(t) for t in (0, 10, 11, 20, 21)]
    ([1.0, 1.0, 0.5, 0.5, 0.25], [1.0, 1.0, 0.5, 0.5, 0.25])
    """

    base_lr: float = param(rate)
    step_size: int = param(positive_steps)
    factor: float = param(factor)
    boundary: str = param(one_of(*BOUNDARIES), "at")
    min_lr: float = param(rate, 0.0)

    def value(self, t, xp):
        periods = t / self.step_size
        if self.boundary == "at":
            n = xp.floor(periods)
        else:
            n = xp.maximum(xp.ceil(periods) - 1.0, 0.0)
        return xp.maximum(self.min_lr, self.base_lr * xp.power(self.factor, n))
