"""A linear warmup in front of any schedule."""

from .base import Schedule, register
from .params import param, positive_steps, rate, schedule


@register("warmup")
class Warmup(Schedule):
    """A linear ramp from ``start`` to ``schedule(0)`` over ``steps``, then ``schedule``.

    The same as ``join([linear(start, schedule(0), steps), schedule], [steps])``: the
    wrapped schedule starts its own step 0 when the warmup ends, so its horizon is
    counted after the warmup. ``lr(0) = start``, ``lr(steps) = schedule(0)``.

    >>> from lrlab.schedules import parse
    >>> s = parse("warmup(cosine(max_update=15, base_lr=0.3, final_lr=0.01), steps=5)")
    >>> s == parse("warmup(cosine(15, 0.3, 0.01), 5, 0.0)"), s(5), s(20)
    (True, 0.3, 0.01)
    """

    schedule: Schedule = param(schedule)
    steps: int = param(positive_steps)
    start: float = param(rate, 0.0)

    def value(self, t, xp):
        peak = self.schedule(0)
        ramp = self.start + (peak - self.start) * t / self.steps
        rest = self.schedule.value(xp.maximum(t - self.steps, 0.0), xp)
        return xp.where(t < self.steps, ramp, rest)

    @property
    def horizon(self):
        inner = self.schedule.horizon
        return None if inner is None else self.steps + inner
