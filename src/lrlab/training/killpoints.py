"""Test-only: a training process that kills itself (SIGKILL) at a named point, to test what a kill
there leaves behind. Nothing happens unless ``LRLAB_TEST_KILL_AT`` is set; it is read here only.

``LRLAB_TEST_KILL_AT="<point>:<epoch>"``, ``epoch`` the 0-based epoch just trained, ``point`` one of
:data:`POINTS`. A SIGKILL from outside cannot be aimed at these moments (each lasts microseconds);
the tests in tests/training/test_kill.py aim it here, and also kill from outside at random moments.

>>> import os
>>> os.environ.pop(ENV, None) and None
>>> kill_point("after-row", 1)  # not asked for: nothing happens
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

ENV = "LRLAB_TEST_KILL_AT"

POINTS = ("after-row", "mid-checkpoint", "between-checkpoints")
"""``after-row``: the epoch's metrics row is written, its checkpoint not begun; ``mid-checkpoint``: the
new checkpoint's temporary file is half written; ``between-checkpoints``: the newest checkpoint has
become the previous one, the new one is not in place yet."""


def kill_point(point: str, epoch: int, half_written: Path | None = None) -> None:
    """SIGKILL this process if ``LRLAB_TEST_KILL_AT`` names this point and epoch; first cut
    ``half_written`` to half its size, as a kill during its write would leave it."""
    if os.environ.get(ENV) != f"{point}:{epoch}":
        return
    if half_written is not None:
        os.truncate(half_written, half_written.stat().st_size // 2)
    os.kill(os.getpid(), signal.SIGKILL)
