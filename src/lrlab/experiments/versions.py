"""An experiment as a command-line switch changes it: ``--quick``, ``--precision``, ``--device``.

Each returns a new :class:`~lrlab.experiments.config.Experiment`; the file's own is not changed,
and the runner writes the version it ran as ``experiment.toml``.

>>> from lrlab.experiments.config import experiment_from_dict
>>> e = experiment_from_dict({"defaults": {"seeds": [0, 1]}, "runs": [{"name": "a", "schedule": "constant(0.3)"}]})
>>> quick = quick_version(with_precision(e, "bf16"))
>>> quick.runs[0].seeds, quick.runs[0].config(0).precision
((0,), 'bf16')
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Callable

from ..backends import backend_info
from ..training.config import TrainConfig
from .config import QUICK, Experiment, Run

if TYPE_CHECKING:
    from .sweeps import TpeSweep

def quick_version(experiment: Experiment,
                  sizes: Callable[[dict[str, Any]], tuple[int, int] | None] | None = None) -> Experiment:
    """The experiment cut down to :data:`QUICK` (subsets, epochs), or its own ``[quick]`` limits,
    and one seed per run. ``sizes(settings)``, when given, is the (training, test) examples of the
    data set a run's settings name, or None if unknown: a subset limit above them takes the whole
    set (the runner gives :func:`lrlab.experiments.data_sizes.file_data_sizes`).

    >>> from lrlab.experiments.config import experiment_from_dict
    >>> e = experiment_from_dict({"defaults": {"seeds": [0, 1, 2]}, "runs": [{"name": "a", "schedule": "constant(0.3)"}]})
    >>> r = quick_version(e).runs[0]
    >>> r.seeds, r.settings["train_subset"]
    ((0,), 5000)
    >>> e = experiment_from_dict({"quick": {"train_subset": 512}, "runs": [{"name": "a", "schedule": "constant(0.3)"}]})
    >>> quick_version(e).runs[0].settings["train_subset"]
    512
    >>> quick_version(e, sizes=lambda settings: (400, 100)).runs[0].settings["test_subset"]  # 400 + 100 images
    100
    """
    limits = {**QUICK, **experiment.quick}

    def cut(settings: dict[str, Any]) -> dict[str, Any]:
        return _quick(settings, _within(limits, sizes(settings) if sizes else None))

    return dataclasses.replace(
        experiment,
        defaults=_quick(experiment.defaults, limits),
        runs=tuple(_with_settings(dataclasses.replace(run, seeds=run.seeds[:1]), cut(run.settings))
                   for run in experiment.runs),
        tpe_sweeps=tuple(dataclasses.replace(sweep, seeds=sweep.seeds[:1], settings=cut(sweep.settings))
                         for sweep in experiment.tpe_sweeps),
    )


def _within(limits: dict[str, int], available: tuple[int, int] | None) -> dict[str, int]:
    """Quick mode's ``limits``, the subsets' no larger than the (training, test) examples ``available``."""
    if available is None:
        return limits
    train, test = available
    return {**limits, "train_subset": min(limits["train_subset"], train),
            "test_subset": min(limits["test_subset"], test)}


def with_precision(experiment: Experiment, precision: str) -> Experiment:
    """The experiment with ``precision`` for each run whose backend supports it (bf16: torch);
    other runs are left as they are.

    >>> from lrlab.experiments.config import experiment_from_dict
    >>> e = experiment_from_dict({"runs": [{"name": "a", "schedule": "constant(0.3)"},
    ...                                    {"name": "b", "schedule": "constant(0.3)", "backend": "keras"}]})
    >>> [run.config(0).precision for run in with_precision(e, "bf16").runs]
    ['bf16', 'fp32']
    """
    return _with_setting(experiment, "precision", precision, lambda info: precision in info.precisions)


def with_device(experiment: Experiment, device: str) -> Experiment:
    """The experiment with ``device`` for each run whose backend trains there (cuda: torch); other
    runs are left as they are (on the CPU).

    >>> from lrlab.experiments.config import experiment_from_dict
    >>> e = experiment_from_dict({"runs": [{"name": "a", "schedule": "constant(0.3)"},
    ...                                    {"name": "b", "schedule": "constant(0.3)", "backend": "keras"}]})
    >>> [run.config(0).device for run in with_device(e, "cuda").runs]
    ['cuda', 'auto']
    """
    return _with_setting(experiment, "device", device, lambda info: device in ("auto", *info.devices))


def _with_setting(experiment: Experiment, key: str, value: Any, supported) -> Experiment:
    """The experiment with setting ``key`` = ``value`` for each run and TPE sweep whose backend's
    :class:`BackendInfo` is ``supported``; the others are left as they are."""
    def backend_of(sweep: TpeSweep) -> str:
        return TrainConfig(schedule=repr(sweep.schedule), **sweep.settings).backend

    return dataclasses.replace(experiment, runs=tuple(
        _with_settings(run, {**run.settings, key: value}) if supported(backend_info(run.backend)) else run
        for run in experiment.runs), tpe_sweeps=tuple(
        dataclasses.replace(sweep, settings={**sweep.settings, key: value})
        if supported(backend_info(backend_of(sweep))) else sweep
        for sweep in experiment.tpe_sweeps))


def _with_settings(run: Run, settings: dict[str, Any]) -> Run:
    """``run`` with ``settings``; a swept setting's value in ``params`` follows (quick mode cuts epochs)."""
    params = {path: settings.get(path, value) for path, value in run.params.items()}
    return dataclasses.replace(run, settings=settings, params=params)


def _quick(settings: dict[str, Any], limits: dict[str, int]) -> dict[str, Any]:
    small = dict(settings)
    for key, limit in limits.items():
        small[key] = min(settings.get(key) or limit, limit)
    if "seeds" in settings:
        small["seeds"] = settings["seeds"][:1]
    return small
