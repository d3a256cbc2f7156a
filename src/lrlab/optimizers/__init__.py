"""Optimizers by name: each entry names the settings it reads and how each framework builds it.

Naming an optimizer imports no framework. The settings are training-config fields
(``momentum``, ``nesterov``, ``weight_decay``, ``prior_precision``, ``temperature``); a backend
receives the ones its optimizer reads as keyword arguments, and the run's ``inputs`` it names
(``dataset_size``, ``seed``).

>>> names()
['schedule-free-sgd', 'sgd', 'sgld']
>>> get("sgd").settings
('momentum', 'nesterov', 'weight_decay')
>>> get("sgd").problem({"momentum": 0.0, "nesterov": True, "weight_decay": 0.0})
'nesterov=True needs momentum > 0'
"""

from .registry import INPUTS, OptimizerEntry, OptimizerError, build, get, names, register_optimizer
from . import schedule_free, sgd, sgld  # noqa: F401  (each registers its optimizer)

__all__ = ["INPUTS", "OptimizerEntry", "OptimizerError", "build", "get", "names", "register_optimizer"]
