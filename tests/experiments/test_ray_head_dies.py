"""The head node of a Ray cluster dies mid-run (its GCS server and raylet killed by pid): `lrlab run` ends
(it cannot go on without the cluster) or is stopped with Ctrl-C, no training outlives it, and the same
command on a new cluster resumes from the folder and ends with the numbers of an uninterrupted run.
The cluster is `ray start --head` on 127.0.0.1 with token authentication (a token made here, given to
the head and the driver as a user would), started and stopped here by its pids; the driver is `lrlab run`
in a process of its own (a driver in the test's process would be ended with the head)."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ray_support import experiment_file, numbers, run_locally, wait_until  # first: it sets Ray up for the loopback
from test_ray_executor import _trainings_in_scratch
from test_run_command import kill_if_alive, processes_with, wait_for_first_epoch

pytest.importorskip("ray")
pytestmark = pytest.mark.processes
RAY = Path(sys.executable).with_name("ray")
AUTH = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}
"""The cluster's token authentication, for the head and the driver alike."""


class Head:
    """``ray start --head --block`` on 127.0.0.1 (2 CPUs) in a process of its own, and its processes."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.process = subprocess.Popen(
            [str(RAY), "start", "--head", "--block", "--port", str(self.port), "--node-ip-address", "127.0.0.1",
             "--num-cpus", "2", "--include-dashboard", "false", "--disable-usage-stats"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True, env={**os.environ, **AUTH})
        self.address = f"127.0.0.1:{self.port}"
        if not wait_until(lambda: self.up() or self.process.poll() is not None, 90) or not self.up():
            self.stop()
            pytest.skip("`ray start --head` did not come up in 90 s here (a machine too busy); run this file again")

    def up(self) -> bool:
        return bool(self.named("raylet")) and bool(self.named("gcs_server"))

    def named(self, name: str) -> list[int]:
        """The pids of this head's processes (its session's) whose command starts with ``name``'s path."""
        return [pid for pid, command in _session(self.process.pid).items() if Path(command.split(" ")[0]).name == name]

    def kill(self) -> None:
        """The head node dies: its GCS server and raylet killed at once (``ray start`` then ends the rest)."""
        pids = self.named("gcs_server") + self.named("raylet")
        assert pids, "the head's GCS server and raylet are gone before the test kills them"
        for pid in pids:
            kill_if_alive(pid)  # the raylet may have followed its GCS server out already

    def stop(self) -> None:
        """End every process of this head's session, by pid."""
        for pid in _session(self.process.pid):
            kill_if_alive(pid)
        self.process.wait(timeout=60)


def test_a_dead_head_ends_the_run_and_the_same_command_on_a_new_cluster_resumes(tmp_path, fashion_mnist):
    local = run_locally(tmp_path)
    out = tmp_path / "ray"
    command = lambda head: [sys.executable, "-m", "lrlab", "run", str(experiment_file(tmp_path)),
                            "--executor", "ray", "--address", head.address, "--out", str(out)]
    head = Head()
    try:
        driver = subprocess.Popen(command(head), cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  env={**os.environ, **AUTH})
        try:
            wait_for_first_epoch(out, driver, timeout=180)
            head.kill()
            if not wait_until(lambda: driver.poll() is not None, 120):  # it has not failed: Ctrl-C, as the docs say
                driver.send_signal(signal.SIGINT)
            driver.wait(timeout=120)
        finally:
            if driver.poll() is None:
                driver.kill()
        assert driver.returncode != 0
        assert wait_until(lambda: not _trainings_in_scratch(), 120), "a training outlived the dead head"
    finally:
        head.stop()
    head = Head()  # the cluster started again
    try:
        again = subprocess.run(command(head), cwd=tmp_path, capture_output=True, text=True, timeout=600,
                               env={**os.environ, **AUTH})
    finally:
        head.stop()
    assert again.returncode == 0, again.stdout + again.stderr
    assert numbers(out) == numbers(local)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _session(leader: int) -> dict[int, str]:
    """The live processes of the session ``leader`` leads: pid -> command line."""
    return {pid: command for pid, command in processes_with("").items() if _session_of(pid) == leader}


def _session_of(pid: int) -> int | None:
    try:
        return os.getsid(pid)
    except ProcessLookupError:  # it has just exited
        return None
