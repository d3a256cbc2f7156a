"""A forkserver for torch trainings: torch and lrlab imported once, each training forked from it.

A new Python process spends most of its way to its first update importing torch (measured in
benchmarks/README.md, "The forkserver"); a sweep pays it for every training. The local executor
instead starts one server per ``lrlab run``, which imports torch and lrlab's training code and
then, for each training, forks a child that runs ``lrlab train`` (the ``lrlab`` program, as
``python -m lrlab ARGV`` would) as a new process would:

- in a session of its own (Ctrl-C in a terminal reaches only ``lrlab run``, which forwards it);
- with the environment it was given (``OMP_NUM_THREADS`` becomes ``torch.set_num_threads``,
  ``CUDA_VISIBLE_DEVICES`` is set before CUDA starts: the server never touches a GPU);
- its output, unbuffered, appended to its ``train.log``;
- named ``lrlab train`` (``ps -o comm``; its command line is the server's);
- stopped by SIGINT when the server dies, and the server when ``lrlab run`` dies, even by SIGKILL.

The server speaks JSON lines: on stdin ``{"argv": [...], "env": {...}, "log": path}``, one per
training; on stdout ``{"ready": pid}`` once, then ``{"started": pid}`` for each request, in order,
and ``{"ended": pid, "status": s}`` when a child ends (``s`` as ``Popen.returncode``: negative for
a signal). It ends when its stdin closes.

>>> server = Forkserver.start(preload=())          # a server that preloads nothing, for the example
>>> child = server.fork(["--help"], env={}, log="/dev/null")
>>> child.wait(timeout=60), child.returncode
(0, 0)
>>> server.close()
"""

from __future__ import annotations

import ctypes
import importlib
import io
import json
import os
import runpy
import select
import signal
import subprocess
import sys
import threading
import traceback
import weakref
from typing import IO, Sequence

from ...process import PARENT_ENV, setup_training_process

PRELOAD = ("torch", "lrlab.backends.torch", "lrlab.commands.train", "lrlab.cli")
"""What the server imports before it forks: everything a torch training imports before its first update."""

LOST = 1
"""The status of a training whose server died before saying how it ended (a failure)."""


