"""Running a learning-rate range test: a short training of its own, update by update.

The test trains a fresh backend, built from the run's :class:`TrainConfig` as ``lrlab train``
builds it (same model, initial weights, data order, optimizer), with the range test's ramp as
its schedule on the step clock; it reads each update's loss and stops when
:meth:`RangeTest.stops` says so. The backend is closed afterwards and nothing of it is kept:
a training that follows, in this process or another, is the one it would have been.

>>> from lrlab.training.config import TrainConfig
>>> config = TrainConfig(schedule="constant(0.1)", train_subset=5000)
>>> curve = run_range_test(config, RangeTest(steps=100))  # doctest: +SKIP
>>> len(curve.losses), curve.stopped                       # doctest: +SKIP
(84, True)
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Iterator

import numpy as np

from ..backends import backend_class
from .config import TrainConfig
from .loop import epoch_order, load_data
from .range_test import RangeTest, suggest


@dataclasses.dataclass(frozen=True)
class RangeCurve:
    """One range test's record: the rate and loss of each update it trained, the smoothed loss,
    whether the stop rule ended it before its last planned update, and the suggestions."""

    seed: int
    rates: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    stopped: bool
    suggestions: dict[str, float | None]


def range_config(config: TrainConfig, test: RangeTest) -> TrainConfig:
    """``config`` with the test's ramp as its schedule on the step clock (one epoch: the
    loop's epochs do not matter here)."""
    return dataclasses.replace(config, schedule=repr(test.schedule()), unit="step", epochs=1)


def run_range_test(config: TrainConfig, test: RangeTest, data=None,
                   on_update: Callable[[], None] = lambda: None) -> RangeCurve:
    """Train ``config``'s model from its initial weights for up to ``test.steps`` updates at
    ``test``'s rates, calling ``on_update`` after each; return the curve. ``data`` is the run's
    data set (:func:`load_data`; loaded here when None)."""
    config = range_config(config, test)
    data = load_data(config) if data is None else data
    backend = backend_class(config.backend)(config.job(data))
    losses: list[float] = []
    try:
        for batch in batches(config.seed, len(data.train_labels), config.batch_size, test.steps):
            losses.append(backend.train_update(batch))
            on_update()
            if test.stops(losses):
                break
    finally:
        backend.close()
    rates, smoothed = test.rates()[:len(losses)], test.smooth(losses)
    return RangeCurve(seed=config.seed, rates=rates, losses=np.asarray(losses), smoothed=smoothed,
                      stopped=len(losses) < test.steps, suggestions=suggest(rates, smoothed, test.steps))


def batches(seed: int, n: int, batch_size: int, count: int) -> Iterator[np.ndarray]:
    """The first ``count`` batches ``lrlab train`` would train for ``seed`` on ``n`` examples: each
    epoch's order (:func:`epoch_order`) cut into batches, the last of an epoch partial.

    >>> [len(batch) for batch in batches(seed=0, n=5, batch_size=2, count=4)]  # epoch 0: 2, 2, 1; epoch 1: 2
    [2, 2, 1, 2]
    """
    epoch = 0
    while True:
        order = epoch_order(seed, epoch, n)
        for start in range(0, n, batch_size):
            if count == 0:
                return
            count -= 1
            yield order[start:start + batch_size]
        epoch += 1
