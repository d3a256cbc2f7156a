"""Learning-rate schedules as pure, exact, serialisable values.

Every schedule is called with a step and returns a float, ``s(step)``; it is
printable as a spec string that :func:`parse` reads back, comparable, picklable,
and convertible to and from a dict. See each class for its formula and edges.

>>> from lrlab.schedules import parse
>>> s = parse("cosine(max_update=20, base_lr=0.3, final_lr=0.01, warmup_steps=5)")
>>> round(s(10), 4), parse(repr(s)) == s
(0.2275, True)
"""

from .base import REGISTRY, Schedule, from_dict, register
from .errors import ScheduleError
from .spec import parse

# Importing a schedule's module registers it under its spec name.
from .constant import Constant
from .cosine import Cosine
from .cyclic import Cyclic
from .exponential import Exponential
from .factor import Factor
from .geometric import Geometric
from .inverse_sqrt import InverseSqrt
from .inverse_time import InverseTime
from .join import Join
from .linear import Linear
from .multifactor import MultiFactor
from .onecycle import OneCycle
from .piecewise import Piecewise
from .poly import Poly
from .power import Power
from .scale import Scale
from .sgdr import SGDR
from .sgld import SGLD
from .step import Step
from .stretch import Stretch
from .warmup import Warmup
from .wsd import WSD

__all__ = [
    "REGISTRY", "Schedule", "ScheduleError", "from_dict", "parse", "register",
    "Constant", "Cosine", "Cyclic", "Exponential", "Factor", "Geometric", "InverseSqrt", "InverseTime", "Join", "Linear",
    "MultiFactor", "OneCycle", "Piecewise", "Poly", "Power", "SGDR", "SGLD", "Scale", "Step", "Stretch",
    "Warmup", "WSD",
]
