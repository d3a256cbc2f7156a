"""Is the best configuration of a sweep distinguishable from another, paired by seed?

Two configurations trained with the same seed share their initial weights and the order of
their batches, so their difference is measured seed by seed. For the best configuration B
and another one C, over the n seeds that both trained (completed)::

    d_s   = B_s - C_s                      (for a loss: C_s - B_s; d > 0 means B did better)
    mean  = (1/n) sum_s d_s
    se    = sd(d) / sqrt(n)                (sd: the sample std, n - 1 in the denominator)
    half  = t(0.975, n - 1) * se           (the half-width of a two-sided 95% t-interval)

C is **within noise** of B when the interval ``mean ± half`` contains 0, and **worse** when it
lies above 0. The t quantiles come from :data:`T_975` (df 1..30; beyond 30 the df-30 value, a
little wider than the true one). The interval assumes the paired differences are roughly normal;
with 3 seeds (df 2, t = 4.303) it is wide, as it should be: three seeds rarely tell apart
configurations that differ by less than a few of their seed-to-seed spreads. (A sign rule would
be no better: with 3 seeds the smallest two-sided p-value it can reach is 0.25.) With one shared
seed there is no spread to measure, so no statement is made (``verdict`` "unknown").

>>> c = compare({0: 0.853, 1: 0.860, 2: 0.848}, {0: 0.850, 1: 0.851, 2: 0.848})
>>> c.verdict, round(c.mean, 4), round(c.half_width, 4), c.n
('within noise', 0.004, 0.0114, 3)
>>> compare({0: 0.86, 1: 0.87, 2: 0.85}, {0: 0.80, 1: 0.81, 2: 0.79}).verdict
'worse'
>>> compare({0: 0.86}, {0: 0.80}).verdict
'unknown'
"""

from __future__ import annotations

import dataclasses
import math

T_975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
         2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
         2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)
"""Student's t quantile at 0.975 for 1..30 degrees of freedom (``T_975[df - 1]``)."""


def t_975(df: int) -> float:
    """The 0.975 quantile of Student's t with ``df`` degrees of freedom (df > 30: the df-30 value).

    >>> t_975(2), t_975(100)
    (4.303, 2.042)
    """
    if df < 1:
        raise ValueError(f"t_975 needs df >= 1, got {df}")
    return T_975[min(df, len(T_975)) - 1]


@dataclasses.dataclass(frozen=True)
class Comparison:
    """The best configuration against another, over the ``n`` seeds both trained."""

    mean: float
    """The mean paired difference (positive: the best did better); NaN for no shared seed."""
    half_width: float
    """``t(0.975, n - 1) * sd / sqrt(n)``; NaN for fewer than two shared seeds."""
    n: int

    @property
    def verdict(self) -> str:
        """"worse" (the interval lies above 0), "within noise" (it contains 0) or "unknown" (n < 2)."""
        if self.n < 2:
            return "unknown"
        return "worse" if self.mean - self.half_width > 0 else "within noise"

    def text(self, digits: int = 3) -> str:
        """``paired difference 0.004 ± 0.011 over 3 seeds`` (± the 95% half-width), or the one seed's difference.

        >>> compare({0: 0.86, 1: 0.87}, {0: 0.85, 1: 0.85}).text()
        'paired difference 0.015 ± 0.064 over 2 seeds'
        >>> compare({0: 0.86}, {0: 0.85, 1: 0.85}).text()
        'difference 0.010 on 1 seed'
        """
        if self.n == 0:
            return "no seed in common"
        if self.n == 1:
            return f"difference {self.mean:.{digits}f} on 1 seed"
        return f"paired difference {self.mean:.{digits}f} ± {self.half_width:.{digits}f} over {self.n} seeds"


def compare(best: dict[int, float], other: dict[int, float], higher_is_better: bool = True) -> Comparison:
    """``best`` against ``other``: each maps a seed to its final metric (only the seeds that trained).
    The formula is in the module's docstring."""
    seeds = sorted(seed for seed in set(best) & set(other)
                   if not (math.isnan(best[seed]) or math.isnan(other[seed])))
    sign = 1.0 if higher_is_better else -1.0
    differences = [sign * (best[seed] - other[seed]) for seed in seeds]
    n = len(differences)
    if n == 0:
        return Comparison(math.nan, math.nan, 0)
    mean = sum(differences) / n
    if n == 1:
        return Comparison(mean, math.nan, 1)
    sd = math.sqrt(sum((d - mean) ** 2 for d in differences) / (n - 1))
    return Comparison(mean, t_975(n - 1) * sd / math.sqrt(n), n)
