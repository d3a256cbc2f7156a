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

Per-channel standardisation, from the training split (:meth:`ImageDataset.standardized`):

>>> halves = np.array([[[255, 0], [255, 0]]] * 2, np.uint8)          # two 2x2 images: a white column, a black one
>>> halves = ImageDataset("demo", halves, np.arange(2), halves, np.arange(2), ("a", "b")).standardized()
>>> halves.mean, halves.std, halves.as_float32("test")[0][0, 0].tolist()
((0.5,), (0.5,), [[1.0, -1.0], [1.0, -1.0]])
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib

import numpy as np

SPLITS = ("train", "test")
STATS_CHUNK = 4096
"""Images per chunk when summing for the mean and std: a float64 copy of a whole split could be 8x its size."""


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ImageDataset:
    """Train and test images ((N, H, W) or (N, H, W, C); uint8 pixels 0..255, or float32 pixels
    taken as they are) with int64 labels in ``0 .. len(classes) - 1``; ``mean`` and ``std``
    (one per channel, on the [0, 1] scale) when the images are standardised, else None.

    The arrays are read-only: a loader hands the same object to every caller in the
    process; copy before changing them.
    """

    name: str
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    classes: tuple[str, ...]
    mean: tuple[float, ...] | None = None
    std: tuple[float, ...] | None = None

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
        """``(images, labels)`` of a split ready for a network: float32 pixels.

        Images are shaped (N, C, H, W), or (N, H, W, C) with ``channels_last`` (Keras);
        uint8 pixels are divided by 255 (float pixels are kept as they are), as in the
        seed chapter; then, when the data set is :meth:`standardized`, each channel
        becomes ``(x - mean) / std``. Each call makes a new array (188 MB for
        Fashion-MNIST's training split); keep it if you need it twice.
        """
        images, labels = self.split(split)
        source = _with_channels(images)
        pixels = (source if channels_last else source.transpose(0, 3, 1, 2)).astype(np.float32, order="C")
        if images.dtype == np.uint8:
            pixels /= np.float32(255)
        if self.mean is not None:
            shape = (1, 1, 1, -1) if channels_last else (1, -1, 1, 1)
            pixels -= np.asarray(self.mean, np.float32).reshape(shape)
            pixels /= np.asarray(self.std, np.float32).reshape(shape)
        return pixels, labels

    def standardized(self) -> "ImageDataset":
        """This data set with each channel standardised by the training split's mean and std
        (over every pixel of every training image, on the [0, 1] scale); a channel that never
        varies keeps std 1."""
        total = np.zeros(self.image_shape[0])
        squares = np.zeros(self.image_shape[0])
        images = _with_channels(self.train_images)
        for start in range(0, len(images), STATS_CHUNK):
            chunk = _unit_scale(images[start:start + STATS_CHUNK])
            total += chunk.sum(axis=(0, 1, 2))
            squares += np.square(chunk).sum(axis=(0, 1, 2))
        count = max(images.shape[0] * images.shape[1] * images.shape[2], 1)
        mean = total / count
        std = np.sqrt(np.maximum(squares / count - mean ** 2, 0))
        std[std < 1e-6] = 1.0
        standardized = dataclasses.replace(self, mean=tuple(round(float(m), 6) for m in mean),
                                           std=tuple(round(float(s), 6) for s in std))
        standardized.__dict__["fingerprint"] = self.fingerprint
        return standardized

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


def _with_channels(images: np.ndarray) -> np.ndarray:
    """(N, H, W, C) images: a channel axis added to (N, H, W) ones (a view)."""
    return images[..., None] if images.ndim == 3 else images


def _unit_scale(images: np.ndarray) -> np.ndarray:
    """float64 pixels: uint8 divided by 255, float as it is."""
    pixels = images.astype(np.float64)
    return pixels / 255 if images.dtype == np.uint8 else pixels
