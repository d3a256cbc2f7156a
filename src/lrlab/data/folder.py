"""``folder:PATH``: a data set from a folder of images, one sub-folder per class.

Two layouts::

    PATH/train/<class>/<image>.png      PATH/<class>/<image>.png
    PATH/test/<class>/<image>.jpg       (one tree: each class's images split by test_fraction)

Classes are the sub-folders' names in sorted order (label 0 first); images are the ``.png``,
``.jpg`` and ``.jpeg`` files anywhere under a class folder (hidden files and others are
skipped). A one-tree folder holds out ``test_fraction`` of each class as the test split, chosen
by the fixed seed :data:`SPLIT_SEED`, so every run and every machine gets the same split.

Decoding and resizing (:mod:`lrlab.data.images`) is done once: the pixels are kept in the user
cache (:mod:`lrlab.data.decoded`) under a fingerprint of the folder's content (each image's
path under PATH and its bytes) and the decoding settings, so a rerun, or the same images copied
elsewhere, reads them back instead. Every problem is a :class:`DataError` naming the file or
folder: no class folders, a class with no images, an image that cannot be decoded, too many
pixels for memory (:data:`lrlab.data.options.MAX_BYTES`).

>>> data = load_folder("pets", DataOptions(image_size=32, color="rgb"))  # doctest: +SKIP
>>> data.classes, data.image_shape  # doctest: +SKIP
(('cat', 'dog'), (3, 32, 32))
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from .dataset import ImageDataset
from .decoded import read_arrays, write_arrays
from .errors import DataError
from .images import SUFFIXES, decode_images
from .options import DataOptions, check_size

SPLIT_SEED = 0
CACHE_VERSION = 1
"""Part of every cache key: raise it when decoding changes, so old copies are not read back."""
LAYOUT = "PATH/<class>/<image>.png, or PATH/train/<class>/... and PATH/test/<class>/..."


@dataclasses.dataclass(frozen=True)
class Listing:
    """A folder's images in a fixed order, with their labels and, for a train/test layout, which
    are test images (None for one tree)."""

    root: Path
    classes: tuple[str, ...]
    files: tuple[Path, ...]
    labels: tuple[int, ...]
    in_test: tuple[bool, ...] | None


def load_folder(path: str | os.PathLike[str], options: DataOptions | None = None) -> ImageDataset:
    """The data set in the image folder at ``path``, decoded as ``options`` say (or read back from
    the cache); found in memory when the same files (paths, sizes, modification times) were loaded."""
    options = options or DataOptions()
    listing = list_images(Path(path))
    check_size(listing.root, len(listing.files) * options.image_size ** 2 * (1 if options.color == "gray" else 3))
    return _load(listing, tuple(_stamp(file) for file in listing.files), options)


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def list_images(root: Path) -> Listing:
    """The images under ``root`` in either layout (see the module's docstring)."""
    if not root.is_dir():
        raise DataError(f"{root}: no such folder (expected {LAYOUT})")
    train, test = root / "train", root / "test"
    if not (train.is_dir() or test.is_dir()):
        classes = _class_folders(root)
        files = [_class_images(root / name) for name in classes]
        return Listing(root, classes, *_flat(files), None)
    for folder in (train, test):
        if not folder.is_dir():
            raise DataError(f"{root}: has {'test' if folder is train else 'train'}/ but no {folder.name}/ "
                            f"folder (expected {LAYOUT})")
    classes, test_classes = _class_folders(train), _class_folders(test)
    for name in test_classes:
        if name not in classes:
            raise DataError(f"{test / name}: class {name!r} is not in {train} (the classes are train/'s folders)")
    files = [_class_images(train / name) for name in classes]
    test_files = [_class_images(test / name) if name in test_classes else [] for name in classes]
    train_files, train_labels = _flat(files)
    test_files, test_labels = _flat(test_files)
    return Listing(root, classes, train_files + test_files, train_labels + test_labels,
                   (False,) * len(train_files) + (True,) * len(test_files))


def _class_folders(folder: Path) -> tuple[str, ...]:
    names = sorted(entry.name for entry in folder.iterdir() if entry.is_dir() and not entry.name.startswith("."))
    if not names:
        raise DataError(f"{folder}: no class folders: put each class's images in a folder of its own ({LAYOUT})")
    return tuple(names)


def _class_images(folder: Path) -> list[Path]:
    images = sorted(path for path in folder.rglob("*")
                    if path.suffix.lower() in SUFFIXES and not any(part.startswith(".") for part in
                                                                    path.relative_to(folder).parts)
                    and path.is_file())
    if not images:
        raise DataError(f"{folder}: a class with no images (PNG or JPEG: {', '.join(SUFFIXES)})")
    return images


def _flat(per_class: list[list[Path]]) -> tuple[tuple[Path, ...], tuple[int, ...]]:
    files = tuple(path for paths in per_class for path in paths)
    labels = tuple(label for label, paths in enumerate(per_class) for _ in paths)
    return files, labels


@functools.lru_cache(maxsize=2)
def _load(listing: Listing, stamps: tuple, options: DataOptions) -> ImageDataset:
    images = _decoded(listing, options)
    labels = np.array(listing.labels, np.int64)
    in_test = np.array(listing.in_test) if listing.in_test is not None else \
        held_out_mask(labels, options.test_fraction, listing.root)
    arrays = [images[~in_test], labels[~in_test], images[in_test], labels[in_test]]
    for array in arrays:
        array.flags.writeable = False
    return ImageDataset(f"folder:{listing.root}", *arrays, listing.classes)


def _decoded(listing: Listing, options: DataOptions) -> np.ndarray:
    """All the listing's images, decoded, from the cache when they were decoded before."""
    key = fingerprint(listing, options)
    stored = read_arrays(key)
    size = options.image_size
    if stored is not None and "images" in stored and stored["images"].dtype == np.uint8 and \
            stored["images"].shape[:3] == (len(listing.files), size, size):
        return stored["images"]
    images, _ = decode_images(listing.files, size=size, color=options.color)
    write_arrays(key, {"images": images})
    return images


def fingerprint(listing: Listing, options: DataOptions) -> str:
    """``folder-<hash>``: a hash of each image's path under the root and bytes, and of the decoding
    settings (the size and colour; the split is made after decoding)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"v{CACHE_VERSION} size={options.image_size} color={options.color}\n".encode())
    for path in tqdm(listing.files, desc="fingerprinting images", unit="image", leave=False, disable=None):
        content = path.read_bytes()
        digest.update(f"{path.relative_to(listing.root).as_posix()}\0{len(content)}\0".encode())
        digest.update(content)
    return f"folder-{digest.hexdigest()}"


def held_out_mask(labels: np.ndarray, fraction: float, root: Path) -> np.ndarray:
    """Which images are test images: ``round(fraction * n)`` of each class of n images (at most n - 1),
    chosen by :data:`SPLIT_SEED`.

    >>> held_out_mask(np.array([0, 0, 0, 0, 1, 1]), 0.5, Path("pets")).astype(int).tolist()
    [1, 0, 1, 0, 0, 1]
    """
    rng = np.random.default_rng(SPLIT_SEED)
    mask = np.zeros(len(labels), bool)
    for label in range(int(labels.max()) + 1):
        members = np.flatnonzero(labels == label)
        held_out = min(round(fraction * len(members)), len(members) - 1)
        mask[rng.permutation(members)[:held_out]] = True
    if not mask.any():
        raise DataError(f"{root}: test_fraction={fraction} holds out no image (too few images per class); "
                        f"raise it, or give train/ and test/ folders")
    return mask


def clear() -> None:
    """Forget the data sets loaded in this process."""
    _load.cache_clear()
