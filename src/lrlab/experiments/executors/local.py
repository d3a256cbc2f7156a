"""Trainings as local processes: each task is an ``lrlab train`` process on this machine.

A torch training is forked from a server that has imported torch and lrlab already
(:mod:`~lrlab.experiments.executors.forkserver`, Linux): it reaches its first update without
paying torch's import. Other backends (and any training if the server fails) start a new
interpreter. Either way each process runs in a session of its own, so a terminal's Ctrl-C
reaches only the runner, which forwards it once per press (:meth:`LocalProcessExecutor.interrupt`);
a signal goes to the whole session, as a terminal's would. Its output goes to ``train.log`` in its folder,
and a new run's request to ``train-config.json`` beside it. A thread per process waits for its
exit, so :meth:`LocalProcessExecutor.poll` returns the moment a training ends, and the next one
starts at once (no polling interval between them).

>>> with LocalProcessExecutor(cores=2) as executor:
...     executor.poll(timeout=10)  # nothing running: returns at once
[]
"""

from __future__ import annotations

import dataclasses
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from ...process import PARENT_ENV
from ...runfolder import RunDir, write_json
from ..gpus import local_gpus
from ..planning import cores as local_cores
from .base import Ended
from .forkserver import Forked, Forkserver, ForkserverLost

if TYPE_CHECKING:
    from ...training.config import TrainConfig
    from ..runner import Task

FORKED_BACKENDS = ("torch",)
"""The backends whose trainings are forked from the forkserver (TensorFlow and JAX start threads
when imported, and a process with threads must not fork; MXNet has an interpreter of its own)."""

GRACE_SECONDS = 30.0
"""How long :meth:`LocalProcessExecutor.stop` waits for interrupted trainings before killing them."""


class LocalProcessExecutor:
    """The :class:`~lrlab.experiments.executors.base.Executor` of this machine's processes."""

    def __init__(self, cores: int | None = None, *, gpus: int | None = None,
                 grace_seconds: float = GRACE_SECONDS, fork: bool = sys.platform == "linux") -> None:
        self.cores = cores or local_cores()
        self._gpus = gpus
        self.grace_seconds = grace_seconds
        self.fork = fork
        self._server: Forkserver | None = None
        self._processes: dict[Task, subprocess.Popen | Forked] = {}
        self._exited: queue.SimpleQueue[Task] = queue.SimpleQueue()  # filled by each process's watcher

    def __enter__(self) -> LocalProcessExecutor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """End the forkserver, if one was started (call it once every training has ended)."""
        if self._server is not None:
            self._server.close()
            self._server = None

    @property
    def gpus(self) -> int:
        """The GPUs PyTorch sees here, counted when first asked (it imports torch)."""
        if self._gpus is None:
            self._gpus = local_gpus()
        return self._gpus

    def check(self, tasks: Sequence[Task]) -> None:
        for backend in sorted({task.config.backend for task in tasks}):
            interpreter(backend)  # fail now, with how to set it up, not in every child
        if any(task.config.backend in FORKED_BACKENDS for task in tasks):
            self._forkserver()  # now: it imports torch while the runner plans

    def _forkserver(self) -> Forkserver | None:
        """The forkserver, started at the first call; None if forking is off, or the server has ended."""
        if not self.fork:
            return None
        if self._server is None:
            self._server = Forkserver.start()
        if self._server.lost:
            print("lrlab run: the forkserver has ended; each training now starts as a new process", file=sys.stderr)
            self.fork = False
            return None
        return self._server

    def submit(self, task: Task, threads: int, until: int | None = None, gpu: int | None = None) -> None:
        forkserver = self._forkserver() if task.config.backend in FORKED_BACKENDS else None
        process = self._processes[task] = _launch(task, threads, until, gpu, forkserver)
        threading.Thread(target=self._watch, args=(task, process), name=f"lrlab-wait-{process.pid}",
                         daemon=True).start()

    def _watch(self, task: Task, process: subprocess.Popen | Forked) -> None:
        process.wait()
        self._exited.put(task)

    def poll(self, timeout: float) -> list[Ended]:
        if not self._processes:
            return []
        try:
            exited = [self._exited.get(timeout=max(timeout, 0))]
        except queue.Empty:
            return []
        while not self._exited.empty():  # any others that ended meanwhile
            exited.append(self._exited.get())
        return [Ended(task, self._processes.pop(task).returncode) for task in exited]

    def progress(self, task: Task) -> int:
        return task.epochs_done()  # the process writes its folder here, as it goes

    def interrupt(self) -> None:
        for process in self._processes.values():
            signal_session(process, signal.SIGINT)

    def stop(self) -> list[Ended]:
        self.interrupt()
        ended = self._wait(self.grace_seconds)
        if self._processes:  # deaf to SIGINT (stuck in a framework's code): no training outlives us
            for process in self._processes.values():
                signal_session(process, signal.SIGKILL)
            ended += self._wait(float("inf"))
        return ended

    def _wait(self, seconds: float) -> list[Ended]:
        deadline, ended = time.monotonic() + seconds, []
        while self._processes and time.monotonic() < deadline:
            ended += self.poll(min(1.0, deadline - time.monotonic()))
        return ended


