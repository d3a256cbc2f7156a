"""The names and labels of a sweep's runs: each parameter's short key (:func:`short_keys`), the runs'
folder names (:func:`run_names`, at most :data:`NAME_LENGTH` characters), and a value as names, labels
and errors show it."""

from __future__ import annotations

import re
from typing import Any

from .values import Param

NAME_LENGTH = 64


def short_keys(paths: list[str]) -> list[str]:
    """Each path's shortest end (in steps) that no other path ends with.

    >>> short_keys(["schedule.schedules[0].base_lr", "schedule.schedules[1].base_lr", "momentum"])
    ['schedules[0].base_lr', 'schedules[1].base_lr', 'momentum']
    """
    parts = [path.split(".") for path in paths]
    keys = []
    for mine in parts:
        for k in range(1, len(mine) + 1):
            end = mine[-k:]
            if all(other[-k:] != end for other in parts if other is not mine):
                break
        keys.append(".".join(end))
    return keys


def run_names(sweep: str, params: tuple[Param, ...], combos: list[tuple]) -> list[str]:
    """``<sweep>.<key>-<value>...`` for each combination; numbered ``<sweep>.<i>`` (from 0) for every
    run of the sweep when one such name would pass :data:`NAME_LENGTH` characters or two would be equal.

    >>> run_names("lr", (Param("schedule.base_lr", values=(0.1, 1e-05)),), [(0.1,), (1e-05,)])
    ['lr.base_lr-0.1', 'lr.base_lr-1e-05']
    >>> run_names("lr", (Param("optimizer", values=("a" * 60,)),), [("a" * 60,)])
    ['lr.0']
    """
    names = [run_name(sweep, params, combo) for combo in combos]
    if max(map(len, names)) <= NAME_LENGTH and len(set(names)) == len(names):
        return names
    width = len(str(len(combos) - 1))
    return [f"{sweep}.{i:0{width}d}" for i in range(len(combos))]


def run_name(sweep: str, params: tuple[Param, ...], combo: tuple) -> str:
    """One combination's readable name, ``<sweep>.<key>-<value>...`` (it may pass :data:`NAME_LENGTH`).

    >>> run_name("lr", (Param("schedule.base_lr"), Param("momentum")), (0.1, 0.9))
    'lr.base_lr-0.1.momentum-0.9'
    """
    keys = [re.sub(r"[\[\]]", "", key) for key in short_keys([p.path for p in params])]
    return ".".join([sweep] + [f"{key}-{_name_text(value)}" for key, value in zip(keys, combo)])


def _name_text(value: Any) -> str:
    text = "_".join(map(_shown, value)) if isinstance(value, list) else _shown(value)
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)


def _shown(value: Any) -> str:
    """A value as names, labels and errors show it: ``0.1``, ``1e-05``, ``true``, ``sgd``, ``[5, 10]``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(_shown, value)) + "]"
    return str(value) if isinstance(value, str) else repr(value)


def describe(values: dict[str, Any]) -> str:
    """A run's values as errors name them.

    >>> describe({"schedule.base_lr": 0.1, "nesterov": True})
    'schedule.base_lr=0.1, nesterov=true'
    """
    return ", ".join(f"{path}={_shown(value)}" for path, value in values.items())
