"""The forkserver: torch trainings forked from a process that has imported torch, as if each were new."""

from __future__ import annotations

import gc
import json
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from lrlab.experiments import runner
from lrlab.experiments.executors import LocalProcessExecutor
from lrlab.experiments.executors.forkserver import LOST, Forked, Forkserver, ForkserverLost

from test_runner import small_runs, wait_for_end

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the forkserver is for Linux")


def numbers(folder: Path) -> list[dict]:
    rows = [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines()]
    return [{key: value for key, value in row.items() if "second" not in key and key != "time"} for row in rows]


def train(task: runner.Task, fork: bool, threads: int = 1) -> type:
    """Train ``task`` to its end on a new executor; the kind of process it ran in."""
    with LocalProcessExecutor(cores=2, fork=fork) as executor:
        executor.check([task])
        executor.submit(task, threads=threads)
        kind = type(executor._processes[task])
        [end] = wait_for_end(executor)
    assert end.returncode == 0, (task.folder / "train.log").read_text()
    return kind


@pytest.mark.processes
def test_a_forked_training_gives_the_numbers_of_a_new_process(tmp_path, fashion_mnist):
    experiment = small_runs("a", epochs=2)
    forked = runner.Task(experiment.runs[0], 0, tmp_path / "forked")
    new = runner.Task(experiment.runs[0], 0, tmp_path / "new")
    assert train(forked, fork=True, threads=2) is Forked
    assert train(new, fork=False) is not Forked
    assert numbers(forked.folder) == numbers(new.folder) and len(numbers(new.folder)) == 2
    log = (forked.folder / "train.log").read_text()
    assert "epoch 1: lr 0.1" in log  # its output went to its log, as a new process's does


@pytest.mark.processes
def test_a_forked_training_leads_its_own_session_and_is_named_lrlab_train(tmp_path):
    server = Forkserver.start(preload=())
    try:
        # A training that waits for its data: a folder that is not there makes it fail with status 2.
        child = server.fork(["train", "--schedule", "constant(0.1)", "--epochs", "1", "--data-dir",
                             str(tmp_path / "nowhere")], env={**os.environ}, log=str(tmp_path / "train.log"))
        assert os.getsid(child.pid) == child.pid or child.poll() is not None
        assert child.wait(timeout=120) == 2
        assert "lrlab train: error:" in (tmp_path / "train.log").read_text()
        sleeper = server.fork(["plot", "--help"], env={**os.environ}, log=str(tmp_path / "help.log"))
        assert sleeper.wait(timeout=120) == 0 and "usage: lrlab plot" in (tmp_path / "help.log").read_text()
    finally:
        server.close()
    assert server.process.returncode == 0


@pytest.mark.processes
def test_a_killed_forkserver_interrupts_its_trainings_and_a_new_process_resumes(tmp_path, fashion_mnist):
    """SIGKILL to the server: each of its trainings gets SIGINT from the kernel, writes an
    "interrupted" summary and ends; the executor reports the end, and trains on without a server."""
    run = small_runs("a", epochs=4, train_subset=4000, batch_size=100).runs[0]
    task = runner.Task(run, 0, tmp_path / "killed")
    with LocalProcessExecutor(cores=2) as executor:
        executor.check([task])
        executor.submit(task, threads=1)
        deadline = time.monotonic() + 180
        while task.epochs_done() < 1:
            assert time.monotonic() < deadline, "no epoch finished in time"
            time.sleep(0.05)
        os.kill(executor._server.process.pid, signal.SIGKILL)
        [end] = wait_for_end(executor)
        assert end.returncode == LOST and task.status() == "interrupted"
        executor.submit(task, threads=1)  # the server is gone: a new process resumes it
        assert not isinstance(executor._processes[task], Forked)
        [end] = wait_for_end(executor)
    assert end.returncode == 0 and task.status() == "completed"
    straight = runner.Task(run, 0, tmp_path / "straight")
    train(straight, fork=False)
    assert numbers(task.folder) == numbers(straight.folder)


@pytest.mark.processes
def test_a_server_killed_before_a_fork_is_reported_as_lost(tmp_path):
    server = Forkserver.start(preload=())
    assert server.wait_ready(timeout=120)
    os.kill(server.process.pid, signal.SIGKILL)
    with pytest.raises(ForkserverLost):  # whether the pipe broke first or the server's end was read
        server.fork(["--help"], env={**os.environ}, log=os.devnull)
    server.process.wait(timeout=60)


@pytest.mark.processes
def test_a_client_dropped_unclosed_ends_its_server():
    server = Forkserver.start(preload=())
    assert server.wait_ready(timeout=120)
    process = server.process
    del server
    gc.collect()
    assert process.wait(timeout=60) == 0


@pytest.mark.processes
def test_closing_a_server_that_is_still_importing_does_not_wait_for_its_imports():
    server = Forkserver.start(preload=("torch", "lrlab.backends.torch"))
    started = time.monotonic()
    server.close()  # at once: before torch has loaded
    assert server.process.returncode == -signal.SIGKILL, "it was ready already: the test proves nothing"
    assert time.monotonic() - started < 30
