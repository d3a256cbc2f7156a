"""Experiments: a TOML file of runs (schedule x seed x ...), validated, then run as local processes.

>>> from lrlab.experiments import load_experiment, run_experiment
>>> experiment = load_experiment("experiments/d2l-chapter.toml")  # doctest: +SKIP
>>> run_experiment(experiment, "runs/d2l-chapter", quick=True)    # doctest: +SKIP
"""

from .config import Experiment, ExperimentError, Run, experiment_from_dict, load_experiment
from .runner import run_experiment
from .versions import quick_version, with_device, with_precision

__all__ = [
    "Experiment", "ExperimentError", "Run",
    "experiment_from_dict", "load_experiment", "quick_version", "run_experiment", "with_device", "with_precision",
]
