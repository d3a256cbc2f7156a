"""Fashion-MNIST for the bench: find, verify, download into the cache, load once per process.

>>> from lrlab.data import load_fashion_mnist
>>> data = load_fashion_mnist()  # doctest: +SKIP
>>> x, y = data.as_float32("train")  # doctest: +SKIP
"""

from .errors import DataError
from .fashion_mnist import FashionMNIST, find_data_dir, load_fashion_mnist

__all__ = ["DataError", "FashionMNIST", "find_data_dir", "load_fashion_mnist"]