def _launch(task: Task, threads: int, until: int | None = None, gpu: int | None = None,
            forkserver: Forkserver | None = None) -> subprocess.Popen | Forked:
    """Start ``lrlab train`` for ``task`` in its folder (see :func:`start_training`)."""
    task.folder.mkdir(parents=True, exist_ok=True)
    if not RunDir(task.folder).holds_run():
        write_request(task.folder, task.config, threads)
    return start_training(task.folder, task.config.backend, threads, until, gpu, forkserver)


def write_request(folder: Path, config: TrainConfig, threads: int) -> None:
    """A new run's settings, as ``lrlab train --config`` reads them: ``folder/train-config.json``."""
    write_json(folder / "train-config.json", dataclasses.replace(config, threads=threads).to_dict())


def start_training(folder: Path, backend: str, threads: int, until: int | None = None,
                   gpu: int | None = None, forkserver: Forkserver | None = None) -> subprocess.Popen | Forked:
    """Start ``lrlab train`` on ``folder`` with ``threads``: ``--resume`` if it holds a run, else a new
    run of its ``train-config.json`` (:func:`write_request`); ``--until`` when given; seeing only GPU
    ``gpu`` when given; output appended to its train.log; forked from ``forkserver`` when given (a
    new interpreter if it has ended). The process stops when this one dies (even by SIGKILL)."""
    if RunDir(folder).holds_run():
        arguments = ["--resume", str(folder)]
    else:
        arguments = ["--config", str(folder / "train-config.json"), "--out", str(folder)]
    arguments = ["train", *arguments, *(["--until", str(until)] if until is not None else [])]
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": str(threads),
                   PARENT_ENV: str(os.getpid())}  # if we are killed outright, it stops too
    if gpu is not None:
        environment["CUDA_VISIBLE_DEVICES"] = visible_gpu(gpu, os.environ.get("CUDA_VISIBLE_DEVICES"))
    if forkserver is not None:
        try:
            return forkserver.fork(arguments, environment, str(folder / "train.log"))
        except ForkserverLost:  # it failed to start, or was killed: the executor says so next time
            pass
    command = [interpreter(backend), "-m", "lrlab", *arguments]
    with open(folder / "train.log", "ab") as log:
        # A session of its own: Ctrl-C in a terminal reaches only us, and we forward it once.
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                env=environment, start_new_session=True)


def visible_gpu(gpu: int, visible: str | None) -> str:
    """``CUDA_VISIBLE_DEVICES`` for a training on GPU number ``gpu`` of those this process sees
    (``visible``: its own ``CUDA_VISIBLE_DEVICES``, None for all).

    >>> visible_gpu(1, None), visible_gpu(1, "2,5")
    ('1', '5')
    """
    if not visible:
        return str(gpu)
    return [name.strip() for name in visible.split(",")][gpu]


def signal_session(process: subprocess.Popen | Forked, signum: int) -> None:
    """``signum`` to the child's whole session (it leads it), as a terminal would send it."""
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:  # it has just exited
        pass


def interpreter(backend: str) -> str:
    """The Python that runs ``backend``: MXNet lives in a virtual environment of its own.

    Raises BackendUnavailable (one line: how to create that environment) when none is set up.

    >>> interpreter("torch") == sys.executable
    True
    """
    from ...backends.mxnet_env import python_for

    return python_for(backend)
