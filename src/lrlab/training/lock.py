"""One lrlab process at a time per folder: an exclusive lock on ``FOLDER/.lock``.

``lrlab run`` holds its experiment folder's ``OUT/.lock`` while it runs; every training holds its
run folder's (``OUT/<run>/seed-<k>/.lock``, or ``lrlab train --out DIR``'s) while it writes there.
The lock is ``fcntl.flock`` on the file, held while the holder works, with the holder's pid
written in it so that a refusal can name it. The kernel releases a flock when its holder
dies, however it dies (kill -9 included), so a lock left by a dead process is simply taken
over: no stale lock to clean up by hand. Where ``fcntl`` is missing (Windows) no lock is taken.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> with folder_lock(folder):
...     (folder / LOCK).read_text() == str(os.getpid())
True
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

from ..runfolder import RunDirError

try:
    import fcntl
except ImportError:  # not POSIX
    fcntl = None

LOCK = ".lock"


class FolderInUse(RunDirError):
    """Another live lrlab process holds the folder."""


@contextlib.contextmanager
def folder_lock(folder: str | os.PathLike[str]) -> Iterator[None]:
    """Hold ``folder``'s lock inside the block (making the folder); :class:`FolderInUse` if another
    process holds it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK, "a+", encoding="utf-8") as stream:
        if fcntl is not None:
            try:
                fcntl.flock(stream, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                stream.seek(0)
                holder = stream.read().strip() or "unknown"
                raise FolderInUse(f"{folder} is in use by another lrlab process (pid {holder}); wait until it ends, "
                                  "or choose another --out") from None
        stream.seek(0)
        stream.truncate()
        stream.write(str(os.getpid()))
        stream.flush()
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(stream, fcntl.LOCK_UN)


@contextlib.contextmanager
def lock_if_present(folder: str | os.PathLike[str]) -> Iterator[None]:
    """Hold ``folder``'s lock inside the block if its lock file is there, without making the folder
    or the file (a folder that another process is removing is not brought back); nothing to hold
    when it is not there. :class:`FolderInUse` if another process holds it.

    >>> import tempfile
    >>> gone = Path(tempfile.mkdtemp()) / "gone"
    >>> with lock_if_present(gone):
    ...     gone.exists()
    False
    """
    try:
        descriptor = os.open(Path(folder) / LOCK, os.O_RDWR)
    except FileNotFoundError:
        yield
        return
    try:
        if fcntl is not None:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise FolderInUse(f"{folder} is in use by another lrlab process") from None
        yield
    finally:
        os.close(descriptor)  # releases the lock
