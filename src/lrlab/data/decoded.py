"""Decoded copies of verified gzip IDX files, kept as ``.npy`` files in the user cache.

Inflating Fashion-MNIST's 26 MB of training images takes most of the time a training process
spends on its data; reading the same 47 MB decoded from a ``.npy`` file takes a tenth of it
(benchmarks/README.md). The first process that reads a ``.gz`` file writes its copy; the others
read the copy.

A copy is named by the md5 of the ``.gz`` file it was decoded from, which the caller has checked
against the official md5 before: ``$XDG_CACHE_HOME/lrlab/decoded/<md5>.npy``; so a copy stands for
one file's content only, wherever that file lies. It is written whole or not at all (a temporary
file, then renamed). A copy that cannot be written (a read-only cache) or read back as a uint8
array of the expected dimensions is not used: the ``.gz`` is read as before.

>>> read_decoded("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d", ndim=3)  # doctest: +SKIP
array([[[0, 0, 0, ...

Any other decoded data (an image folder's pixels) is kept the same way, as several arrays in one
``<key>.npz`` named by its content's fingerprint (:func:`read_arrays`, :func:`write_arrays`).
"""

from __future__ import annotations

import contextlib
import os
import zipfile
from pathlib import Path

import numpy as np

from .idx import read_idx

__all__ = ["decoded_dir", "read_arrays", "read_decoded", "write_arrays"]


def decoded_dir() -> Path:
    """``$XDG_CACHE_HOME/lrlab/decoded``, else ``~/.cache/lrlab/decoded``."""
    return Path(os.environ.get("XDG_CACHE_HOME") or "~/.cache").expanduser() / "lrlab" / "decoded"


def read_decoded(path: str | os.PathLike[str], md5: str, *, ndim: int) -> np.ndarray:
    """The array of the IDX file ``path`` (a ``.gz`` whose md5 is ``md5``), from its decoded copy
    when there is one, else from ``path`` (:func:`lrlab.data.idx.read_idx`), then kept as a copy."""
    copy = decoded_dir() / f"{md5}.npy"
    try:
        array = np.load(copy, allow_pickle=False)
        if array.dtype == np.uint8 and array.ndim == ndim:
            return array
    except (OSError, ValueError, EOFError):  # no copy yet, or a damaged one: written again below
        pass
    array = read_idx(path, ndim=ndim)
    _write(copy, array)
    return array


def read_arrays(key: str) -> dict[str, np.ndarray] | None:
    """The arrays kept under ``key`` by :func:`write_arrays`; None when there are none (or they are damaged).

    >>> write_arrays("demo-key", {"a": np.arange(3)}); read_arrays("demo-key")  # doctest: +SKIP
    {'a': array([0, 1, 2])}
    """
    try:
        with np.load(decoded_dir() / f"{key}.npz", allow_pickle=False) as stored:
            return {name: stored[name] for name in stored.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):  # none yet, or a damaged one
        return None


def write_arrays(key: str, arrays: dict[str, np.ndarray]) -> None:
    """Keep ``arrays`` under ``key`` (uncompressed, written whole or not at all; nothing when the
    cache cannot be written)."""
    _write(decoded_dir() / f"{key}.npz", arrays)


def _write(copy: Path, array: np.ndarray | dict[str, np.ndarray]) -> None:
    temporary = copy.with_name(f".{copy.name}.{os.getpid()}.tmp")
    try:
        copy.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "wb") as stream:
            if isinstance(array, dict):
                np.savez(stream, **array)
            else:
                np.save(stream, array, allow_pickle=False)
        os.replace(temporary, copy)
    except OSError:  # a cache we cannot write to: the next process decodes the .gz again
        with contextlib.suppress(OSError):
            temporary.unlink()
