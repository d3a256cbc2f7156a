"""Data sets by name: each entry a loader ``load(data_dir) -> ImageDataset``.

``data_dir`` is the run's ``data_dir`` setting (None: the loader's own default, e.g. the
cache). A data set of your own is one call, in a module that an experiment file's
``imports`` (or ``lrlab train --import``) loads::

    from lrlab.data import register_dataset
    register_dataset("my-digits", "mypkg.data:load")   # load(data_dir) -> ImageDataset

>>> "fashion-mnist" in names()
True
"""

from __future__ import annotations

from typing import Callable

from ..registry import Registry, load
from .dataset import ImageDataset
from .errors import DataError

REGISTRY: Registry[str | Callable[[str | None], ImageDataset]] = Registry("dataset", DataError)


def register_dataset(name: str, loader: str | Callable[[str | None], ImageDataset]) -> None:
    """Register ``loader`` (a callable or its ``"module:function"`` name) under ``name``."""
    REGISTRY.add(name, loader)


def names() -> list[str]:
    return REGISTRY.names()


def load_dataset(name: str, data_dir: str | None = None) -> ImageDataset:
    """The data set called ``name``, loaded (or found in memory) from ``data_dir``."""
    return load(REGISTRY.get(name))(data_dir)


register_dataset("fashion-mnist", "lrlab.data.fashion_mnist:load_fashion_mnist")
