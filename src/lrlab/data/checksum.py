"""md5 of a file, computed once per process for each path, size and modification time.

The official Fashion-MNIST files are about 30 MB and take about 0.1 s to hash;
remembering the result keeps repeated loads free while an edited or replaced
file (new size or mtime) is hashed again.

>>> file_md5("t10k-labels-idx1-ubyte.gz")  # doctest: +SKIP
'bb300cfdad3c16e7a12a480ee83cd310'
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

__all__ = ["file_md5"]


def file_md5(path: str | os.PathLike[str]) -> str:
    """Hex md5 digest of the file at ``path`` (an ``OSError`` if it cannot be read)."""
    stat = os.stat(path)
    return _md5(str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _md5(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def clear() -> None:
    """Forget every remembered digest."""
    _md5.cache_clear()
