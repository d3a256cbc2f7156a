"""A schedule is checked over the whole planned run before training starts: a NaN, infinite or negative
rate at any update is refused, with the first step that gives one.

Built-in schedules take only finite rates >= 0, but a product can overflow (``10 * constant(1e308)``) and
a user's schedule (``--import``) can give anything. The check is one vectorised evaluation
(:meth:`lrlab.schedules.Schedule.sample`) over every step (``unit="step"``) or epoch (``unit="epoch"``):
for 30 epochs of 235 updates, 7050 values.

>>> from lrlab.schedules import parse
>>> check_rates(parse("cosine(max_update=20, base_lr=0.3)"), unit="step", epochs=30, updates_per_epoch=235)
>>> check_rates(parse("10 * constant(1e308)"), unit="epoch", epochs=3, updates_per_epoch=235)
Traceback (most recent call last):
...
lrlab.training.config.ConfigError: schedule scale(schedule=constant(base_lr=1e+308), factor=10.0) gives an infinite rate (inf) at epoch 0 of the planned 3; a rate must be a finite number >= 0
"""

from __future__ import annotations

import numpy as np

from .config import ConfigError


def check_rates(schedule, *, unit: str, epochs: int, updates_per_epoch: int) -> None:
    """Raise :class:`ConfigError` if ``schedule`` gives a rate that is NaN, infinite or negative at any
    step (or epoch, for ``unit="epoch"``) of a run of ``epochs`` x ``updates_per_epoch`` updates."""
    steps = epochs * updates_per_epoch if unit == "step" else epochs
    rates = schedule.sample(steps)
    bad = np.flatnonzero(~np.isfinite(rates) | (rates < 0))
    if not len(bad):
        return
    first = int(bad[0])
    value = schedule(first)  # the scalar path, as training would compute it
    kind = "a NaN" if np.isnan(value) else "an infinite" if np.isinf(value) else "a negative"
    raise ConfigError(f"schedule {schedule!r} gives {kind} rate ({value}) at {unit} {first} of the planned "
                      f"{steps}; a rate must be a finite number >= 0")

