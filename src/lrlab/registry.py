"""A name -> entry table with one way of saying "unknown name" (models, optimizers, data sets).

Standard library only: every layer may use it.

>>> colours = Registry("colour", KeyError)
>>> colours.add("red", 1)
1
>>> colours.get("red"), colours.names()
(1, ['red'])
>>> colours.get("rde")
Traceback (most recent call last):
KeyError: "unknown colour 'rde'; did you mean red? (known: red)"
"""

from __future__ import annotations

import difflib
import importlib
from typing import Any, Callable, Generic, TypeVar

Entry = TypeVar("Entry")


class Registry(Generic[Entry]):
    """Entries of one kind by name; ``error`` is raised for a name that is not there."""

    def __init__(self, kind: str, error: Callable[[str], Exception]) -> None:
        self.kind, self.error, self._entries = kind, error, {}

    def add(self, name: str, entry: Entry) -> Entry:
        """Register ``entry`` under ``name``; a name is registered once (re-adding the same
        entry, as a re-imported module does, is fine)."""
        if name in self._entries and self._entries[name] != entry:
            raise ValueError(f"{self.kind} name {name!r} is registered twice")
        self._entries[name] = entry
        return entry

    def get(self, name: str) -> Entry:
        """The entry called ``name``; an unknown name suggests close ones."""
        if isinstance(name, str) and name in self._entries:
            return self._entries[name]
        close = difflib.get_close_matches(name, self._entries, n=2, cutoff=0.5) if isinstance(name, str) else []
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise self.error(f"unknown {self.kind} {name!r}{hint} (known: {', '.join(self.names())})")

    def names(self) -> list[str]:
        return sorted(self._entries)


def load(target: str | Callable[..., Any]) -> Callable[..., Any]:
    """A callable given as itself or as ``"module:function"``, imported only when needed
    (so that naming a builder never imports its framework).

    >>> load("math:sqrt")(9.0)
    3.0
    """
    if callable(target):
        return target
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)
