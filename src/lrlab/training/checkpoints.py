"""Checkpoints that are never trusted blindly: each one's sha256 recorded, the previous one kept.

After every epoch the loop saves the backend's state with :func:`save_checkpoint`:

1. the backend writes a temporary file beside the checkpoint;
2. its sha256 and epoch count are added to ``checkpoints.json`` (the run's record of the
   checkpoints it wrote, the last :data:`KEEP`);
3. the newest checkpoint becomes the previous one (``NAME.prev``);
4. the temporary file becomes the checkpoint.

A kill at any moment leaves at least one good checkpoint, or none before the first epoch's
(tests/training/test_kill.py kills a run at each step). :func:`load_checkpoint` loads the
newest file whose sha256 the record holds; one it does not hold (damaged, truncated,
written by someone else) is named in a warning, renamed ``NAME.damaged`` and never loaded:
the run falls back to the previous checkpoint, or starts again from epoch 0. A folder
written before the record existed has none, and its checkpoint loads as before.

A file the record holds is still loaded safely: the backends refuse pickled code (torch
loads with ``weights_only=True``; Keras's checkpoint is a NumPy archive read without
``allow_pickle``, no Keras model file is ever loaded; MXNet's Trainer states are checked by
:mod:`lrlab.backends.safe_pickle` first); a refusal is a :class:`CheckpointError`.

>>> sha256_of(Path(__file__)) == sha256_of(Path(__file__)), len(sha256_of(Path(__file__)))
(True, 64)
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

from ..runfolder import RunDir, RunDirError, atomic_path, read_json, write_json
from .killpoints import kill_point

RECORD = "checkpoints.json"
KEEP = 3
"""Digests the record keeps: the newest checkpoint's, the previous one's, and one more for the
moment between writing the record and moving the files."""


class CheckpointError(RunDirError):
    """A checkpoint the run recorded cannot be loaded (refused as unsafe, or not this run's kind)."""


def previous(path: Path) -> Path:
    return path.with_name(path.name + ".prev")


def save_checkpoint(run: RunDir, backend, epochs_done: int) -> None:
    """Save ``backend``'s state after ``epochs_done`` epochs, keeping the previous checkpoint."""
    path = run.file(backend.checkpoint_name)
    epoch = epochs_done - 1
    with atomic_path(path) as tmp:
        backend.save(tmp, epochs_done)
        kill_point("mid-checkpoint", epoch, half_written=tmp)
        _record(run, sha256_of(tmp), epochs_done)
        if path.exists():
            os.replace(path, previous(path))
        kill_point("between-checkpoints", epoch)


def load_checkpoint(run: RunDir, backend) -> int:
    """Restore ``backend`` from the newest good checkpoint; return its epoch count (0: none)."""
    path = run.file(backend.checkpoint_name)
    for stale in run.path.glob(f".{path.name}.*.tmp"):  # half written when a kill came: never a candidate
        stale.unlink()
    recorded = _recorded(run)
    damaged = []
    for candidate in (path, previous(path)):
        if not candidate.exists():
            continue
        if recorded is not None and sha256_of(candidate) not in recorded:
            damaged.append(candidate)
            os.replace(candidate, candidate.with_name(candidate.name + ".damaged"))
            continue
        done = _load(backend, candidate)
        if recorded is not None and recorded[sha256_of(candidate)] != done:
            raise CheckpointError(f"{candidate}: holds {done} epochs, but the run recorded "
                                  f"{recorded[sha256_of(candidate)]} for it")
        _warn(damaged, f"resuming from {candidate.name} ({done} epochs)")
        if candidate != path and not damaged:  # killed while the new one was put in place
            print(f"lrlab: warning: {path} is missing; resuming from {candidate.name} ({done} epochs)",
                  file=sys.stderr)
        return done
    _warn(damaged, "starting again from epoch 0")
    return 0


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _load(backend, path: Path) -> int:
    try:
        return backend.load(path)
    except Exception as error:  # what a framework raises for a file it refuses varies
        reason = (str(error).strip().splitlines() or [""])[0]
        raise CheckpointError(f"{path}: cannot be loaded, refused ({type(error).__name__}: {reason})") from None


def _record(run: RunDir, digest: str, epochs_done: int) -> None:
    entries = [entry for entry in (read_json(run.file(RECORD)) if run.file(RECORD).exists() else [])
               if entry["sha256"] != digest]
    write_json(run.file(RECORD), entries[-(KEEP - 1):] + [{"sha256": digest, "epochs_done": epochs_done}])


def _recorded(run: RunDir) -> dict[str, int] | None:
    """The record's digest -> epochs; None for a folder written before checkpoints were recorded."""
    if not run.file(RECORD).exists():
        return None
    try:
        return {entry["sha256"]: entry["epochs_done"] for entry in read_json(run.file(RECORD))}
    except (ValueError, TypeError, KeyError):
        raise RunDirError(f"{run.file(RECORD)}: damaged (not the record of checkpoints lrlab writes); "
                          "no checkpoint of this run can be trusted: start it again in another folder") from None


def _warn(damaged: list[Path], then: str) -> None:
    for path in damaged:
        print(f"lrlab: warning: {path} is damaged (its sha256 is not one this run recorded); "
              f"kept as {path.name}.damaged, not loaded; {then}", file=sys.stderr)
