"""The learning-rate range test's arithmetic (Smith 2017, as fastai's ``lr_find`` does it): no framework.

The rate rises from ``min_lr`` to ``max_lr`` over ``steps`` updates, exponentially (the
:class:`~lrlab.schedules.geometric.Geometric` schedule) or linearly; each update's training
loss is recorded and smoothed (:func:`smooth`); the test stops once the smoothed loss
explodes (:meth:`RangeTest.stops`); three rates are suggested from the smoothed curve
(:func:`suggest`). Running the updates is :mod:`lrlab.training.range_run`'s work.

>>> test = RangeTest(min_lr=1e-4, max_lr=1.0, steps=5)
>>> test.schedule()
geometric(base_lr=0.0001, final_lr=1.0, max_update=4)
>>> test.rates().round(6).tolist()
[0.0001, 0.001, 0.01, 0.1, 1.0]
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..schedules import Geometric, Linear, Schedule

MODES = ("exp", "linear")
SUGGESTIONS = ("valley", "steep", "min_div_10")
"""The suggestions' names, as ``suggestions.json`` and the printout name them."""


class RangeTestError(ValueError):
    """A range test's settings are invalid; the message names the setting."""


@dataclasses.dataclass(frozen=True)
class RangeTest:
    """How a range test runs: the rates it tries, how it smooths the loss and when it stops.

    ``beta`` is the smoothing's weight of the past (:func:`smooth`); the test stops when
    the smoothed loss exceeds ``stop_factor`` times its lowest value so far.

    >>> RangeTest(min_lr=1.0, max_lr=0.1)
    Traceback (most recent call last):
    lrlab.training.range_test.RangeTestError: min_lr=1.0 must be below max_lr=0.1
    """

    min_lr: float = 1e-4
    max_lr: float = 10.0
    steps: int = 500  # about 2 epochs of the chapter's LeNet: in fastai's 100 it hardly learns at any rate
    mode: str = "exp"
    beta: float = 0.98
    stop_factor: float = 4.0

    def __post_init__(self) -> None:
        problem = self._problem()
        if problem:
            raise RangeTestError(problem)

    def _problem(self) -> str | None:
        if not (isinstance(self.min_lr, (int, float)) and 0 < self.min_lr < math.inf):
            return f"min_lr={self.min_lr!r} must be a finite number > 0"
        if not (isinstance(self.max_lr, (int, float)) and 0 < self.max_lr < math.inf):
            return f"max_lr={self.max_lr!r} must be a finite number > 0"
        if self.min_lr >= self.max_lr:
            return f"min_lr={self.min_lr!r} must be below max_lr={self.max_lr!r}"
        if isinstance(self.steps, bool) or not isinstance(self.steps, int) or self.steps < 2:
            return f"steps={self.steps!r} must be an integer >= 2"
        if self.mode not in MODES:
            return f"mode={self.mode!r} must be one of {', '.join(MODES)}"
        if not 0 <= self.beta < 1:
            return f"beta={self.beta!r} must be in [0, 1)"
        if not self.stop_factor > 1:
            return f"stop_factor={self.stop_factor!r} must be > 1"
        return None

    def schedule(self) -> Schedule:
        """The rates as a schedule on the step clock: ``min_lr`` at update 0, ``max_lr`` at update
        ``steps - 1``; ``exp`` multiplies the rate by the same ratio every update, ``linear`` adds
        the same amount.

        >>> RangeTest(min_lr=0.1, max_lr=1.0, steps=10, mode="linear").schedule()
        linear(base_lr=0.1, final_lr=1.0, max_update=9)
        """
        ramp = Geometric if self.mode == "exp" else Linear
        return ramp(base_lr=float(self.min_lr), final_lr=float(self.max_lr), max_update=self.steps - 1)

    def rates(self) -> np.ndarray:
        """The rate of each of the ``steps`` updates."""
        return self.schedule().sample(self.steps)

    def smooth(self, losses) -> np.ndarray:
        """:func:`smooth` with this test's ``beta``."""
        return smooth(losses, self.beta)

    def stops(self, losses) -> bool:
        """Whether the test stops after the last of ``losses``: its smoothed loss is not finite,
        or exceeds ``stop_factor`` times the lowest smoothed loss before it.

        >>> test = RangeTest(beta=0.0)
        >>> test.stops([2.0, 1.0, 3.9]), test.stops([2.0, 1.0, 4.1]), test.stops([2.0, float("nan")])
        (False, True, True)
        """
        smoothed = self.smooth(losses)
        last = smoothed[-1]
        return not math.isfinite(last) or (len(smoothed) > 1 and bool(last > self.stop_factor * smoothed[:-1].min()))


