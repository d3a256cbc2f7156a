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
structure, their shapes and item counts. A verified ``.gz`` file is decoded once: its
array is kept in the user cache (:mod:`lrlab.data.decoded`) for the next process.

>>> data = load_fashion_mnist()  # doctest: +SKIP
>>> data.train_images.shape, data.test_labels.shape  # doctest: +SKIP
((60000, 28, 28), (10000,))
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np

from . import checksum
from .dataset import SPLITS, ImageDataset
from .decoded import read_decoded
from .errors import DataError
from .idx import ADVICE, read_idx
from .resources import FASHION_MNIST, Resource, ResourceTable

__all__ = [
    "CLASSES",
    "ENV_VAR",
    "clear_caches",
    "default_cache_dir",
    "find_data_dir",
    "load_fashion_mnist",
]

NAME = "fashion-mnist"
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
) -> ImageDataset:
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
            from .download import download_file  # urllib and http: imported only to download

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
def _load(stamps: tuple[tuple[str, str, int, int], ...], resources: ResourceTable) -> ImageDataset:
    paths = {key: Path(path) for key, path, _, _ in stamps}
    arrays = []
    for split in SPLITS:
        arrays += _read_split(
            (paths[f"{split}_images"], resources[f"{split}_images"]),
            (paths[f"{split}_labels"], resources[f"{split}_labels"]),
        )
    return ImageDataset(NAME, *arrays, CLASSES)


def _read_split(images_file: tuple[Path, Resource], labels_file: tuple[Path, Resource]) -> list[np.ndarray]:
    (images_path, images_resource), (labels_path, labels_resource) = images_file, labels_file
    images = _read(images_path, images_resource, ndim=3)
    labels = _read(labels_path, labels_resource, ndim=1)
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


def _read(path: Path, resource: Resource, *, ndim: int) -> np.ndarray:
    """The file's array; a ``.gz`` (its md5 checked against the official one) through its decoded copy."""
    if path.name == resource.filename:
        return read_decoded(path, resource.md5, ndim=ndim)
    return read_idx(path, ndim=ndim)
