"""Piecewise constant rates: optax ``piecewise_constant_schedule``, Keras ``PiecewiseConstantDecay``."""

from .base import Schedule, register
from .params import one_of, param, rate, sequence_of, steps
from .phases import BOUNDARIES, crossed


@register("piecewise")
class Piecewise(Schedule):
    """``lr(t) = values[i]`` once ``t`` has passed ``boundaries[i-1]`` but not ``boundaries[i]``.

    With ``boundary="at"`` (optax, whose ``piecewise_constant_schedule`` multiplies
    scales: ``values`` are their running products) ``values[i+1]`` applies from
    ``t = boundaries[i]``; with ``boundary="after"`` (Keras ``PiecewiseConstantDecay``)
    from ``t = boundaries[i] + 1``. Edges: ``lr(0) = values[0]`` (unless a boundary is 0
    with ``"at"``); ``values[-1]`` from the last boundary on, held for ever.

    >>> s = Piecewise(values=[1.0, 0.1, 0.01], boundaries=[10, 20])
    >>> [s(0), s(9), s(10), s(20), s(99)]
    [1.0, 1.0, 0.1, 0.01, 0.01]
    >>> Piecewise(values=[1.0, 0.1], boundaries=[10], boundary="after")(10)
    1.0
    """

    values: tuple = param(sequence_of(rate))
    boundaries: tuple = param(sequence_of(steps, increasing=True))
    boundary: str = param(one_of(*BOUNDARIES), "at")

    def validate(self):
        if len(self.values) != len(self.boundaries) + 1:
            raise self.invalid("values", f"must have one value more than boundaries ({len(self.boundaries) + 1})")

    def value(self, t, xp):
        result = self.values[0] + 0.0 * t
        for b, v in zip(self.boundaries, self.values[1:]):
            result = xp.where(crossed(t, b, self.boundary), v, result)
        return result

    @property
    def horizon(self):
        return self.boundaries[-1] + (1 if self.boundary == "after" else 0)