def smooth(losses, beta: float) -> np.ndarray:
    """The debiased exponential moving average of ``losses`` (fastai's, torch-lr-finder's):

        avg_i = beta * avg_(i-1) + (1 - beta) * loss_i,  avg_(-1) = 0
        smoothed_i = avg_i / (1 - beta ** (i + 1))

    The division undoes the pull towards the starting 0, so ``smoothed_0 = loss_0``. A loss
    that is not finite makes every later value not finite.

    >>> smooth([2.0, 2.0, 2.0], 0.9).tolist()
    [2.0, 2.0, 2.0]
    >>> smooth([1.0, 3.0], 0.5).round(4).tolist()   # avg 0.5, 1.75; / 0.5, / 0.75
    [1.0, 2.3333]
    """
    values = np.asarray(losses, dtype=np.float64)
    smoothed = np.empty_like(values)
    average = 0.0
    for i, loss in enumerate(values):
        average = beta * average + (1 - beta) * loss
        smoothed[i] = average / (1 - beta ** (i + 1))
    return smoothed


def suggestion_window(n: int, steps: int) -> slice:
    """The points of a curve of ``n`` recorded updates (of ``steps`` planned) that suggestions look
    at, as fastai's ``lr_find``: the first ``steps // 10`` are left out (the smoothing still
    starts there) and so are the last 5 (where the loss took off, when the test stopped early).

    >>> suggestion_window(100, 100), suggestion_window(30, 100)
    (slice(10, 95, None), slice(10, 25, None))
    """
    return slice(steps // 10, max(n - 5, 0))


def suggest(rates, smoothed, steps: int) -> dict[str, float | None]:
    """The three suggested rates for a curve (each None when it cannot be computed), from the
    points of :func:`suggestion_window` up to the first that is not finite:

    - ``valley`` (:func:`valley`), fastai's default;
    - ``steep``: the rate where the smoothed loss falls fastest against log(rate) (:func:`steepest`);
    - ``min_div_10``: the rate of the lowest smoothed loss, divided by 10.

    >>> rates = np.geomspace(1e-4, 1.0, 50)
    >>> x = np.log10(rates)                      # falls fastest at x = -2.5, lowest at x = -1.5
    >>> loss = 2.0 - np.tanh(2 * (x + 2.5)) + np.maximum(0.0, x + 1.5) ** 2
    >>> {name: round(math.log10(rate), 1) for name, rate in suggest(rates, loss, 50).items()}
    {'valley': -2.6, 'steep': -2.5, 'min_div_10': -2.5}
    """
    window = suggestion_window(len(smoothed), steps)
    rates, losses = np.asarray(rates, np.float64)[window], np.asarray(smoothed, np.float64)[window]
    finite = np.isfinite(losses)
    end = len(losses) if finite.all() else int(np.argmin(finite))
    rates, losses = rates[:end], losses[:end]
    lowest = float(rates[np.argmin(losses)]) / 10 if len(losses) else None
    return {"valley": valley(rates, losses), "steep": steepest(rates, losses), "min_div_10": lowest}


def steepest(rates, losses) -> float | None:
    """The rate where the loss falls fastest against log(rate): with the slopes
    ``g_i = (loss_(i+1) - loss_i) / (log rate_(i+1) - log rate_i)``, ``rate_k`` for the lowest
    ``g_k`` (the left end of that segment, as fastai); None when no segment falls.

    >>> steepest([0.01, 0.1, 1.0, 10.0], [2.0, 1.9, 1.0, 3.0])
    0.1
    >>> steepest([0.01, 0.1], [2.0, 2.5]) is None
    True
    """
    rates, losses = np.asarray(rates, np.float64), np.asarray(losses, np.float64)
    if len(losses) < 2:
        return None
    slopes = np.diff(losses) / np.diff(np.log(rates))
    k = int(np.argmin(slopes))
    return float(rates[k]) if slopes[k] < 0 else None


def valley(rates, losses) -> float | None:
    """fastai's ``valley``: the longest valley of the curve, and a rate part of the way down it.

    ``length_i`` is the length of the longest strictly falling sequence of points (not
    necessarily neighbours) that ends at point ``i``; the valley ends at the first ``e`` with the
    largest length ``L`` and starts at ``s = e - L + 1`` (fastai writes ``e - L``, which can be -1).
    The rate suggested is at ``s + floor((e - s) / 3) + floor((e - s) / 6)``, about halfway
    along the valley: past its steepest start, short of its flat bottom. None when nothing falls.

    >>> valley([1, 2, 3, 4, 5, 6, 7, 8], [5, 4, 3, 2, 1, 2, 3, 4])   # falls from 1 to 5: s = 0, e = 4
    2.0
    >>> valley([1, 2, 3], [1, 2, 3]) is None
    True
    """
    losses = np.asarray(losses, np.float64)
    n = len(losses)
    lengths = np.ones(n, dtype=int)
    for i in range(1, n):
        below = losses[:i] > losses[i]  # points before i from which the curve can fall to i
        if below.any():
            lengths[i] = lengths[:i][below].max() + 1
    if n == 0 or lengths.max() < 2:
        return None
    end = int(np.argmax(lengths))
    start = end - int(lengths[end]) + 1
    span = end - start
    return float(np.asarray(rates, np.float64)[start + span // 3 + span // 6])
