"""The Fashion-MNIST resources table: each official file with its md5, size and item count.

The table is a value, so the loader and the downloader take it as an argument
and tests can pass a table of their own tiny files.

>>> FASHION_MNIST["train_labels"].filename
'train-labels-idx1-ubyte.gz'
>>> FASHION_MNIST["train_labels"].unzipped_name
'train-labels-idx1-ubyte'
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["FASHION_MNIST", "FASHION_MNIST_MIRRORS", "Resource", "ResourceTable"]


@dataclass(frozen=True)
class Resource:
    """One data file: its role, official file name, md5 and size of the ``.gz``, items held.

    >>> labels = FASHION_MNIST["test_labels"]
    >>> labels.size, labels.items
    (5148, 10000)
    """

    key: str
    filename: str
    md5: str
    size: int
    items: int

    @property
    def unzipped_name(self) -> str:
        """The name of the same file after ``gunzip`` (no official md5 exists for it)."""
        return self.filename.removesuffix(".gz")


@dataclass(frozen=True)
class ResourceTable:
    """The files of a data set and the base URLs it can be downloaded from, in order of preference.

    >>> [r.key for r in FASHION_MNIST]
    ['train_images', 'train_labels', 'test_images', 'test_labels']
    """

    files: tuple[Resource, ...]
    mirrors: tuple[str, ...]

    def __iter__(self) -> Iterator[Resource]:
        return iter(self.files)

    def __getitem__(self, key: str) -> Resource:
        for resource in self.files:
            if resource.key == key:
                return resource
        raise KeyError(key)


FASHION_MNIST_MIRRORS = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/",
)

FASHION_MNIST = ResourceTable(
    files=(
        Resource(
            "train_images",
            "train-images-idx3-ubyte.gz",
            "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            26_421_880,
            60_000,
        ),
        Resource(
            "train_labels", "train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe", 29_515, 60_000
        ),
        Resource(
            "test_images", "t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79", 4_422_102, 10_000
        ),
        Resource(
            "test_labels", "t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310", 5_148, 10_000
        ),
    ),
    mirrors=FASHION_MNIST_MIRRORS,
)
