"""Checks a whole experiment's trainings make before any of them starts, so that a bad run fails at
once in the runner instead of in its own process, after the others have trained for an hour.

Today one check: every training's schedule over its planned run (:func:`~lrlab.training.rates.check_rates`,
the check :func:`~lrlab.training.loop.train` makes itself). A schedule on the epoch clock needs only
the number of epochs; one on the step clock needs the updates per epoch, so the data set's size: it is
loaded once per (data set, subset) and only then.

>>> from lrlab.training.config import TrainConfig
>>> check_planned_rates({"a": TrainConfig(schedule="constant(0.1)", epochs=3)})
>>> check_planned_rates({"b/seed-0": TrainConfig(schedule="10 * constant(1e308)", epochs=3)})
Traceback (most recent call last):
...
lrlab.training.config.ConfigError: b/seed-0: schedule scale(schedule=constant(base_lr=1e+308), factor=10.0) gives an infinite rate (inf) at epoch 0 of the planned 3; a rate must be a finite number >= 0
"""

from __future__ import annotations

from typing import Mapping

from ..backends import updates_per_epoch
from .config import ConfigError, TrainConfig
from .loop import load_data
from .rates import check_rates


def check_planned_rates(configs: Mapping[str, TrainConfig]) -> None:
    """Raise :class:`ConfigError`, naming the training, if one of ``configs`` (by name) has a schedule
    that gives a NaN, infinite or negative rate at a step (or epoch) of its planned run."""
    train_sizes: dict[tuple, int] = {}
    for name, config in configs.items():
        per_epoch = 1
        if config.unit == "step":
            key = (config.dataset, config.data_dir, config.train_subset, config.holdout)
            if key not in train_sizes:  # the examples train() trains on: the subset less the holdout
                train_sizes[key] = len(load_data(config).train_labels) - config.holdout
            per_epoch = updates_per_epoch(train_sizes[key], config.batch_size)
        try:
            check_rates(config.schedule_obj, unit=config.unit, epochs=config.epochs, updates_per_epoch=per_epoch)
        except ConfigError as error:
            raise ConfigError(f"{name}: {error}") from None
