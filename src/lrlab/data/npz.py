"""``npz:PATH``: a data set from one ``.npz`` file of numpy arrays.

The file holds ``x_train``, ``y_train``, ``x_test``, ``y_test`` (and may hold ``classes``, the
class names): images uint8 (0..255) or float (taken as they are, e.g. already in [0, 1]),
shaped N x H x W (grayscale) or N x H x W x C with C = 1 or 3; labels integers from 0. Without
``classes`` the classes are ``0 .. max(y_train)``. Write one with::

    np.savez("mydata.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)

Every problem is a :class:`DataError` naming the file, e.g. ``mydata.npz: y_test holds 99
labels but x_test 100 images``. The shapes are read from the file's headers before any array,
so a file too large for memory (:data:`lrlab.data.options.MAX_BYTES`) is refused at once.

>>> data = load_npz("mydata.npz")  # doctest: +SKIP
>>> data.image_shape, data.classes  # doctest: +SKIP
((3, 32, 32), ('0', '1', ..., '9'))
"""

from __future__ import annotations

import functools
import math
import os
import zipfile
from pathlib import Path

import numpy as np

from .dataset import ImageDataset
from .errors import DataError
from .options import DataOptions, check_size

KEYS = ("x_train", "y_train", "x_test", "y_test")
CHANNELS = (1, 3)


def load_npz(path: str | os.PathLike[str], options: DataOptions | None = None) -> ImageDataset:
    """The data set in the ``.npz`` file at ``path`` (``options`` are for folders: not used);
    found in memory when the same file (path, size, modification time) was loaded before."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError as error:
        raise DataError(f"{path}: cannot be read ({error.strerror or error})") from None
    return _load(str(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=2)
def _load(path: str, size: int, mtime_ns: int) -> ImageDataset:
    shapes = _headers(path)
    missing = [key for key in KEYS if key not in shapes]
    if missing:
        raise DataError(f"{path}: missing {', '.join(missing)} (it has: {', '.join(shapes) or 'no arrays'}); "
                        f"an .npz data set holds {', '.join(KEYS)}")
    check_size(path, sum(math.prod(shapes[key][0]) * (1 if shapes[key][1] == np.uint8 else 4)
                         for key in ("x_train", "x_test")))
    with np.load(path, allow_pickle=False) as stored:
        arrays = {key: stored[key] for key in (*KEYS, "classes") if key in shapes}
    train = _split(path, arrays, "train")
    test = _split(path, arrays, "test")
    if train[0].shape[1:] != test[0].shape[1:]:
        raise DataError(f"{path}: x_train's images are {_shape(train[0])} but x_test's are {_shape(test[0])}")
    classes = _classes(path, arrays, train[1], test[1])
    for array in (*train, *test):
        array.flags.writeable = False
    return ImageDataset(f"npz:{path}", *train, *test, classes)


def _headers(path: str) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """Each array's (shape, dtype), read from the .npy headers inside the zip, no data read."""
    try:
        with zipfile.ZipFile(path) as archive:
            shapes = {}
            for member in archive.namelist():
                if member.endswith(".npy"):
                    with archive.open(member) as stream:
                        version = np.lib.format.read_magic(stream)
                        read = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                            np.lib.format.read_array_header_2_0
                        shape, _, dtype = read(stream)
                    shapes[member.removesuffix(".npy")] = (shape, dtype)
            return shapes
    except (zipfile.BadZipFile, ValueError, EOFError) as error:
        raise DataError(f"{path}: not an .npz file of numpy arrays ({error}); write one with np.savez") from None
    except OSError as error:
        raise DataError(f"{path}: cannot be read ({error.strerror or error})") from None


def _split(path: str, arrays: dict[str, np.ndarray], split: str) -> tuple[np.ndarray, np.ndarray]:
    images, labels = arrays[f"x_{split}"], arrays[f"y_{split}"]
    images = _images(path, f"x_{split}", images)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise DataError(f"{path}: y_{split} must be a 1-D array of integer labels, not {labels.dtype} "
                        f"shaped {labels.shape}")
    if len(labels) != len(images):
        raise DataError(f"{path}: y_{split} holds {len(labels)} labels but x_{split} {len(images)} images")
    if len(labels) == 0:
        raise DataError(f"{path}: x_{split} holds no images")
    if labels.min() < 0:
        raise DataError(f"{path}: y_{split} has label {labels.min()}: labels are out of range, they count from 0")
    return images, labels.astype(np.int64)


def _images(path: str, key: str, images: np.ndarray) -> np.ndarray:
    if images.ndim == 4 and images.shape[3] not in CHANNELS and images.shape[1] in CHANNELS:
        raise DataError(f"{path}: {key} is shaped {images.shape}, channels first; lrlab takes N x H x W x C: "
                        f"np.transpose({key}, (0, 2, 3, 1))")
    if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[3] not in CHANNELS):
        raise DataError(f"{path}: {key} is shaped {images.shape}; images must be N x H x W or N x H x W x C "
                        f"with C = 1 or 3")
    if images.dtype == np.uint8:
        return images
    if not np.issubdtype(images.dtype, np.floating):
        raise DataError(f"{path}: {key} holds {images.dtype}; pixels must be uint8 (0..255) or float "
                        f"(taken as they are)")
    images = images.astype(np.float32)
    if not np.isfinite(images).all():
        raise DataError(f"{path}: {key} holds NaN or infinite pixels")
    return images


def _classes(path: str, arrays: dict[str, np.ndarray], train: np.ndarray, test: np.ndarray) -> tuple[str, ...]:
    if "classes" in arrays:
        names = arrays["classes"]
        if names.ndim != 1 or len(names) == 0:
            raise DataError(f"{path}: classes must be a 1-D array of class names, not shaped {names.shape}")
        names = tuple(str(name) for name in names)
        where = "the classes array"
    else:
        names = tuple(str(label) for label in range(int(train.max()) + 1))
        where = "the labels of y_train; add a classes array to name more"
    for split, labels in (("y_train", train), ("y_test", test)):
        if labels.max() >= len(names):
            raise DataError(f"{path}: {split} has label {labels.max()}, out of range 0..{len(names) - 1} ({where})")
    return names


def _shape(images: np.ndarray) -> str:
    return "x".join(str(n) for n in images.shape[1:])


def clear() -> None:
    """Forget the data sets loaded in this process."""
    _load.cache_clear()
