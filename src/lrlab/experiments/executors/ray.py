"""Trainings as Ray tasks: an experiment's trainings spread over a Ray cluster's machines.

Each training is one Ray task (:func:`~.ray_task.train_on_worker`) asking for as many CPUs as
it has threads, and for the share of a GPU its model takes when the runner plans it on one
(:mod:`lrlab.experiments.gpus`: a LeNet an eighth, a resnet20 a whole GPU). Ray picks the GPU
and sets the task's ``CUDA_VISIBLE_DEVICES``, which its ``lrlab train`` inherits; a task with no
GPU gets none visible and trains on the CPU. The task runs ``lrlab train`` on a worker in a
folder of the worker's own and streams the run's files back (a Ray streaming generator): after
every epoch, and when it ends.
The executor writes them into the driver's run folder as they come, so the progress bar moves
per epoch and the folder ends up as the local executor leaves it (:mod:`.shipping`).

Faults: when a worker process or its node dies, the executor starts the training again from the
run folder the driver holds, so it resumes from its last shipped checkpoint (and ends with the
same numbers as an uninterrupted run), up to ``max_retries`` times. Ray's own task retries are
off: Ray would send the task's first arguments again, the folder as it was before any epoch.
A diverged or stuck run is a result (its exit status), never retried. Ctrl-C cancels the tasks:
each stops its ``lrlab train``, and the driver's folder keeps the last shipped epoch.

>>> with RayExecutor() as executor:  # a local Ray instance on 127.0.0.1, shut down at the end  # doctest: +SKIP
...     run_experiment(experiment, "runs/x", executor=executor)
"""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING, Any, Sequence

from tqdm.auto import tqdm

from ...runfolder import RunDir, Status, Summary
from ..config import ExperimentError
from ..gpus import share
from ..planning import cores as local_cores
from .base import INTERRUPTED, Ended
from .local import GRACE_SECONDS, interpreter, write_request
from .ray_task import train_on_worker
from .shipping import LOG, pack

if TYPE_CHECKING:
    from ..runner import Task

MAX_RETRIES = 3
"""Times a training is started again after its worker or node died (Ray's default for tasks)."""
FAILED = 1
"""The exit status the driver gives a training whose task failed for good."""
LOOPBACK = "127.0.0.1"


class RayUnavailable(ExperimentError):
    """Ray is not installed, or the cluster cannot be reached."""


def import_ray():
    """The ``ray`` module, or RayUnavailable saying how to install it."""
    try:
        import ray
    except ImportError:
        raise RayUnavailable("--executor ray needs Ray, which is not installed: pip install 'lrlab[ray]'") from None
    return ray


@dataclasses.dataclass
class _Attempt:
    """One start of a training's task: its stream of messages, and what the driver knows of it."""

    stream: Any  # ray.ObjectRefGenerator
    threads: int
    until: int | None
    gpus: float = 0.0
    retries: int = 0
    worker: int | None = None
    node: str | None = None
    cancelled: bool = False


