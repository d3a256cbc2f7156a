"""Data sets by name: each entry a loader ``load(data_dir) -> ImageDataset``, and kinds of files
given by path, ``KIND:PATH`` (``npz:mydata.npz``, ``folder:pets``), each a loader
``load(path, options) -> ImageDataset``.

``data_dir`` is the run's ``data_dir`` setting (None: the loader's own default, e.g. the
cache); ``options`` are the run's :class:`lrlab.data.options.DataOptions`. A data set of
your own is one call, in a module that an experiment file's ``imports`` (or ``lrlab train
--import``) loads::

    from lrlab.data import register_dataset
    register_dataset("my-digits", "mypkg.data:load")   # load(data_dir) -> ImageDataset

>>> "fashion-mnist" in names(), kinds()
(True, ['folder', 'npz'])
>>> check_name("npz:") is None
Traceback (most recent call last):
lrlab.data.errors.DataError: 'npz:' names no file: give npz:PATH
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from ..registry import Registry, load
from .dataset import ImageDataset
from .errors import DataError
from .options import DataOptions

REGISTRY: Registry[str | Callable[[str | None], ImageDataset]] = Registry("dataset", DataError)
KINDS: Registry[str | Callable[[Path, DataOptions], ImageDataset]] = Registry("kind of data set", DataError)


def register_dataset(name: str, loader: str | Callable[[str | None], ImageDataset]) -> None:
    """Register ``loader`` (a callable or its ``"module:function"`` name) under ``name``."""
    REGISTRY.add(name, loader)


def register_kind(kind: str, loader: str | Callable[[Path, DataOptions], ImageDataset]) -> None:
    """Register ``loader(path, options)`` for data sets named ``KIND:PATH``."""
    KINDS.add(kind, loader)


def names() -> list[str]:
    return REGISTRY.names()


def kinds() -> list[str]:
    return KINDS.names()


def check_name(name: str) -> str:
    """``name`` as a run keeps it: a registered name, or ``KIND:PATH`` with the path made absolute
    (so a run reads the same file wherever it is resumed); a :class:`DataError` otherwise."""
    kind, path = _kind_and_path(name)
    if kind is None:
        REGISTRY.get(name)
        return name
    return f"{kind}:{Path(path).expanduser().absolute()}"


def load_dataset(name: str, data_dir: str | None = None, options: DataOptions | None = None) -> ImageDataset:
    """The data set called ``name`` (a registered name, loaded from ``data_dir``, or ``KIND:PATH``,
    read as ``options`` say), or found in memory."""
    kind, path = _kind_and_path(name)
    if kind is None:
        return load(REGISTRY.get(name))(data_dir)
    return load(KINDS.get(kind))(Path(path).expanduser(), options or DataOptions())


def _kind_and_path(name: str) -> tuple[str | None, str]:
    if not isinstance(name, str):
        raise DataError(f"a data set is named by a string, not {name!r}")
    kind, colon, path = name.partition(":")
    if not colon or name in REGISTRY.names():
        return None, name
    KINDS.get(kind)
    if not path:
        raise DataError(f"{name!r} names no file: give {kind}:PATH")
    return kind, os.fspath(path)


register_dataset("fashion-mnist", "lrlab.data.fashion_mnist:load_fashion_mnist")
register_kind("npz", "lrlab.data.npz:load_npz")
register_kind("folder", "lrlab.data.folder:load_folder")
