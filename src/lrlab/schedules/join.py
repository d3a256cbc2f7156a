"""Joining schedules one after another, each from its own step 0 (as optax's ``join_schedules``)."""

from .base import Schedule, register
from .params import Invalid, param, positive_steps, schedule, sequence_of


def _schedules(value):
    items = sequence_of(schedule)(value)
    if len(items) < 2:
        raise Invalid("must list at least two schedules")
    return items


@register("join")
class Join(Schedule):
    """``schedules[i]`` for ``boundaries[i-1] <= t < boundaries[i]``, at local step ``t - boundaries[i-1]``.

    Edges: at ``t = boundaries[i]`` the value is ``schedules[i+1](0)``; after the last
    boundary the last schedule runs on. The horizon is the last boundary plus the
    last schedule's horizon.

    >>> from lrlab.schedules import parse
    >>> s = parse("join([linear(0.0, 0.3, 5), cosine(15, 0.3, 0.01)], boundaries=[5])")
    >>> [round(s(t), 3) for t in (0, 4, 5, 20)]
    [0.0, 0.24, 0.3, 0.01]
    """

    schedules: tuple = param(_schedules)
    boundaries: tuple = param(sequence_of(positive_steps, increasing=True))

    def validate(self):
        if len(self.boundaries) != len(self.schedules) - 1:
            raise self.invalid("boundaries", f"must have one boundary fewer than schedules ({len(self.schedules) - 1})")

    def value(self, t, xp):
        starts = (0,) + self.boundaries
        result = self._phase(-1, t, starts, xp)
        for i in range(len(self.schedules) - 2, -1, -1):
            result = xp.where(t < self.boundaries[i], self._phase(i, t, starts, xp), result)
        return result

    def _phase(self, i, t, starts, xp):
        return self.schedules[i].value(xp.maximum(t - starts[i], 0.0), xp)

    @property
    def horizon(self):
        last = self.schedules[-1].horizon
        return None if last is None else self.boundaries[-1] + last
