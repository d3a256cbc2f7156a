"""Optimizers by name: each entry names the settings it reads and how each framework builds it.

Naming an optimizer imports no framework. The settings are training-config fields
(``momentum``, ``nesterov``, ``weight_decay``); a backend receives the ones its optimizer
reads as keyword arguments.

>>> names()
['sgd']
>>> get("sgd").settings
('momentum', 'nesterov', 'weight_decay')
>>> get("sgd").problem({"momentum": 0.0, "nesterov": True, "weight_decay": 0.0})
'nesterov=True needs momentum > 0'
"""

from .registry import OptimizerEntry, OptimizerError, build, get, names, register_optimizer
from . import sgd  # noqa: F401  (registers sgd)

__all__ = ["OptimizerEntry", "OptimizerError", "build", "get", "names", "register_optimizer"]
