"""The interface between the runner's scheduling loop and the place its trainings run.

The loop owns the order, the jobs limit and the threads (see :mod:`lrlab.experiments.planning`);
an executor starts a training when told, reports when one ends, and stops them. A training
writes its own run folder (:mod:`lrlab.runfolder`); the loop settles the folder of each
training that ends.
"""

from __future__ import annotations

import dataclasses
import signal
from typing import TYPE_CHECKING, Protocol, Sequence

if TYPE_CHECKING:
    from ..runner import Task

INTERRUPTED = 130
"""The exit status of a training stopped by SIGINT (as ``lrlab train`` exits after Ctrl-C)."""


@dataclasses.dataclass(frozen=True)
class Ended:
    """A training that has ended, and how, as an ``lrlab train`` exit status: 0 completed (or stopped),
    3 diverged, 4 stuck, 130 (or -2, killed by SIGINT) interrupted, anything else failed."""

    task: Task
    returncode: int

    @property
    def interrupted(self) -> bool:
        return self.returncode in (INTERRUPTED, -signal.SIGINT)


class Executor(Protocol):
    """Runs trainings for the scheduling loop; every method returns at once but :meth:`poll`
    (which waits at most its timeout) and :meth:`stop`."""

    cores: int
    """The cores the trainings share: the loop gives the trainings that run at once no more
    threads than this in all (unless one alone asks for more)."""

    gpus: int
    """Optional: the CUDA GPUs the trainings share (0, or no such attribute: none); read only when a
    training may use one (:mod:`lrlab.experiments.gpus`)."""

    where: str
    """Optional: where the trainings run, for messages ("no CUDA GPU here"); no such attribute: "here"."""

    def check(self, tasks: Sequence[Task]) -> None:
        """Raise now, before anything starts, if one of ``tasks`` cannot run here (e.g. its
        framework's environment is missing), with how to set it up."""

    def submit(self, task: Task, threads: int, until: int | None = None, gpu: int | None = None) -> None:
        """Start training ``task`` on ``threads`` threads: resumed from its folder's checkpoint if
        the folder holds a run, else a new run of ``task.config``; stopped after ``until`` epochs
        (``lrlab train --until``, status "stopped") when given: a rung of successive halving; on GPU
        number ``gpu`` of :attr:`gpus` when given (the loop passes it only to an executor with GPUs)."""

    def poll(self, timeout: float) -> list[Ended]:
        """The submitted trainings that have ended since the last call; waits up to ``timeout``
        seconds for one when none has (and not at all when none is running), and returns as soon as
        one ends: the loop starts the next training then, so a wait here must end with the
        training, not at the next tick of a clock."""

    def progress(self, task: Task) -> int:
        """The epochs ``task`` has finished so far (it may be running)."""

    def interrupt(self) -> None:
        """Ask every running training to stop at its next batch, as Ctrl-C does: it keeps its last
        checkpoint and writes an "interrupted" summary. Their ends come through :meth:`poll`."""

    def stop(self) -> list[Ended]:
        """Interrupt every running training and wait until each has ended, ending by force any that
        does not in good time; returns them (they do not come through :meth:`poll` again)."""
