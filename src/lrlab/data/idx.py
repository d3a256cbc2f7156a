"""Read IDX files (the format of MNIST and Fashion-MNIST) into numpy arrays.

An IDX file is a 4-byte magic number ``0x00 0x00 <type> <ndim>``, then ``ndim``
big-endian uint32 dimensions, then the items, row-major. Only the unsigned-byte
type (0x08) is supported: images are ``0x00000803`` (N, rows, cols) and labels
``0x00000801`` (N,).

>>> labels = read_idx("train-labels-idx1-ubyte.gz", ndim=1)  # doctest: +SKIP
>>> labels.dtype, labels.shape  # doctest: +SKIP
(dtype('uint8'), (60000,))
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .errors import DataError

__all__ = ["read_idx"]

_GZIP_MAGIC = b"\x1f\x8b"
_UBYTE = 0x08
_CHUNK = 1 << 20
ADVICE = "Delete it and rerun to download it again, or pass --data-dir to a folder with the official files."


def read_idx(path: str | os.PathLike[str], *, ndim: int | None = None) -> np.ndarray:
    """Read an IDX file of unsigned bytes, gzip-compressed or plain, into a uint8 array.

    Compression is recognised by the gzip magic bytes, not by the file name, so
    an unzipped file keeps working whatever it is called. ``ndim`` (1 for labels,
    3 for images) makes any other magic number an error. The payload must be
    exactly as long as the header's dimensions say. Every failure, including a
    missing file and corrupt or truncated gzip data, raises :class:`DataError`.

    >>> images = read_idx("t10k-images-idx3-ubyte.gz", ndim=3)  # doctest: +SKIP
    >>> images.shape  # doctest: +SKIP
    (10000, 28, 28)
    """
    path = Path(path)
    try:
        with open(path, "rb") as raw:
            compressed = raw.read(2) == _GZIP_MAGIC
            raw.seek(0)
            if not compressed:
                return _parse(raw, path, ndim)
            with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
                return _parse(unzipped, path, ndim)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        # BadGzipFile is an OSError, so it must be caught before OSError below.
        raise _error(path, f"the gzip data is corrupt or truncated ({exc})") from exc
    except FileNotFoundError as exc:
        raise _error(path, "no such file") from exc
    except OSError as exc:
        raise _error(path, f"cannot be read ({exc.strerror or exc})") from exc


def _parse(stream: BinaryIO, path: Path, ndim: int | None) -> np.ndarray:
    dims = _read_header(stream, path, ndim)
    count = math.prod(dims)
    # Read at most one byte past the payload: enough to detect an overlong file,
    # and for gzip it reaches the end of the stream, where the CRC is checked.
    payload = _read_upto(stream, count + 1)
    if len(payload) != count:
        problem = "is truncated" if len(payload) < count else "is longer than its header says"
        shape = " x ".join(map(str, dims))
        got = f"{len(payload)}" if len(payload) <= count else "more"
        raise _error(path, f"the data {problem}: the header says {shape} = {count} bytes, found {got}")
    return np.frombuffer(payload, dtype=np.uint8).reshape(dims)


def _read_header(stream: BinaryIO, path: Path, ndim: int | None) -> tuple[int, ...]:
    magic = stream.read(4)
    if len(magic) < 4:
        raise _error(path, f"too short for an IDX header ({len(magic)} bytes)")
    expected = f"0x{0x800 | ndim:08x}" if ndim is not None else "0x000008NN"
    if magic[:2] != b"\0\0" or magic[2] != _UBYTE or magic[3] == 0 or (ndim is not None and magic[3] != ndim):
        what = (
            f"{ndim}-dimensional IDX file of unsigned bytes"
            if ndim is not None
            else "IDX file of unsigned bytes"
        )
        raise _error(
            path,
            f"bad magic number 0x{int.from_bytes(magic, 'big'):08x}, expected {expected}: "
            f"this is not a {what}",
        )
    header = stream.read(4 * magic[3])
    if len(header) < 4 * magic[3]:
        raise _error(path, f"the IDX header is truncated ({4 + len(header)} of {4 + 4 * magic[3]} bytes)")
    return struct.unpack(f">{magic[3]}I", header)


def _read_upto(stream: BinaryIO, limit: int) -> bytearray:
    # Grow with the data actually present: a header claiming absurd dimensions
    # must not make us allocate them.
    buffer = bytearray()
    while len(buffer) < limit:
        chunk = stream.read(min(_CHUNK, limit - len(buffer)))
        if not chunk:
            break
        buffer += chunk
    return buffer


def _error(path: Path, problem: str) -> DataError:
    return DataError(f"{path}: {problem}. {ADVICE}")
