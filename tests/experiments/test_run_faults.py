"""``lrlab run`` and its run folder under faults: a second runner is refused (the folder lock), and a runner
killed with all its trainings (kill -9 of the process group) resumes to the same numbers, bitwise, taking
over the lock its dead predecessor left."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lrlab.cli import main
from lrlab.training.lock import LOCK, FolderInUse, folder_lock
from test_run_command import kill_if_alive, processes_with, wait_until_gone

pytestmark = pytest.mark.processes

EXPERIMENT = """
title = "faults"
[defaults]
epochs = 3
train_subset = 10000
test_subset = 500
batch_size = 200
threads = 1
seeds = [0]
[[runs]]
name = "cosine"
schedule = "cosine(max_update=3, base_lr=0.3, final_lr=0.01)"
"""
TIMING = ("epoch_seconds", "examples_per_second")


def numbers(out: Path) -> list[dict]:
    lines = (out / "cosine" / "seed-0" / "metrics.jsonl").read_text().splitlines()
    return [{k: v for k, v in json.loads(line).items() if k not in TIMING} for line in lines]


@pytest.fixture
def experiment(tmp_path, fashion_mnist) -> Path:
    path = tmp_path / "faults.toml"
    path.write_text(EXPERIMENT)
    return path


def hold_lock(folder: Path) -> subprocess.Popen:
    """Another process that holds ``folder``'s lock until killed."""
    code = ("import sys, time\nfrom lrlab.training.lock import folder_lock\n"
            "with folder_lock(sys.argv[1]):\n    print('held', flush=True)\n    time.sleep(600)\n")
    holder = subprocess.Popen([sys.executable, "-c", code, str(folder)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline() == "held\n"
    return holder


def test_a_second_runner_is_refused_and_a_dead_holders_lock_is_taken_over(tmp_path, experiment, capsys):
    out = tmp_path / "out"
    holder = hold_lock(out)
    try:
        assert main(["run", str(experiment), "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert err == f"lrlab run: error: {out} is in use by another lrlab process (pid {holder.pid}); " \
                      "wait until it ends, or choose another --out\n"
        assert not (out / "cosine").exists()  # nothing was written
    finally:
        holder.kill()
        holder.wait(timeout=60)
    assert (out / LOCK).read_text() == str(holder.pid)  # the dead holder's pid is still there ...
    with folder_lock(out):  # ... and its lock is gone with it: taken over
        assert (out / LOCK).read_text() == str(os.getpid())
        with pytest.raises(FolderInUse):  # a lock is exclusive within a process too
            with folder_lock(out):
                pass


TINY = ["--schedule", "constant(0.1)", "--epochs", "1", "--train-subset", "500", "--test-subset", "200",
        "--batch-size", "100", "--threads", "1"]


@pytest.mark.processes
def test_a_training_holds_its_run_folder(tmp_path, fashion_mnist, capsys):
    """``lrlab train`` takes its folder's lock from its first write on: a second training into
    that folder, new or resumed, is refused in one line and writes nothing there."""
    out = tmp_path / "run"
    holder = hold_lock(out)
    try:
        for arguments in ([*TINY, "--out", str(out)], ["--resume", str(out)]):
            if arguments[0] == "--resume":  # a folder holding a run, as a live training leaves it
                holder.kill()
                holder.wait(timeout=60)
                assert main(["train", *TINY, "--out", str(out)]) == 0
                capsys.readouterr()
                holder = hold_lock(out)
            before = sorted((p.name, p.stat().st_mtime_ns) for p in out.iterdir())
            assert main(["train", *arguments]) == 2
            assert capsys.readouterr().err == (f"lrlab train: error: {out} is in use by another lrlab process "
                                               f"(pid {holder.pid}); wait until it ends, or choose another --out\n")
            assert sorted((p.name, p.stat().st_mtime_ns) for p in out.iterdir()) == before
    finally:
        holder.kill()
        holder.wait(timeout=60)
    assert main(["train", "--resume", str(out)]) == 0  # the holder is gone: its lock with it


def test_a_runner_killed_with_all_its_trainings_resumes_to_the_same_numbers(tmp_path, experiment, capsys):
    assert main(["run", str(experiment), "--out", str(tmp_path / "straight")]) == 0
    out = tmp_path / "killed"
    if not Path("/proc/self/cmdline").is_file():
        pytest.skip("needs /proc (Linux) to find the trainings")
    runner = subprocess.Popen([sys.executable, "-m", "lrlab", "run", str(experiment), "--out", str(out)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    metrics = out / "cosine" / "seed-0" / "metrics.jsonl"
    try:
        deadline = time.monotonic() + 180
        while not metrics.is_file() or not metrics.read_text():
            assert runner.poll() is None and time.monotonic() < deadline, "no epoch finished in time"
            time.sleep(0.02)
        # 2 epochs of 10000 examples left (over a second on an idle machine): the runner is still running
        assert main(["run", str(experiment), "--out", str(out)]) == 2  # while it runs: refused
        assert "is in use by another lrlab process" in capsys.readouterr().err
        everyone = processes_with(str(out))  # the runner and its trainings (each in a session of its own)
        assert len(everyone) >= 2, everyone
        for pid in everyone:
            kill_if_alive(pid)  # no chance to write anything
        runner.wait(timeout=60)
    finally:
        if runner.poll() is None:
            runner.kill()
    wait_until_gone(out, 60)
    assert main(["run", str(experiment), "--out", str(out)]) == 0  # the dead runner's lock taken over
    assert numbers(out) == numbers(tmp_path / "straight")
    summary = json.loads((out / "cosine" / "seed-0" / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["epochs_completed"] == 3
