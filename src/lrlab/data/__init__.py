"""Data sets for the bench: a registry of loaders, each giving one in-memory :class:`ImageDataset`.

>>> from lrlab.data import load_dataset
>>> data = load_dataset("fashion-mnist")  # doctest: +SKIP
>>> x, y = data.as_float32("train")  # doctest: +SKIP
>>> data = load_dataset("folder:pets", options=DataOptions(image_size=64))  # doctest: +SKIP
"""

from .dataset import ImageDataset
from .errors import DataError
from .fashion_mnist import find_data_dir, load_fashion_mnist
from .options import COLORS, DataOptions
from .registry import check_name, kinds, load_dataset, names, register_dataset, register_kind

__all__ = ["COLORS", "DataError", "DataOptions", "ImageDataset", "check_name", "find_data_dir", "kinds",
           "load_dataset", "load_fashion_mnist", "names", "register_dataset", "register_kind"]
