"""What the Ray executor's tests share: a tiny experiment, its local run to compare with, and a way
to watch and hit a Ray run while it trains (Ray starts in each test file, bound to 127.0.0.1)."""

from __future__ import annotations

import os

# Before Ray is imported (it reads this once): every address on the loopback. Else a driver that joins
# a cluster by its address (``ray.init(address="127.0.0.1:PORT")``) is sent to this machine's network
# address, where a cluster bound to 127.0.0.1 does not listen, and waits there for ever.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")

import json  # noqa: E402
import threading
import time
from pathlib import Path

import pytest

from lrlab.experiments import load_experiment, run_experiment
from lrlab.experiments.executors import LocalProcessExecutor

EXPERIMENT = """
title = "ray"
[defaults]
epochs = 6
train_subset = 1000
test_subset = 500
batch_size = 100
threads = 1
seeds = [0, 1]
[[runs]]
name = "constant"
schedule = "constant(0.1)"
[[runs]]
name = "cosine"
schedule = "cosine(max_update=6, base_lr=0.3, final_lr=0.01)"
seeds = [0]
[[runs]]
name = "diverges"
schedule = "constant(100.0)"
seeds = [0]
"""
"""Four trainings of 6 epochs (10 updates each), long enough to hit one mid-run; the last diverges
in its first epoch (a result, never a retry)."""
TIMING = ("epoch_seconds", "examples_per_second")
RAY_LOCAL = dict(address="local", num_cpus=2, _node_ip_address="127.0.0.1", include_dashboard=False)
"""ray.init's arguments for a test's Ray: a new one (never another found on this machine), 2 CPUs, on the
loopback only."""


def start_ray(start, attempts: int = 3):
    """``start()`` (a Ray node's start), again when Ray gives up on it: a node waits 15 s for its
    dashboard agent, which takes longer on a heavily loaded machine (seen here from a load of 7 on
    2 cores). After ``attempts`` such failures the test is skipped, saying why: the machine, not
    lrlab, failed it. Any other error is raised."""
    for attempt in range(1, attempts + 1):
        try:
            return start()
        except Exception as error:  # Ray raises a plain Exception for it
            if "timed out during startup" not in str(error):
                raise
    pytest.skip(f"Ray could not start a node here in {attempts} tries: its dashboard agent missed Ray's "
                "15 s start limit (a machine too busy); run this file again on a quieter one")


def wait_until(condition, seconds: float) -> bool:
    """Whether ``condition()`` came true within ``seconds`` (asked every 0.2 s)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def experiment_file(folder: Path) -> Path:
    path = folder / "ray.toml"
    path.write_text(EXPERIMENT)
    return path


def run_locally(folder: Path) -> Path:
    """The experiment run by the local executor into ``folder/local``: the numbers to match."""
    out = folder / "local"
    with LocalProcessExecutor(cores=2) as executor:
        run_experiment(load_experiment(experiment_file(folder)), out, executor=executor)
    return out


def numbers(out: Path) -> dict[str, list[dict]]:
    """Each training's metrics without the timings, by its folder: what must be equal bitwise."""
    return {folder.parent.relative_to(out).as_posix(): [
                {k: v for k, v in json.loads(line).items() if k not in TIMING}
                for line in folder.read_text().splitlines()]
            for folder in sorted(out.glob("*/seed-*/metrics.jsonl"))}


class Hit(threading.Thread):
    """A thread that waits until a training of ``executor`` running where ``where(attempt)`` says has
    ``epochs`` epochs in the driver's folder (and not all), then calls ``hit(task, attempt)`` once."""

    def __init__(self, executor, where, hit, epochs: int = 2) -> None:
        super().__init__(daemon=True)
        self.executor, self.where, self.hit, self.epochs = executor, where, hit, epochs
        self.task, self.at_epoch, self.done = None, None, threading.Event()

    def run(self) -> None:
        deadline = time.monotonic() + 300
        while not self.done.is_set() and time.monotonic() < deadline:
            for task, attempt in list(self.executor.attempts.items()):
                done = task.epochs_done()
                if attempt.worker and self.where(attempt) and self.epochs <= done < task.config.epochs:
                    self.task, self.at_epoch = task, done
                    self.hit(task, attempt)
                    return
            time.sleep(0.02)
