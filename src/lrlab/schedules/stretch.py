"""An epoch schedule run per update: the unit conversion the guarded clock offers."""

from .base import Schedule, register
from .params import one_of, param, positive_steps, schedule


@register("stretch")
class Stretch(Schedule):
    """``schedule`` stretched by ``by`` updates per epoch.

    ``mode="hold"``: ``lr(t) = schedule(floor(t / by))``, the epoch's rate for every
    update of the epoch (what per-epoch stepping gives); ``mode="continuous"``:
    ``lr(t) = schedule(t / by)``, the closed form at the fractional epoch (interpolated
    within an epoch). Edges: ``lr(0) = schedule(0)``; ``lr(k * by) = schedule(k)`` in
    both modes; the horizon is ``by`` times the inner one.

    >>> from lrlab.schedules import parse
    >>> hold = parse("stretch(linear(1.0, 0.0, 10), by=4)")
    >>> smooth = parse("stretch(linear(1.0, 0.0, 10), by=4, mode='continuous')")
    >>> [hold(t) for t in (0, 3, 4, 40)], [smooth(t) for t in (0, 2, 4)], hold.horizon
    ([1.0, 1.0, 0.9, 0.0], [1.0, 0.95, 0.9], 40)
    """

    schedule: Schedule = param(schedule)
    by: int = param(positive_steps)
    mode: str = param(one_of("hold", "continuous"), "hold")

    def value(self, t, xp):
        epoch = t / self.by
        if self.mode == "hold":
            epoch = xp.floor(epoch)
        return self.schedule.value(epoch, xp)

    @property
    def horizon(self):
        inner = self.schedule.horizon
        return None if inner is None else inner * self.by
