"""Data of the user's own, made by the tests: .npz files and folders of PNG and JPEG images.

(A module of its own: conftest modules are not meant to be imported.)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def learnable(n: int, size: int = 16, channels: int = 1, classes: int = 4, seed: int = 0):
    """``n`` noisy uint8 images of ``classes`` easy classes (class k: a bright block in place k of a
    row) and their labels: a LeNet learns them in an epoch or two."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % classes
    images = rng.integers(0, 60, (n, size, size, channels), dtype=np.uint8)
    width = size // classes
    for index, label in enumerate(labels):
        images[index, size // 4: 3 * size // 4, label * width:(label + 1) * width] += 180
    return (images[..., 0] if channels == 1 else images), labels


def write_npz(path: Path, **overrides) -> Path:
    """A right .npz of learnable 16x16 grayscale images (400 train, 100 test), any key replaced by
    ``overrides`` (None removes it)."""
    x_train, y_train = learnable(400, seed=0)
    x_test, y_test = learnable(100, seed=1)
    arrays = dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test) | overrides
    np.savez(path, **{key: value for key, value in arrays.items() if value is not None})
    return path


def write_image(path: Path, pixels: np.ndarray) -> Path:
    """``pixels`` (H x W gray or H x W x 3 RGB, uint8) as a PNG or JPEG, by ``path``'s suffix."""
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, quality=95)
    return path


def write_folder(root: Path, n_per_class: int = 6, classes: int = 2, *, layout: str = "tree",
                 channels: int = 3, sizes=((16, 16), (20, 24), (32, 32))) -> Path:
    """Learnable images in class folders (``layout``: ``tree``, or ``split``: train/ and test/,
    a quarter of each class in test/): PNG and JPEG alternating, of mixed ``sizes``."""
    from PIL import Image

    for label in range(classes):
        images, _ = learnable(n_per_class * classes, size=32, channels=channels, classes=classes, seed=label)
        for index in range(n_per_class):
            pixels = images[index * classes + label]
            height, width = sizes[index % len(sizes)]
            pixels = np.asarray(Image.fromarray(pixels).resize((width, height)))
            split = ("test" if index % 4 == 3 else "train") if layout == "split" else ""
            suffix = ".png" if index % 2 == 0 else ".jpg"
            write_image(root / split / f"class{label}" / f"{index:03d}{suffix}", pixels)
    return root