class RayExecutor:
    """The :class:`~lrlab.experiments.executors.base.Executor` of a Ray cluster.

    ``address`` (``HOST:PORT``) joins a running cluster; without it, the executor uses the Ray
    this process is already connected to, or starts a local one bound to 127.0.0.1 and shuts it
    down in :meth:`close`. ``cores`` is the cluster's CPUs, ``gpus`` its GPUs.
    """

    def __init__(self, address: str | None = None, *, max_retries: int = MAX_RETRIES,
                 grace_seconds: float = GRACE_SECONDS) -> None:
        self.ray = import_ray()
        self.started = not self.ray.is_initialized()  # connected (and, without an address, started) here
        self.local = self.started and not address
        if self.started:
            _connect(self.ray, address)
        self.max_retries, self.grace_seconds = max_retries, grace_seconds
        resources = self.ray.cluster_resources()
        self.cores, self.gpus = int(resources.get("CPU", 1)), int(resources.get("GPU", 0))
        self.where = "on this machine's Ray" if self.local else "in the Ray cluster"
        self.attempts: dict[Task, _Attempt] = {}
        self._task = self.ray.remote(num_returns="streaming", max_retries=0)(train_on_worker)

    def __enter__(self) -> "RayExecutor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Disconnect from Ray if this executor connected, and so shut down the Ray it started (a
        cluster it joined keeps running)."""
        if self.started and self.ray.is_initialized():
            self.ray.shutdown()

    def check(self, tasks: Sequence[Task]) -> None:
        if self.local:  # every worker is this machine: check as the local executor does
            for backend in sorted({task.config.backend for task in tasks}):
                interpreter(backend)

    def submit(self, task: Task, threads: int, until: int | None = None, gpu: int | None = None) -> None:
        """As the protocol says; ``gpu`` (the runner's plan on one machine) only says that the training
        uses a GPU: Ray chooses which, on whichever node."""
        task.folder.mkdir(parents=True, exist_ok=True)
        if not RunDir(task.folder).holds_run():
            write_request(task.folder, task.config, threads)
        gpus = float(share(task.config.model)) if gpu is not None else 0.0
        self.attempts[task] = self._start(task, threads, until, gpus)

    def _start(self, task: Task, threads: int, until: int | None, gpus: float, retries: int = 0) -> _Attempt:
        cpus = min(threads, _largest_node(self.ray))  # more than a node has would never be scheduled
        arguments = (pack(task.folder), task.config.backend, threads, until, str(task.folder))
        stream = self._task.options(num_cpus=cpus, num_gpus=gpus).remote(*arguments)
        return _Attempt(stream, threads, until, gpus, retries)

    def poll(self, timeout: float) -> list[Ended]:
        deadline, ended = time.monotonic() + max(timeout, 0), []
        while self.attempts and not ended:
            streams = {attempt.stream: task for task, attempt in self.attempts.items()}
            ready, _ = self.ray.wait(list(streams), num_returns=1, timeout=max(deadline - time.monotonic(), 0))
            for stream in ready:
                ended += self._receive(streams[stream])
            if time.monotonic() >= deadline:
                break
        return ended

    def _receive(self, task: Task) -> list[Ended]:
        """Take the next message of ``task``'s stream: note where it runs, write its files, or end it."""
        attempt = self.attempts[task]
        try:
            message = self.ray.get(next(attempt.stream))
        except (self.ray.exceptions.RayError, StopIteration) as error:
            return self._lost(task, attempt, error)
        if "worker" in message:
            attempt.worker, attempt.node = message["worker"], message["node"]
            if attempt.gpus:
                _log(task, f"lrlab run: on node {attempt.node}, GPU {','.join(message['gpus'])} "
                           f"({attempt.gpus:g} of it)")
        if "files" in message:
            message["files"].write_into(task.folder)
        return [self._end(task, message["returncode"])] if "returncode" in message else []

    def _lost(self, task: Task, attempt: _Attempt, error: BaseException) -> list[Ended]:
        """The task ended without its exit status: cancelled (interrupted), raised (failed: a bug, or the
        worker's disk), or its worker or node died (started again)."""
        if attempt.cancelled:
            _write_interrupted(task)
            return [self._end(task, INTERRUPTED)]
        if isinstance(error, self.ray.exceptions.RayTaskError):
            cause = getattr(error, "cause", None) or error  # the task's own exception, not Ray's wrapper
            _log(task, f"lrlab run: the Ray task failed on node {attempt.node}: {type(cause).__name__}: "
                       f"{_first_line(cause)}")
            return [self._end(task, FAILED)]
        return self._retry(task, attempt, error)

    def _retry(self, task: Task, attempt: _Attempt, error: BaseException) -> list[Ended]:
        """Start ``task`` again from the folder the driver holds, or end it as failed after ``max_retries``."""
        why = f"{type(error).__name__} (worker pid {attempt.worker} on node {attempt.node})"
        if attempt.retries >= self.max_retries:
            _log(task, f"lrlab run: {why}; failed after {attempt.retries} retries")
            return [self._end(task, FAILED)]
        line = (f"{why}; resuming from epoch {task.epochs_done()} "
                f"(retry {attempt.retries + 1} of {self.max_retries})")
        _log(task, f"lrlab run: {line}")
        tqdm.write(f"{task.name}: {line}")
        self.attempts[task] = self._start(task, attempt.threads, attempt.until, attempt.gpus,
                                          attempt.retries + 1)
        return []

    def _end(self, task: Task, returncode: int) -> Ended:
        del self.attempts[task]
        return Ended(task, returncode)

    def progress(self, task: Task) -> int:
        return task.epochs_done()  # the driver's folder, as far as poll has written it

    def interrupt(self) -> None:
        for attempt in self.attempts.values():
            attempt.cancelled = True
            self.ray.cancel(attempt.stream)  # a KeyboardInterrupt in the task: it stops its lrlab train

    def stop(self) -> list[Ended]:
        self.interrupt()
        ended = self._wait(self.grace_seconds)
        for attempt in self.attempts.values():  # deaf to the interrupt: end their workers
            self.ray.cancel(attempt.stream, force=True)
        ended += self._wait(self.grace_seconds)
        return ended + [self._end(task, INTERRUPTED) for task in list(self.attempts)]  # unreachable: given up

    def _wait(self, seconds: float) -> list[Ended]:
        deadline, ended = time.monotonic() + seconds, []
        while self.attempts and time.monotonic() < deadline:
            ended += self.poll(min(1.0, deadline - time.monotonic()))
        return ended


def _connect(ray, address: str | None) -> None:
    """Join the cluster at ``address``, or start a local Ray on 127.0.0.1 with this machine's cores."""
    import logging

    try:
        if address:
            ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False)
        else:
            # "local": a new Ray, even when this machine runs another (or a `ray start` killed outright
            # left its address behind), which a plain ray.init() would try to join instead.
            ray.init(address="local", num_cpus=local_cores(), _node_ip_address=LOOPBACK, include_dashboard=False,
                     logging_level=logging.WARNING, log_to_driver=False)
    except ConnectionError as error:
        raise RayUnavailable(f"--address {address}: cannot connect to a Ray cluster there ({_first_line(error)}); "
                             "start one with `ray start --head --port PORT`, and if it uses token authentication, "
                             "set RAY_AUTH_MODE=token and its token here (docs/cluster.md)") from None


def _largest_node(ray) -> int:
    return max(int(node["Resources"].get("CPU", 0)) for node in ray.nodes() if node["Alive"]) or 1


def _write_interrupted(task: Task) -> None:
    """The summary the training writes after Ctrl-C, for the epochs the driver holds (the worker's own
    did not come back: a cancelled task returns nothing more)."""
    run = RunDir(task.folder)
    summary = run.read_summary()
    if summary is None or summary.status is not Status.RUNNING:
        return
    rows, epochs = run.read_metrics(), summary.epochs
    message = f"interrupted after {len(rows)} of {epochs} epochs; continue with: lrlab run (the same command)"
    run.write_summary(Summary.of_rows(Status.INTERRUPTED, rows, epochs, message, summary.wall_seconds))


def _log(task: Task, line: str) -> None:
    with open(task.folder / LOG, "a", encoding="utf-8") as stream:
        stream.write(line + "\n")


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
