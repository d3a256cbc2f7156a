"""A pickle checked before anything loads it: it may name only allowed classes, of modules already loaded.

MXNet saves a Trainer's states (momenta, update counts, the optimizer and its scheduler) as a pickle,
and loading an arbitrary pickle runs whatever code it names. :func:`check_pickle` reads the pickle
with an unpickler whose ``find_class`` refuses every name but the allowed ones, and never imports a
module (a module's import is code too): only one already loaded is looked in. A pickle can reach code
only through the names it looks up, so one that passes this check, loaded again by MXNet, calls only
the allowed classes.

>>> import pickle, os
>>> check_pickle(pickle.dumps({"lr": 0.1, "counts": [1, 2]}), exact=(), bases=())
>>> check_pickle(pickle.dumps(os.system), exact=(), bases=())
Traceback (most recent call last):
...
lrlab.backends.safe_pickle.UnsafePickle: refused: the pickle names posix.system, which is not allowed here
"""

from __future__ import annotations

import io
import pickle
import sys

PLAIN = frozenset({("builtins", "bytearray"), ("builtins", "set"), ("builtins", "frozenset"),
                   ("builtins", "complex"), ("collections", "OrderedDict")})
"""Builtins that hold data and run nothing."""


class UnsafePickle(pickle.UnpicklingError):
    """A pickle names something it may not."""


class _Checked(pickle.Unpickler):
    def __init__(self, data: bytes, exact: frozenset, bases: tuple) -> None:
        super().__init__(io.BytesIO(data))
        self.exact, self.bases = exact | PLAIN, bases

    def find_class(self, module: str, name: str):
        loaded = sys.modules.get(module)
        found = getattr(loaded, name, None) if loaded is not None and "." not in name else None
        if (module, name) in self.exact or (isinstance(found, type) and issubclass(found, self.bases)
                                            and found.__module__ == module):
            return found if found is not None else super().find_class(module, name)
        raise UnsafePickle(f"refused: the pickle names {module}.{name}, which is not allowed here")


def check_pickle(data: bytes, *, exact, bases: tuple) -> None:
    """Raise :class:`UnsafePickle` unless ``data`` names only ``exact`` ((module, name) pairs), the
    :data:`PLAIN` builtins, and classes of loaded modules that derive from one of ``bases``."""
    _Checked(data, frozenset(exact), tuple(bases)).load()