class Forked:
    """A training forked by the server, as much of a ``subprocess.Popen`` as the executor uses."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._ended = threading.Event()

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if not self._ended.wait(timeout):
            raise subprocess.TimeoutExpired(f"lrlab train (pid {self.pid})", timeout)
        return self.returncode

    def _end(self, status: int) -> None:
        self.returncode = status
        self._ended.set()


class Forkserver:
    """The client: starts the server, asks it for trainings, and learns of their ends."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self._children: dict[int, Forked] = {}
        self._started: list[Forked] = []
        self._replies = threading.Condition()
        self._ready = False
        self._lost = False
        # A client dropped unclosed closes the server's stdin, and the server ends; so the thread that
        # reads the replies holds no reference to it (Popen keeps itself alive while its process runs).
        weakref.finalize(self, _close_quietly, process.stdin)
        threading.Thread(target=_read_replies, args=(weakref.ref(self), process.stdout),
                         name=f"lrlab-forkserver-{process.pid}", daemon=True).start()

    @classmethod
    def start(cls, preload: Sequence[str] = PRELOAD) -> Forkserver:
        """Start a server that imports ``preload``; it is ready by the first :meth:`fork` (which
        waits for it), so start it early. It stops when this process dies, even by SIGKILL."""
        command = [sys.executable, "-c", f"from {__name__} import main; main()", *preload]
        # One thread: OpenBLAS starts no thread pool (a process with threads must not fork), and each
        # child sets its own count.
        environment = {**os.environ, PARENT_ENV: str(os.getpid()), "OMP_NUM_THREADS": "1"}
        # A session of its own: a terminal's Ctrl-C must not reach it (it would end every training).
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=environment,
                                   start_new_session=True)
        return cls(process)

    def fork(self, argv: list[str], env: dict[str, str], log: str) -> Forked:
        """Start ``lrlab train`` with ``argv`` in ``env``, its output appended to ``log``.

        Raises ForkserverLost if the server is gone (it failed to start, or was killed)."""
        with self._replies:
            if not self.wait_ready():
                raise ForkserverLost(f"lrlab's forkserver (pid {self.process.pid}) has ended")
            try:
                self.process.stdin.write(json.dumps({"argv": argv, "env": env, "log": log}).encode() + b"\n")
                self.process.stdin.flush()
            except OSError as error:  # it has just ended (a broken pipe)
                raise ForkserverLost(f"lrlab's forkserver (pid {self.process.pid}) has ended") from error
            self._replies.wait_for(lambda: self._started or self._lost)
            if not self._started:
                raise ForkserverLost(f"lrlab's forkserver (pid {self.process.pid}) has ended")
            return self._started.pop(0)

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait until the server has imported what it preloads: True, or False if it has ended."""
        with self._replies:
            self._replies.wait_for(lambda: self._ready or self._lost, timeout)
            return self._ready and not self._lost

    def close(self) -> None:
        """End the server (its trainings must have ended: a child still running gets SIGINT); one
        still importing is killed, not waited for (``lrlab run`` that stops early exits at once)."""
        _close_quietly(self.process.stdin)
        if not self.wait_ready(timeout=0):
            self.process.kill()
        self.process.wait()

    @property
    def lost(self) -> bool:
        """Whether the server has ended (nothing can be forked from it any more)."""
        return self._lost

    def _receive(self, message: dict) -> None:
        with self._replies:
            if "ready" in message:
                self._ready = True
            elif "started" in message:
                self._started.append(self._children.setdefault(message["started"], Forked(message["started"])))
            else:
                self._children.pop(message["ended"])._end(message["status"])
            self._replies.notify_all()

    def _lose(self) -> None:
        with self._replies:  # the server has ended: its children were sent SIGINT by the kernel
            self._lost = True
            self._replies.notify_all()
        for child in self._children.values():
            _wait_for_pid(child.pid)
            child._end(LOST)


def _read_replies(server: weakref.ref[Forkserver], replies: IO[bytes]) -> None:
    for line in replies:
        if (client := server()) is None:
            return
        client._receive(json.loads(line))
        del client
    if (client := server()) is not None:
        client._lose()


class ForkserverLost(RuntimeError):
    """The server ended while trainings were to be forked from it."""


def _close_quietly(stream: IO[bytes]) -> None:
    try:
        stream.close()
    except OSError:  # the server is gone already: nothing was left to say
        pass


def _wait_for_pid(pid: int) -> None:
    """Wait until process ``pid`` (not our child) has ended; each child of a dead server gets SIGINT
    and writes its summary before it ends, so no folder is settled while its training still writes."""
    while True:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                if stat.read().rsplit(")", 1)[1].split()[0] == "Z":  # ended, not yet reaped
                    return
        except (FileNotFoundError, ProcessLookupError):
            return
        threading.Event().wait(0.1)


# The server


def serve(preload: Sequence[str], requests: int = 0, replies: int = 1) -> None:
    """Import ``preload``, then fork a training for each request until ``requests`` closes."""
    setup_training_process()  # before torch loads; and SIGINT when lrlab run dies
    for module in preload:
        importlib.import_module(module)
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)  # SIGCHLD wakes the select below: no polling
    signal.signal(signal.SIGCHLD, lambda *_: None)
    _say(replies, ready=os.getpid())
    pending = b""
    while True:
        readable, _, _ = select.select([requests, wake_read], [], [])
        if wake_read in readable:
            os.read(wake_read, 4096)
            _reap(replies)
        if requests in readable:
            data = os.read(requests, 65536)
            if not data:
                return
            pending += data
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                _say(replies, started=_fork(json.loads(line), (wake_read, wake_write)))


def _fork(request: dict, close: tuple[int, ...]) -> int:
    """Fork the training of ``request``; return once it leads a session of its own, so that a signal
    to its session (Ctrl-C forwarded, the executor's stop) cannot miss it."""
    in_session, told = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.setsid()
        for fd in (in_session, *close):
            os.close(fd)
        os.close(told)  # the parent's read below ends: we lead our session
        _train(request)
    os.close(told)
    os.read(in_session, 1)
    os.close(in_session)
    return pid


def _say(fd: int, **message: int) -> None:
    os.write(fd, json.dumps(message).encode() + b"\n")  # one write of a short line: never interleaved


def _reap(replies: int) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _say(replies, ended=pid, status=os.waitstatus_to_exitcode(status))


def _train(request: dict) -> None:
    """In the forked child: become a fresh ``lrlab train`` process, run it, and end (never return)."""
    status = 1
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        _redirect(request["log"])
        os.environ.clear()
        os.environ.update(request["env"], **{PARENT_ENV: str(os.getppid())})  # SIGINT when the server dies
        _name_process(b"lrlab train")
        threads = os.environ.get("OMP_NUM_THREADS")
        if threads and "torch" in sys.modules:  # torch read the server's setting when it loaded
            from ...backends.torch import use_threads

            use_threads(int(threads))
        sys.argv = ["lrlab", *request["argv"]]
        runpy.run_module("lrlab", run_name="__main__", alter_sys=True)  # as `python -m lrlab ARGV` does
        status = 0
    except SystemExit as error:  # how lrlab's entry point ends, when it does not end the process itself
        status = 0 if error.code is None else error.code if isinstance(error.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        os._exit(status)


def _redirect(log: str) -> None:
    """stdin from /dev/null; stdout and stderr appended to ``log``, unbuffered (PYTHONUNBUFFERED)."""
    null = os.open(os.devnull, os.O_RDONLY)
    out = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.close(null)
    os.close(out)
    sys.stdin = open(0, closefd=False)
    sys.stdout = _unbuffered(1, "strict")
    sys.stderr = _unbuffered(2, "backslashreplace")


def _unbuffered(fd: int, errors: str) -> IO[str]:
    return io.TextIOWrapper(io.FileIO(fd, "w", closefd=False), encoding="utf-8", errors=errors,
                            write_through=True)


def _name_process(name: bytes) -> None:
    """The name ``ps -o comm`` and ``top`` show (Linux; 15 bytes at most)."""
    try:
        pr_set_name = 15
        ctypes.CDLL(None).prctl(pr_set_name, ctypes.c_char_p(name[:15]), 0, 0, 0)
    except (OSError, AttributeError):
        pass


def main() -> None:
    """The server process: ``python -c "from lrlab.experiments.executors.forkserver import main; main()" MODULE...``."""
    try:
        serve(sys.argv[1:])
    except KeyboardInterrupt:  # lrlab run has died: our children get SIGINT as we end
        pass
    os._exit(0)
