"""Download one data file from a list of mirrors, verified, atomically.

Each attempt writes into a temporary file in the destination folder, checks the
size and md5 against the resources table, and only then renames it into place
with ``os.replace``; a failed or interrupted attempt deletes its temporary file,
so a folder never holds a partial or wrong file under the real name.

>>> from lrlab.data.resources import FASHION_MNIST
>>> download_file(FASHION_MNIST["test_labels"], "fmnist", FASHION_MNIST.mirrors)  # doctest: +SKIP
PosixPath('fmnist/t10k-labels-idx1-ubyte.gz')
"""

from __future__ import annotations

import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from tqdm import tqdm

from .. import __version__
from .errors import DataError
from .resources import Resource

__all__ = ["download_file"]

_CHUNK = 1 << 16


class _BadDownload(Exception):
    """The server answered, but not with the expected file."""


def download_file(
    resource: Resource,
    folder: str | os.PathLike[str],
    mirrors: Sequence[str],
    *,
    progress: bool | None = None,
    timeout: float = 60.0,
) -> Path:
    """Download ``resource`` into ``folder``, trying ``mirrors`` (base URLs) in order.

    ``progress=None`` shows a progress bar only when stderr is a terminal.
    Returns the path of the verified file; raises :class:`DataError` naming every
    mirror tried and why it failed when none delivers the right bytes.

    >>> download_file(resource, cache_dir, ["file:///srv/mirror/"])  # doctest: +SKIP
    PosixPath('.../train-labels-idx1-ubyte.gz')
    """
    folder = Path(folder)
    destination = folder / resource.filename
    failures = []
    for mirror in mirrors:
        url = urllib.parse.urljoin(mirror if mirror.endswith("/") else mirror + "/", resource.filename)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _fetch_verified(url, resource, destination, progress, timeout)
            return destination
        except (OSError, http.client.HTTPException, ValueError, _BadDownload) as exc:
            if isinstance(exc, urllib.error.HTTPError):
                exc.close()
            failures.append(f"  {url}: {_reason(exc)}")
    tried = "\n".join(failures) if failures else "  (no mirrors configured)"
    raise DataError(
        f"{destination}: could not download {resource.filename}; tried:\n{tried}\n"
        f"Put the official file there by hand, or pass --data-dir (or set LRLAB_DATA_DIR) "
        f"to a folder that holds the official files."
    )


def _fetch_verified(
    url: str, resource: Resource, destination: Path, progress: bool | None, timeout: float
) -> None:
    fd, temporary = tempfile.mkstemp(dir=destination.parent, prefix=f".{resource.filename}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            md5 = _fetch(url, out, resource, progress, timeout)
            out.flush()
            os.fsync(out.fileno())
        if md5 != resource.md5:
            raise _BadDownload(f"md5 {md5} does not match the expected {resource.md5}")
        # mkstemp creates the file private (0600); a cached data file need not be.
        os.chmod(temporary, 0o644)
        os.replace(temporary, destination)
    finally:
        # After a successful replace the name is gone; otherwise this removes the partial file,
        # also on KeyboardInterrupt.
        Path(temporary).unlink(missing_ok=True)


def _fetch(url: str, out: BinaryIO, resource: Resource, progress: bool | None, timeout: float) -> str:
    request = urllib.request.Request(url, headers={"User-Agent": f"lrlab/{__version__}"})
    md5 = hashlib.md5(usedforsecurity=False)
    received = 0
    with urllib.request.urlopen(request, timeout=timeout) as response:
        announced = response.headers.get("Content-Length")
        if announced is not None and announced.isdigit() and int(announced) != resource.size:
            raise _BadDownload(f"the server offers {announced} bytes, expected {resource.size}")
        bar = tqdm(
            total=resource.size,
            desc=resource.filename,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            leave=False,
            disable=None if progress is None else not progress,
        )
        with bar:
            while chunk := response.read(_CHUNK):
                received += len(chunk)
                if received > resource.size:
                    raise _BadDownload(f"the server sent more than the expected {resource.size} bytes")
                md5.update(chunk)
                out.write(chunk)
                bar.update(len(chunk))
    if received != resource.size:
        raise _BadDownload(f"the download stopped after {received} of {resource.size} bytes")
    return md5.hexdigest()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return str(exc) or type(exc).__name__
