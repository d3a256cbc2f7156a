"""The one in-memory data set type every backend trains on: images, labels, class names.

>>> import numpy as np
>>> images = np.zeros((4, 28, 28), np.uint8)
>>> data = ImageDataset("demo", images, np.arange(4) % 2, images[:2], np.arange(2), ("even", "odd"))
>>> data, data.image_shape, data.num_classes
(ImageDataset('demo', train=4, test=2), (1, 28, 28), 2)
>>> data.as_float32("train")[0].shape, data.as_float32("train", channels_last=True)[0].shape
((4, 1, 28, 28), (4, 28, 28, 1))
>>> len(data.fingerprint), data.fingerprint == data.subset(4).fingerprint
(16, True)
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib

import numpy as np

SPLITS = ("train", "test")


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ImageDataset:
    """Train and test images (uint8, (N, H, W) or (N, H, W, C)) with int64 labels in
    ``0 .. len(classes) - 1``.

    The arrays are read-only: a loader hands the same object to every caller in the
    process; copy before changing them.
    """

    name: str
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    classes: tuple[str, ...]

    def __repr__(self) -> str:
        return f"ImageDataset({self.name!r}, train={len(self.train_labels)}, test={len(self.test_labels)})"

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(channels, height, width) of one image."""
        height, width, *channels = self.train_images.shape[1:]
        return (channels[0] if channels else 1, height, width)

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @functools.cached_property
    def fingerprint(self) -> str:
        """A content hash of the whole data set (all four arrays and the class names): the
        same files give the same fingerprint anywhere. A subset keeps its parent's (the
        subset sizes are part of a run's config)."""
        digest = hashlib.blake2b(digest_size=8)
        for array in (self.train_images, self.train_labels, self.test_images, self.test_labels):
            digest.update(f"{array.dtype.str}{array.shape}".encode())
            digest.update(np.ascontiguousarray(array).data)
        digest.update("\n".join(self.classes).encode())
        return digest.hexdigest()

    def split(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """``(images, labels)`` of the ``"train"`` or ``"test"`` split."""
        if name not in SPLITS:
            raise ValueError(f"split must be 'train' or 'test', not {name!r}")
        return getattr(self, f"{name}_images"), getattr(self, f"{name}_labels")

    def as_float32(self, split: str, *, channels_last: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """``(images, labels)`` of a split ready for a network: float32 pixels in [0, 1].

        Images are shaped (N, C, H, W), or (N, H, W, C) with ``channels_last`` (Keras);
        pixels are divided by 255, nothing else (no mean/std normalisation), as in the
        seed chapter. Each call makes a new array (188 MB for Fashion-MNIST's training
        split); keep it if you need it twice.
        """
        images, labels = self.split(split)
        if images.ndim == 3:
            images = images[..., None]
        pixels = (images if channels_last else images.transpose(0, 3, 1, 2)).astype(np.float32, order="C")
        pixels /= np.float32(255)
        return pixels, labels

    def subset(self, n_train: int | None, n_test: int | None = None) -> "ImageDataset":
        """The first ``n_train`` training and ``n_test`` test items (all when None).

        Deterministic (no shuffling, no stratification). Shares memory with this
        object, and its fingerprint.
        """
        subset = dataclasses.replace(self, **dict(zip(("train_images", "train_labels"), self._head("train", n_train))),
                                     **dict(zip(("test_images", "test_labels"), self._head("test", n_test))))
        subset.__dict__["fingerprint"] = self.fingerprint
        return subset

    def _head(self, name: str, n: int | None) -> tuple[np.ndarray, np.ndarray]:
        images, labels = self.split(name)
        if n is None:
            return images, labels
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 0 <= n <= len(labels):
            raise ValueError(f"n_{name}={n!r} is invalid: must be an integer from 0 to {len(labels)}")
        return images[:n], labels[:n]
