"""One training on a Ray worker: ``lrlab train`` in a folder of the worker's own, its files sent back as it goes.

:func:`train_on_worker` is the body of the Ray task (a streaming generator, see
:mod:`lrlab.experiments.executors.ray`). It unpacks the run folder the driver sent into a
temporary folder, starts ``lrlab train`` there exactly as the local executor does (the same
interpreter choice, MXNet's included, the same ``--resume`` and ``--until``), and yields, in order:

1. ``{"worker": pid, "node": node id, "gpus": [GPU ids]}``: where it runs (the driver names it
   when it dies), and the GPUs Ray gave it (none unless the task asked for a share of one);
2. ``{"files": Files}`` each time an epoch is checkpointed (:class:`~.shipping.Watcher`);
3. ``{"files": Files, "returncode": int}`` once ``lrlab train`` has ended: the last files and its
   exit status (0 completed or stopped, 3 diverged, 4 stuck, 130 interrupted, ...).

Ctrl-C on the driver cancels the task: the KeyboardInterrupt Ray raises here is forwarded to
``lrlab train`` as SIGINT, which stops at its next batch. If the worker process dies, its
``lrlab train`` gets SIGINT too (:func:`lrlab.process.stop_with_parent`) and stops, and the next
task on that machine removes the folder it leaves (:func:`remove_abandoned`).

>>> from lrlab.experiments.executors.shipping import pack
>>> messages = list(train_on_worker(pack(Path("runs/c/seed-0")), "torch", threads=1))  # doctest: +SKIP
>>> messages[0], messages[-1]["returncode"]  # doctest: +SKIP
({'worker': 4242, 'node': '7f3a...', 'gpus': []}, 0)
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator

from ...training.lock import FolderInUse, folder_lock, lock_if_present
from .local import GRACE_SECONDS, signal_session, start_training
from .shipping import Files, Watcher

LOOK_SECONDS = 0.2
"""How often the worker looks for a finished epoch in its folder."""
SCRATCH = "lrlab-run-"
"""The start of the name of each task's folder in the worker's temporary folder."""
ABANDONED_AFTER = 60.0
"""Seconds after which an unlocked scratch folder is a dead worker's, not one being made."""


def train_on_worker(files: Files, backend: str, threads: int, until: int | None = None,
                    shown_as: str | None = None) -> Iterator[dict]:
    """Train the run folder ``files`` (as the driver holds it) here; yield the messages above.
    ``shown_as``: the driver's name for the folder, which the shipped log says instead of the worker's."""
    yield {"worker": os.getpid(), **_placement()}
    with _scratch() as folder:
        files.write_into(folder)
        watcher = Watcher(folder, files, shown_as)
        process = start_training(folder, backend, threads, until)
        try:
            while process.poll() is None:
                time.sleep(LOOK_SECONDS)
                shipment = watcher.epoch()
                if shipment:
                    yield {"files": shipment}
        finally:
            _stop(process)  # cancelled (Ctrl-C on the driver): no training outlives its task
        yield {"files": watcher.rest(), "returncode": process.returncode}


@contextlib.contextmanager
def _scratch() -> Iterator[Path]:
    """An empty run folder of this task's own, ``TMP/lrlab-run-XXXX/run``, removed when the task ends.
    ``lrlab-run-XXXX`` is locked while the task lives (:func:`~lrlab.training.lock.folder_lock`), and
    removed before its lock is let go, so no other task's :func:`remove_abandoned` ever works on it
    meanwhile; a worker killed outright cannot remove its folder, so the next task on the machine does."""
    remove_abandoned()
    scratch = Path(tempfile.mkdtemp(prefix=SCRATCH))
    with folder_lock(scratch):
        try:
            folder = scratch / "run"
            folder.mkdir()
            yield folder
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


def remove_abandoned(older_than: float = ABANDONED_AFTER) -> list[Path]:
    """Remove the scratch folders of tasks whose worker died: those whose lock and whose training's lock
    are free (both held by the dead), made more than ``older_than`` seconds ago (a task that has only just
    made its folder has not locked it yet); returns them. A lock file that is not there (a task killed
    before it locked, or a folder its task is removing) holds nothing, and nothing is made again."""
    removed = []
    for folder in Path(tempfile.gettempdir()).glob(SCRATCH + "*"):
        try:
            if time.time() - folder.stat().st_mtime < older_than:
                continue
            with lock_if_present(folder), lock_if_present(folder / "run"):
                shutil.rmtree(folder)
            removed.append(folder)
        except (FolderInUse, OSError):  # alive, or gone meanwhile
            continue
    return removed


def _stop(process: subprocess.Popen) -> None:
    """SIGINT to a training still running, as Ctrl-C; SIGKILL if it has not stopped in good time."""
    if process.poll() is not None:
        return
    signal_session(process, signal.SIGINT)
    try:
        process.wait(GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        signal_session(process, signal.SIGKILL)
        process.wait()


def _placement() -> dict:
    """This task's node and the ids of the GPUs Ray assigned it (as ``CUDA_VISIBLE_DEVICES`` names them)."""
    import ray

    context = ray.get_runtime_context()
    gpus = context.get_accelerator_ids().get("GPU", [])
    return {"node": context.get_node_id(), "gpus": [str(gpu) for gpu in gpus]}
