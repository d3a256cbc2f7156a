"""Process-wide settings for a process that exists to train, made in one place.

Importing a backend or an adapter, or building a backend, changes nothing outside it: a
notebook or a program that uses lrlab as a library keeps its environment, its allocator and
its thread settings. A process that lrlab starts to train (``lrlab train``, and through it
every run of ``lrlab run``) calls :func:`setup_training_process` first, before any framework
is imported, because some of these settings are read only when a framework loads.

Why each setting is there, and what it measured, is in ``benchmarks/README.md``.

>>> import os
>>> from unittest import mock
>>> with mock.patch.dict(os.environ, {"OMP_WAIT_POLICY": "ACTIVE"}, clear=True), \\
...         mock.patch("lrlab.process.keep_freed_memory"):
...     setup_training_process()
...     os.environ["OMP_WAIT_POLICY"], os.environ["TF_CPP_MIN_LOG_LEVEL"]  # the user's setting wins
('ACTIVE', '2')
"""

from __future__ import annotations

import ctypes
import os
import platform
import signal
import sys
from typing import NoReturn

__all__ = ["PARENT_ENV", "end_process", "hear_interrupts", "keep_freed_memory", "setup_training_process",
           "stop_with_parent"]

PARENT_ENV = "LRLAB_STOP_WITH_PARENT"
"""Set by ``lrlab run``'s local executor to its own pid, for :func:`stop_with_parent`."""

_training = False  # set by setup_training_process: this process exists to train


def setup_training_process() -> None:
    """Set this process up for training: call it before importing torch or TensorFlow.

    - ``OMP_WAIT_POLICY=PASSIVE``: OpenMP threads that spin while they wait stall each other
      when the cores are shared with other processes (another training of ``lrlab run``, a
      test run), by an order of magnitude; asleep they cost little. OpenMP reads it when
      torch loads it, hence before the import.
    - ``TF_CPP_MIN_LOG_LEVEL=2``: TensorFlow's C++ start-up messages would drown the
      progress bar. Read when TensorFlow loads.
    - :func:`keep_freed_memory`: glibc keeps freed memory instead of unmapping it after
      every step.

    A setting the user made (an environment variable already set) wins. The process then ends
    through :func:`end_process` without the interpreter's teardown.
    """
    global _training
    _training = True
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    keep_freed_memory()
    stop_with_parent()


def end_process(status: int) -> NoReturn:
    """End the process with exit ``status``: as usual (``sys.exit``), or, in a process that
    :func:`setup_training_process` set up, at once after flushing stdout and stderr.

    Why: a process that has imported torch spends about half a second of CPU at exit unloading it
    (the interpreter's teardown of every module), a quarter of a short training's start-up cost,
    paid by every training of a sweep, and ``lrlab run`` starts the next training only when the
    process has ended (benchmarks/README.md). A training has nothing left to do by then: its run
    folder's files are written whole and closed before the command returns, and its threads are
    stopped. Only the entry points call this (``lrlab``, ``python -m lrlab``), never ``cli.main``.
    """
    if not _training:
        sys.exit(status)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed or broken pipe: nothing more can be said there
            pass
    os._exit(status)


def stop_with_parent() -> None:
    """When the process named by ``$LRLAB_STOP_WITH_PARENT`` (the ``lrlab run`` that started this
    training) dies, even by SIGKILL, this process gets a SIGINT: it writes its "interrupted"
    summary and ends, instead of training on with no one to wait for it. The variable is read once
    and removed, so that a process this one starts (the MXNet hand-over) is not tied to it. Linux
    only (``prctl(PR_SET_PDEATHSIG)``); elsewhere, and without the variable, nothing changes.
    With the variable, SIGINT is heard whatever the parent left (:func:`hear_interrupts`).
    """
    parent = os.environ.pop(PARENT_ENV, None)
    if not parent:
        return
    hear_interrupts()
    if platform.system() != "Linux":
        return
    pr_set_pdeathsig = 1
    ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGINT)
    if os.getppid() != int(parent):  # it died before the request: the signal would never come
        os.kill(os.getpid(), signal.SIGINT)


def hear_interrupts() -> None:
    """Let SIGINT reach this process as KeyboardInterrupt, even if the process that started it blocked
    or ignored it (a Ray worker does both, and its children inherit that): for a training that
    ``lrlab run`` started, SIGINT is how it is asked to stop cleanly (Ctrl-C, a cancelled Ray task,
    its parent's death).

    >>> import subprocess
    >>> code = ("import signal; signal.signal(signal.SIGINT, signal.SIG_IGN); from lrlab.process import "
    ...         "hear_interrupts; hear_interrupts(); print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)")
    >>> subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    'True\\n'
    """
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def keep_freed_memory() -> None:
    """Make glibc keep freed memory for the next step instead of returning it to the system.

    By default glibc unmaps large freed blocks, and the next step maps them again page by page:
    thousands of page faults a LeNet step, a noticeable share of it. A training process keeps
    its peak memory anyway. Elsewhere than Linux with glibc, nothing changes.
    """
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return
    mallopt = ctypes.CDLL("libc.so.6").mallopt
    m_trim_threshold, m_mmap_threshold = -1, -3
    mallopt(m_mmap_threshold, 32 << 20)  # the largest glibc accepts; bigger blocks are still mapped
    mallopt(m_trim_threshold, 512 << 20)
