"""How a data set of your own is read: the settings of ``folder:`` data, and the size held in memory.

>>> DataOptions().image_size, DataOptions().test_fraction
(32, 0.2)
>>> check_size("x.npz", 60_000 * 32 * 32 * 3)   # CIFAR-10 in uint8: 184 MB, well within
>>> check_size("x.npz", 3 * 2**30)
Traceback (most recent call last):
lrlab.data.errors.DataError: x.npz: 3.2 GB of pixels is more than lrlab holds in memory (2.1 GB: about 110,000 64x64 RGB images); use fewer or smaller images
"""

from __future__ import annotations

import dataclasses

from .errors import DataError

COLORS = ("auto", "gray", "rgb")
"""``folder:`` images as stored (``auto``: RGB when any image is stored in colour, else grayscale),
or all converted to grayscale or to RGB."""

MAX_BYTES = 2 * 2**30
"""The most pixel bytes a data set may hold (uint8: one byte a value; float: four). Data sets live in
memory, and a backend makes a float32 copy of them (4x); 2 GiB holds Tiny ImageNet (110,000 64x64 RGB
images, 1.35 GB) or CIFAR-10 (184 MB)."""


@dataclasses.dataclass(frozen=True)
class DataOptions:
    """The settings of a ``folder:`` data set: the side every image is resized to, its colour
    (one of :data:`COLORS`), and for one tree without ``train/`` and ``test/``, the fraction
    of each class held out as the test split (chosen by a fixed seed: the same split every run)."""

    image_size: int = 32
    color: str = "auto"
    test_fraction: float = 0.2


def check_size(source: object, nbytes: int) -> None:
    """:class:`DataError` naming ``source`` when ``nbytes`` of pixels is more than :data:`MAX_BYTES`."""
    if nbytes > MAX_BYTES:
        raise DataError(f"{source}: {nbytes / 1e9:.1f} GB of pixels is more than lrlab holds in memory "
                        f"({MAX_BYTES / 1e9:.1f} GB: about 110,000 64x64 RGB images); use fewer or smaller images")
