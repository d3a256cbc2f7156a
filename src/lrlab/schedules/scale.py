"""A schedule multiplied by a constant."""

from .base import Schedule, register
from .params import param, rate, schedule


@register("scale")
class Scale(Schedule):
    """``lr(t) = factor * schedule(t)``; also written ``factor * schedule`` in Python and specs.

    >>> from lrlab.schedules import parse
    >>> parse("0.5 * constant(0.3)")
    scale(schedule=constant(base_lr=0.3), factor=0.5)
    """

    schedule: Schedule = param(schedule)
    factor: float = param(rate)

    def value(self, t, xp):
        return self.factor * self.schedule.value(t, xp)

    @property
    def horizon(self):
        return self.schedule.horizon
