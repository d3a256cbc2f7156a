"""kill -9 at any moment, then ``lrlab train --resume``: the same metrics as a run never killed, bitwise.

Each run is a real ``lrlab train`` process on 1000 real examples (3 epochs of 10 updates). The
moments a kill matters most last microseconds, so the process kills itself there
(``LRLAB_TEST_KILL_AT``, :mod:`lrlab.training.killpoints`); other kills come from outside at
moments drawn from a fixed seed.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lrlab.runfolder import RunDir
from lrlab.training.config import TrainConfig
from lrlab.training.loop import train

pytestmark = pytest.mark.processes

RUN = ["--schedule", "cosine(max_update=30, base_lr=0.1, final_lr=0.01)", "--unit", "step", "--epochs", "3",
       "--momentum", "0.9", "--train-subset", "1000", "--test-subset", "500", "--batch-size", "100", "--threads", "1"]
CONFIG = TrainConfig(schedule="cosine(max_update=30, base_lr=0.1, final_lr=0.01)", unit="step", epochs=3,
                     momentum=0.9, train_subset=1000, test_subset=500, batch_size=100, threads=1)
TIMING = ("epoch_seconds", "examples_per_second")


def lrlab_train(*args: str, kill_at: str | None = None) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "LRLAB_TEST_KILL_AT"}
    if kill_at:
        env["LRLAB_TEST_KILL_AT"] = kill_at
    return subprocess.run([sys.executable, "-m", "lrlab", "train", *args], env=env,
                          capture_output=True, text=True, timeout=300)


def numbers(out: Path) -> list[dict]:
    return [{k: v for k, v in row.to_dict().items() if k not in TIMING} for row in RunDir(out).read_metrics()]


def resume(out: Path, capsys, missing: bool = False) -> list[int]:
    """Resume ``out`` in this process (as ``lrlab train --resume`` does); the epochs it trained.
    ``missing``: the newest checkpoint was lost to the kill, and the warning says so."""
    summary = train(None, out, resume=True)
    assert summary.status == "completed"
    printed = capsys.readouterr()
    assert "Traceback" not in printed.err and "damaged" not in printed.err
    assert ("checkpoint.pt is missing; resuming from checkpoint.pt.prev (1 epochs)" in printed.err) == missing
    return [int(line.split(":")[0].split()[1]) for line in printed.out.splitlines() if line.startswith("epoch ")]


@pytest.fixture(scope="module")
def straight(tmp_path_factory, fashion_mnist) -> Path:
    """The run never killed, trained in this process: its numbers are those of a process of its own."""
    out = tmp_path_factory.mktemp("straight") / "run"
    train(CONFIG, out, progress=False)
    return out


@pytest.mark.parametrize("kill_at, resumes_at", [
    ("after-row:1", 1),            # the row of epoch 1 written, its checkpoint not begun
    ("mid-checkpoint:1", 1),       # the new checkpoint half written to its temporary file
    ("between-checkpoints:1", 1),  # the newest checkpoint moved to .prev, the new one not in place
    ("between-checkpoints:0", 0),  # the first one: nothing to resume from
])
def test_a_run_killed_at_a_named_moment_resumes_to_the_same_metrics_bitwise(straight, tmp_path, capsys, kill_at,
                                                                             resumes_at):
    out = tmp_path / "run"
    killed = lrlab_train(*RUN, "--out", str(out), kill_at=kill_at)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert resume(out, capsys, missing=kill_at == "between-checkpoints:1") == list(range(resumes_at, 3))
    assert not list(out.glob(".*.tmp"))  # a half-written temporary file is removed, never loaded
    assert numbers(out) == numbers(straight)
    assert RunDir(out).read_summary().final == RunDir(straight).read_summary().final


def test_a_run_killed_from_outside_at_a_random_moment_resumes_to_the_same_metrics_bitwise(straight, tmp_path, capsys):
    out = tmp_path / "run"
    process = subprocess.Popen([sys.executable, "-m", "lrlab", "train", *RUN, "--out", str(out)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not (out / "metrics.jsonl").is_file() or not (out / "metrics.jsonl").read_text():
            assert process.poll() is None and time.monotonic() < deadline, "no epoch finished in time"
            time.sleep(0.01)
        time.sleep(random.Random(0).uniform(0, 0.5))  # somewhere in epoch 1 or 2, or at its end
        process.kill()
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    resume(out, capsys)
    assert numbers(out) == numbers(straight)
