"""Data sets for the bench: a registry of loaders, each giving one in-memory :class:`ImageDataset`.

>>> from lrlab.data import load_dataset
>>> data = load_dataset("fashion-mnist")  # doctest: +SKIP
>>> x, y = data.as_float32("train")  # doctest: +SKIP
"""

from .dataset import ImageDataset
from .errors import DataError
from .fashion_mnist import find_data_dir, load_fashion_mnist
from .registry import load_dataset, names, register_dataset

__all__ = ["DataError", "ImageDataset", "find_data_dir", "load_dataset", "load_fashion_mnist", "names",
           "register_dataset"]
