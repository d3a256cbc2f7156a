"""The step size of stochastic gradient Langevin dynamics (Welling and Teh 2011)."""

from __future__ import annotations

import math

from .base import Schedule, register
from .errors import ScheduleError
from .params import Invalid, param, positive, rate, real


def exponent(value) -> float:
    """A decay exponent in (0.5, 1]: the step sizes sum to infinity, their squares do not."""
    value = real(value)
    if not 0.5 < value <= 1:
        raise Invalid("must be in (0.5, 1]")
    return value


@register("sgld")
class SGLD(Schedule):
    """``eps(t) = a * (b + t) ** -gamma``, with ``gamma`` in (0.5, 1].

    Welling and Teh's step size: with ``gamma`` in (0.5, 1], ``sum eps(t)`` diverges and
    ``sum eps(t) ** 2`` converges, the conditions under which SGLD's samples approach the
    posterior. Edges: ``eps(0) = a * b ** -gamma``; it decays for ever (no horizon).
    :meth:`from_rates` solves ``a`` and ``b`` from a first and a last rate.

    >>> s = SGLD(a=1.0, b=1.0, gamma=1.0)
    >>> [s(0), s(1), s(3)]
    [1.0, 0.5, 0.25]
    """

    a: float = param(rate)
    b: float = param(positive)
    gamma: float = param(exponent, 0.55)

    def validate(self) -> None:
        try:
            first = self.a * self.b ** -self.gamma
        except OverflowError:
            first = math.inf
        if not math.isfinite(first):
            raise self.invalid("b", f"too small: a * b ** -gamma (the first rate) is not finite for a={self.a!r}")

    def value(self, t, xp):
        return self.a * xp.power(self.b + t, -self.gamma)

    @classmethod
    def from_rates(cls, base_lr: float, final_lr: float, max_update: int, gamma: float = 0.55) -> "SGLD":
        """The schedule that starts at ``base_lr`` and reaches ``final_lr`` at step ``max_update``::

            b = max_update / ((base_lr / final_lr) ** (1 / gamma) - 1),   a = base_lr * b ** gamma

        (then ``a * (b + max_update) ** -gamma = base_lr * (b / (b + max_update)) ** gamma = final_lr``);
        it goes on decaying after ``max_update``. ``base_lr > final_lr > 0``.

        >>> s = SGLD.from_rates(0.5, 0.25, 10, gamma=1.0)
        >>> [round(x, 12) for x in (s.a, s.b, s(0), s(10), s(30))]
        [5.0, 10.0, 0.5, 0.25, 0.125]
        """
        for name, value in (("base_lr", base_lr), ("final_lr", final_lr)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
                raise ScheduleError(f"sgld.from_rates: {name}={value!r} is invalid: must be a finite number > 0")
        if not final_lr < base_lr:
            raise ScheduleError(f"sgld.from_rates: final_lr={final_lr!r} is invalid: must be < base_lr={base_lr!r} "
                                "(a constant step size is constant(...))")
        if isinstance(max_update, bool) or not isinstance(max_update, int) or max_update < 1:
            raise ScheduleError(f"sgld.from_rates: max_update={max_update!r} is invalid: must be an integer >= 1")
        gamma = cls(a=1.0, b=1.0, gamma=gamma).gamma  # checked as the schedule checks it
        try:
            b = max_update / math.expm1(math.log(base_lr / final_lr) / gamma)
        except OverflowError:
            raise ScheduleError(f"sgld.from_rates: base_lr / final_lr = {base_lr / final_lr!r} is too large "
                                f"for gamma={gamma!r}") from None
        return cls(a=base_lr * b ** gamma, b=b, gamma=gamma)
