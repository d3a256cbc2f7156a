"""Fashion-MNIST: find the files, verify them, download into the cache, load once per process.

Folders are looked up in this order:

1. the ``data_dir`` argument (the command line's ``--data-dir``);
2. the ``LRLAB_DATA_DIR`` environment variable;
3. the user cache, ``$XDG_CACHE_HOME/lrlab/fashion-mnist`` (by default
   ``~/.cache/lrlab/fashion-mnist``).

Only the cache is ever written to: files missing there, or with a wrong md5, are
downloaded (again). A folder you name must already hold the four files; lrlab
reports what is missing or wrong and leaves the folder as it is.

Each file may be there gzip-compressed under its official name (``*.gz``) or
unzipped under the same name without ``.gz``; the ``.gz`` wins when both are.
A ``.gz`` file is checked against the official md5 before it is read. There is
no official md5 of the unzipped files, so those are checked only by their IDX
structure, their shapes and item counts.

>>> data = load_fashion_mnist()  # doctest: +SKIP
>>> data.train_images.shape, data.test_labels.shape  # doctest: +SKIP
((60000, 28, 28), (10000,))
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from . import checksum
from .download import download_file
from .errors import DataError
from .idx import ADVICE, read_idx
from .resources import FASHION_MNIST, Resource, ResourceTable

__all__ = [
    "CLASSES",
    "ENV_VAR",
    "FashionMNIST",
    "clear_caches",
    "default_cache_dir",
    "find_data_dir",
    "load_fashion_mnist",
]

ENV_VAR = "LRLAB_DATA_DIR"
CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
IMAGE_SHAPE = (28, 28)
SPLITS = ("train", "test")


@dataclass(frozen=True, eq=False, repr=False)
class FashionMNIST:
    """The four Fashion-MNIST arrays: images uint8 (N, 28, 28), labels int64 (N,).

    The arrays are read-only, because :func:`load_fashion_mnist` hands the same
    object to every caller in the process; copy before changing them.

    >>> data = load_fashion_mnist()  # doctest: +SKIP
    >>> data  # doctest: +SKIP
    FashionMNIST(train=60000, test=10000)
    >>> data.classes[data.train_labels[0]]  # doctest: +SKIP
    'Ankle boot'
    """

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray

    classes: ClassVar[tuple[str, ...]] = CLASSES

    def __repr__(self) -> str:
        return f"FashionMNIST(train={len(self.train_labels)}, test={len(self.test_labels)})"

    def split(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """``(images, labels)`` of the ``"train"`` or ``"test"`` split.

        >>> images, labels = data.split("test")  # doctest: +SKIP
        """
        if name not in SPLITS:
            raise ValueError(f"split must be 'train' or 'test', not {name!r}")
        return getattr(self, f"{name}_images"), getattr(self, f"{name}_labels")

    def as_float32(self, split: str, *, channels_last: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """``(images, labels)`` of a split ready for a network: float32 pixels in [0, 1].

        Images are shaped (N, 1, 28, 28), or (N, 28, 28, 1) with ``channels_last``
        (Keras); pixels are divided by 255, nothing else (no mean/std
        normalisation), as in the seed chapter. Each call makes a new array
        (188 MB for the training split); keep it if you need it twice.

        >>> x, y = data.as_float32("train")  # doctest: +SKIP
        >>> x.shape, x.dtype, float(x.max()), y.dtype  # doctest: +SKIP
        ((60000, 1, 28, 28), dtype('float32'), 1.0, dtype('int64'))
        """
        images, labels = self.split(split)
        pixels = (images[..., None] if channels_last else images[:, None]).astype(np.float32)
        pixels /= np.float32(255)
        return pixels, labels

    def subset(self, n_train: int, n_test: int | None = None) -> FashionMNIST:
        """The first ``n_train`` training and ``n_test`` test items (all test items when None).

        Deterministic (no shuffling, no stratification); the official order is
        already shuffled, so classes come out roughly balanced. Shares memory
        with this object.

        >>> data.subset(1000, 200)  # doctest: +SKIP
        FashionMNIST(train=1000, test=200)
        """
        return FashionMNIST(*self._head("train", n_train), *self._head("test", n_test))

    def _head(self, name: str, n: int | None) -> tuple[np.ndarray, np.ndarray]:
        images, labels = self.split(name)
        if n is None:
            return images, labels
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 0 <= n <= len(labels):
            raise ValueError(f"n_{name}={n!r} is invalid: must be an integer from 0 to {len(labels)}")
        return images[:n], labels[:n]


def default_cache_dir() -> Path:
    """Where downloads go: ``$XDG_CACHE_HOME/lrlab/fashion-mnist``, else ``~/.cache/lrlab/fashion-mnist``.

    >>> default_cache_dir()  # doctest: +SKIP
    PosixPath('/home/me/.cache/lrlab/fashion-mnist')
    """
    return Path(os.environ.get("XDG_CACHE_HOME") or "~/.cache").expanduser() / "lrlab" / "fashion-mnist"


def find_data_dir(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    download: bool = True,
    resources: ResourceTable = FASHION_MNIST,
) -> Path:
    """The folder that holds all verified files: ``data_dir``, else ``$LRLAB_DATA_DIR``, else the cache.

    Downloads missing or damaged files into the cache (only there, and only with
    ``download``). Raises :class:`DataError` listing the missing files, or naming
    a file whose md5 is wrong with the expected and actual md5.

    >>> find_data_dir("/data/fashion-mnist")  # doctest: +SKIP
    PosixPath('/data/fashion-mnist')
    """
    return _prepare(data_dir, download, resources)[0]


def load_fashion_mnist(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    download: bool = True,
    resources: ResourceTable = FASHION_MNIST,
) -> FashionMNIST:
    """Load Fashion-MNIST from the folder :func:`find_data_dir` picks.

    Loaded once per process: later calls for the same unchanged files return the
    same object. Raises :class:`DataError` when a file is missing, damaged, or
    the item counts are not the table's (60000 train, 10000 test) or do not
    agree between images and labels.

    >>> data = load_fashion_mnist(download=False)  # doctest: +SKIP
    >>> len(data.train_labels), len(data.test_labels)  # doctest: +SKIP
    (60000, 10000)
    """
    _, paths = _prepare(data_dir, download, resources)
    # Keyed on each file's size and mtime too, so a replaced file is read again.
    stamps = tuple((key, str(path), *_stat(path)) for key, path in paths.items())
    return _load(stamps, resources)


def clear_caches() -> None:
    """Forget the loaded data set (about 55 MB) and the remembered md5s."""
    _load.cache_clear()
    checksum.clear()


def _prepare(data_dir, download: bool, resources: ResourceTable) -> tuple[Path, dict[str, Path]]:
    folder, origin = _choose_folder(data_dir)
    in_cache = origin is None
    if not in_cache and not folder.is_dir():
        raise DataError(
            f"{folder}: no such folder (given by {origin}). Point it to the folder that holds the "
            f"Fashion-MNIST files, or leave it unset to download them into {default_cache_dir()}."
        )
    paths, missing = {}, []
    for resource in resources:
        path = _existing_file(folder, resource)
        if path is not None and not _md5_ok(path, resource, origin, repair=in_cache and download):
            path = None
        if path is None and in_cache and download:
            path = download_file(resource, folder, resources.mirrors)
        if path is None:
            missing.append(resource)
        else:
            paths[resource.key] = path
    if missing:
        raise _missing_error(folder, origin, missing)
    return folder, paths


def _choose_folder(data_dir) -> tuple[Path, str | None]:
    if data_dir is not None and str(data_dir) != "":
        return Path(data_dir).expanduser().resolve(), "the data_dir argument (--data-dir)"
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser().resolve(), f"the {ENV_VAR} environment variable"
    return default_cache_dir().resolve(), None


def _existing_file(folder: Path, resource: Resource) -> Path | None:
    for name in (resource.filename, resource.unzipped_name):
        if (folder / name).is_file():
            return folder / name
    return None


def _md5_ok(path: Path, resource: Resource, origin: str | None, *, repair: bool) -> bool:
    """True when ``path`` may be read; a wrong file is deleted (``repair``) or reported."""
    if path.name != resource.filename:
        return True  # unzipped: no official md5; read_idx and the counts check it
    try:
        actual = checksum.file_md5(path)
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or exc}). {ADVICE}") from exc
    if actual == resource.md5:
        return True
    if repair:
        path.unlink(missing_ok=True)
        return False
    where = (
        "Delete it and rerun with downloading allowed, or pass --data-dir (or set LRLAB_DATA_DIR) "
        "to a folder with the official files."
        if origin is None
        else f"Replace it with the official file, or point {origin} to a folder with the official files."
    )
    raise DataError(
        f"{path}: md5 is {actual}, expected the official {resource.md5} "
        f"(size {path.stat().st_size} bytes, official {resource.size}); "
        f"it is damaged or not the official file. {where}"
    )


def _missing_error(folder: Path, origin: str | None, missing: list[Resource]) -> DataError:
    names = ", ".join(f"{r.filename} (or {r.unzipped_name})" for r in missing)
    if origin is None:
        advice = (
            "Allow the download (download=True), or pass --data-dir (or set LRLAB_DATA_DIR) "
            "to a folder with the official files."
        )
    else:
        advice = (
            f"The folder was given by {origin}, and lrlab never writes into such a folder: put the "
            f"official files there, or leave it unset to download them into {default_cache_dir()}."
        )
    return DataError(f"{folder}: missing {names}. {advice}")


def _stat(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


@functools.lru_cache(maxsize=2)
def _load(stamps: tuple[tuple[str, str, int, int], ...], resources: ResourceTable) -> FashionMNIST:
    paths = {key: Path(path) for key, path, _, _ in stamps}
    arrays = []
    for split in SPLITS:
        arrays += _read_split(
            (paths[f"{split}_images"], resources[f"{split}_images"]),
            (paths[f"{split}_labels"], resources[f"{split}_labels"]),
        )
    return FashionMNIST(*arrays)


def _read_split(images_file: tuple[Path, Resource], labels_file: tuple[Path, Resource]) -> list[np.ndarray]:
    (images_path, images_resource), (labels_path, labels_resource) = images_file, labels_file
    images = read_idx(images_path, ndim=3)
    labels = read_idx(labels_path, ndim=1)
    if images.shape[1:] != IMAGE_SHAPE:
        raise DataError(
            f"{images_path}: images are {images.shape[1]}x{images.shape[2]}, expected 28x28. {ADVICE}"
        )
    if len(images) != len(labels):
        raise DataError(
            f"{images_path} holds {len(images)} images but {labels_path} holds {len(labels)} labels: "
            f"the two files do not belong together. {ADVICE}"
        )
    for path, array, resource in (
        (images_path, images, images_resource),
        (labels_path, labels, labels_resource),
    ):
        if len(array) != resource.items:
            raise DataError(f"{path}: holds {len(array)} items, expected {resource.items}. {ADVICE}")
    if labels.size and labels.max() >= len(CLASSES):
        raise DataError(
            f"{labels_path}: label {labels.max()} is out of range 0..{len(CLASSES) - 1}. {ADVICE}"
        )
    labels = labels.astype(np.int64)
    for array in (images, labels):
        array.flags.writeable = False
    return [images, labels]
