"""The 1cycle policy: torch ``OneCycleLR``'s learning rate as a closed form."""

from .base import Schedule, register
from .params import at_least_one, flag, fraction, one_of, param, positive_steps, rate
from .phases import anneal


@register("onecycle")
class OneCycle(Schedule):
    """torch ``OneCycleLR(max_lr=base_lr, total_steps=max_update, ...)``'s rate, held after it.

    With ``T = max_update``, ``low = base_lr / div_factor`` and
    ``final = low / final_div_factor``, the phases end (torch's ``end_step``) at:

    - two phases: ``pct_start * T - 1`` (``low`` up to ``base_lr``), then ``T - 1``
      (``base_lr`` down to ``final``);
    - ``three_phase=True``: ``pct_start * T - 1`` (up), ``2 * pct_start * T - 2``
      (back down to ``low``), then ``T - 1`` (down to ``final``).

    Step ``t`` lies in the first phase whose end is ``>= t`` (else the last), and moves
    from the phase's start value to its end value with
    ``p = (t - previous end) / (end - previous end)`` (the first phase starts at 0) along
    ``anneal`` (``"cos"`` or ``"linear"``, see :func:`~lrlab.schedules.phases.anneal`).
    Where torch divides by zero (``pct_start * T == 1``, at ``t = 0``) the phase's start
    value is taken. Edges: ``lr(0) = low`` (for ``pct_start * T >= 1``);
    ``lr(pct_start * T - 1) = base_lr`` when that is a whole step; ``lr(T - 1) = final``,
    held at ``T`` and after (torch raises past ``T``).

    >>> s = OneCycle(max_update=100, base_lr=1.0)
    >>> [round(s(t), 6) for t in (0, 29, 99, 150)]
    [0.04, 1.0, 4e-06, 4e-06]
    """

    max_update: int = param(positive_steps)
    base_lr: float = param(rate)
    pct_start: float = param(fraction, 0.3)
    div_factor: float = param(at_least_one, 25.0)
    final_div_factor: float = param(at_least_one, 1e4)
    anneal: str = param(one_of("cos", "linear"), "cos")
    three_phase: bool = param(flag, False)

    def value(self, t, xp):
        t = xp.minimum(t, self.max_update - 1.0)
        phases = self._phases()
        result = self._phase(t, *phases[-1], xp)
        for i in range(len(phases) - 2, -1, -1):
            result = xp.where(t <= phases[i][1], self._phase(t, *phases[i], xp), result)
        return result

    def _phase(self, t, begin, end, start_lr, end_lr, xp):
        span = (end - begin) or 1.0
        return anneal(start_lr, end_lr, (t - begin) / span, self.anneal, xp)

    def _phases(self):
        """Each phase as ``(begin, end, start_lr, end_lr)``, torch's numbers exactly."""
        total = self.max_update
        low = self.base_lr / self.div_factor
        final = low / self.final_div_factor
        up = float(self.pct_start * total) - 1
        if not self.three_phase:
            return ((0.0, up, low, self.base_lr), (up, total - 1, self.base_lr, final))
        down = float(2 * self.pct_start * total) - 2
        return ((0.0, up, low, self.base_lr), (up, down, self.base_lr, low), (down, total - 1, low, final))

    @property
    def horizon(self):
        return self.max_update
