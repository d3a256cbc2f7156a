"""``resnet20``: He et al. (2016)'s CIFAR ResNet (:mod:`lrlab.models.resnet_torch`), PyTorch only.

Settings: ``depth`` (6n + 2 layers, n basic blocks per stage; 20 by default) and ``width`` (a
multiple of the paper's 16/32/64 channels; 1 by default). Any image size and channel count (a
global average pool ends it): Fashion-MNIST's 1x28x28 as it is. It initialises itself (He-normal,
the paper's), so it takes only the registry's default ``init`` name. One training per GPU.

>>> from lrlab.models import get
>>> entry = get("resnet20")
>>> sorted(entry.builders), entry.settings, entry.input_shape, entry.runs_per_gpu
(['torch'], ('depth', 'width'), None, 1)
"""

from __future__ import annotations

from .registry import register_model


def check_depth(depth: int) -> str | None:
    """Why ``depth`` is no CIFAR ResNet's depth (6n + 2, n >= 1), in one line; None when it is one.

    >>> check_depth(20), check_depth(21)
    (None, 'must be 6n + 2 for n >= 1 blocks per stage: 8, 14, 20, 32, 44, 56, 110, ...')
    """
    if isinstance(depth, int) and depth >= 8 and (depth - 2) % 6 == 0:
        return None
    return "must be 6n + 2 for n >= 1 blocks per stage: 8, 14, 20, 32, 44, 56, 110, ..."


register_model(
    "resnet20", "He et al. 2016's CIFAR ResNet: 3 stages of 3 basic blocks, 16/32/64 channels, BatchNorm",
    settings=("depth", "width"),
    torch="lrlab.models.resnet_torch:resnet",
)
