"""The Ray executor on a real Ray (2 CPUs, bound to 127.0.0.1, started once for this file): the same
run folder as local processes, bitwise; a worker killed mid-run resumes from its checkpoint;
Ctrl-C cancels the tasks and the same command resumes."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from lrlab.backends import BackendUnavailable
from lrlab.experiments import experiment_from_dict, load_experiment, run_experiment
from lrlab.experiments.executors import Ended
from lrlab.experiments.runner import Task
from lrlab.runfolder import RunDir, Status
from lrlab.training.lock import FolderInUse, lock_if_present
from test_run_command import kill_after_first_epoch
from ray_support import RAY_LOCAL, Hit, experiment_file, numbers, run_locally, start_ray, wait_until

ray = pytest.importorskip("ray")
from lrlab.experiments.executors.ray import RayExecutor  # noqa: E402  (after the skip: needs ray)
from lrlab.experiments.executors.ray_task import ABANDONED_AFTER, SCRATCH  # noqa: E402

pytestmark = pytest.mark.processes


@pytest.fixture(scope="module")
def ray_local():
    start_ray(lambda: ray.init(**RAY_LOCAL))
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def local(tmp_path_factory, fashion_mnist):
    return run_locally(tmp_path_factory.mktemp("local"))


def run_on_ray(folder, **hit) -> tuple[dict, Hit | None]:
    """The experiment on the test's Ray into ``folder/ray``; with ``hit``, a :class:`Hit` watching it."""
    with RayExecutor() as executor:
        assert not executor.started  # it joined the test's Ray, and leaves it running
        watcher = Hit(executor, **hit) if hit else None
        if watcher:
            watcher.start()
        try:
            return run_experiment(load_experiment(experiment_file(folder)), folder / "ray", executor=executor), watcher
        finally:
            if watcher:
                watcher.done.set()


def files(out) -> list[str]:
    return sorted(path.relative_to(out).as_posix() for path in out.rglob("*") if path.is_file() and path.name != ".lock")


def test_four_trainings_on_ray_leave_the_run_folder_local_processes_leave(tmp_path, ray_local, local):
    statuses, _ = run_on_ray(tmp_path)
    out = tmp_path / "ray"
    assert statuses == {"constant/seed-0": Status.COMPLETED, "constant/seed-1": Status.COMPLETED,
                        "cosine/seed-0": Status.COMPLETED, "diverges/seed-0": Status.DIVERGED}
    assert numbers(out) == numbers(local)
    assert files(out) == files(local)
    read_index = lambda folder: json.loads((folder / "index.json").read_text())["runs"]
    assert read_index(out) == read_index(local)
    for folder in sorted(out.glob("*/seed-*")):
        twin = local / folder.relative_to(out)
        summary = {k: v for k, v in RunDir(folder).read_summary().to_dict().items() if k != "wall_seconds"}
        assert summary == {k: v for k, v in RunDir(twin).read_summary().to_dict().items() if k != "wall_seconds"}
        assert (folder / "train.log").read_text() == (twin / "train.log").read_text().replace(str(local), str(out))


def test_a_worker_killed_mid_run_resumes_from_its_checkpoint_and_ends_the_same(tmp_path, ray_local, local):
    kill = lambda task, attempt: os.kill(attempt.worker, signal.SIGKILL)
    statuses, killer = run_on_ray(tmp_path, where=lambda attempt: True, hit=kill)
    out = tmp_path / "ray"
    assert killer.task is not None, "no training was caught mid-run"
    assert statuses["diverges/seed-0"] is Status.DIVERGED
    assert set(statuses.values()) - {Status.DIVERGED} == {Status.COMPLETED}
    assert numbers(out) == numbers(local)  # the killed one too, bitwise
    log = (killer.task.folder / "train.log").read_text()
    resumed = re.findall(r"^lrlab run: WorkerCrashedError .*; resuming from epoch (\d+) \(retry 1 of 3\)$", log, re.M)
    assert len(resumed) == 1 and int(resumed[0]) >= killer.at_epoch >= 2, log  # from its checkpoint, not from 0
    assert log.count("epoch 0:") == 1, log
    for folder in set(out.glob("*/seed-*")) - {killer.task.folder}:
        assert "resuming" not in (folder / "train.log").read_text()  # the others untouched


def test_ctrl_c_cancels_the_tasks_leaves_a_consistent_folder_and_the_same_command_resumes(tmp_path, ray_local, local):
    interrupt = lambda task, attempt: os.kill(os.getpid(), signal.SIGINT)  # as Ctrl-C in the terminal
    with pytest.raises(KeyboardInterrupt):
        run_on_ray(tmp_path, where=lambda attempt: True, hit=interrupt)
    out = tmp_path / "ray"
    interrupted = [run for run in map(RunDir, out.glob("*/seed-*")) if run.status() is Status.INTERRUPTED]
    assert interrupted
    for run in interrupted:  # the summary holds what the checkpoint and the metrics hold
        done = run.read_summary().epochs_completed
        assert done == len(run.read_metrics())
        if done:
            assert json.loads(run.file("checkpoints.json").read_text())[-1]["epochs_done"] == done
        else:  # interrupted before its first epoch ended: nothing to resume from, nothing claimed
            assert not run.file("checkpoints.json").exists()
    assert wait_until(lambda: not _trainings_in_scratch(), 60)  # every cancelled task stops its lrlab train
    statuses, _ = run_on_ray(tmp_path)  # the same command again
    assert set(statuses.values()) == {Status.COMPLETED, Status.DIVERGED}
    assert numbers(out) == numbers(local)


def test_a_rung_stops_a_training_after_its_epoch_and_it_goes_on_later_as_if_never_stopped(tmp_path, ray_local, local):
    run = load_experiment(experiment_file(tmp_path)).runs[0]
    task = Task(run, 0, tmp_path / "ray" / run.name / "seed-0")
    with RayExecutor() as executor:
        executor.submit(task, threads=1, until=2)  # what successive halving asks for a rung at epoch 2
        assert _wait_for_end(executor) == [Ended(task, 0)]
        assert (task.status(), task.epochs_done()) == (Status.STOPPED, 2)
        executor.submit(task, threads=1)  # promoted: on to the end
        assert _wait_for_end(executor) == [Ended(task, 0)]
    assert task.status() is Status.COMPLETED
    assert numbers(tmp_path / "ray")["constant/seed-0"] == numbers(local)["constant/seed-0"]


def test_a_driver_killed_outright_has_its_tasks_ended_by_ray_and_the_same_command_resumes(tmp_path, ray_local, local):
    out = tmp_path / "ray"
    command = ["run", str(experiment_file(tmp_path)), "--executor", "ray",
               "--address", ray.get_runtime_context().gcs_address, "--out", str(out)]
    kill_after_first_epoch(command, tmp_path, out)  # kill -9 `lrlab run`, a driver of the test's Ray
    # Ray ends a dead driver's tasks, and each stops its lrlab train
    assert wait_until(lambda: not _trainings_in_scratch(), 120), "a training outlived its driver"
    assert any(run.read_metrics() for run in map(RunDir, out.glob("*/seed-*")))  # an epoch was kept
    again = subprocess.run([sys.executable, "-m", "lrlab", *command], cwd=tmp_path, capture_output=True, text=True)
    assert again.returncode == 0, again.stdout + again.stderr
    assert numbers(out) == numbers(local)


def test_device_cuda_on_a_cluster_without_gpus_is_refused_before_anything_starts(tmp_path, ray_local):
    experiment = experiment_from_dict({"defaults": {"device": "cuda", "epochs": 1},
                                       "runs": [{"name": "gpu", "schedule": "constant(0.1)"}]})
    refused = "^run 'gpu': device='cuda' is unavailable: no CUDA GPU in the Ray cluster"
    with RayExecutor() as executor, pytest.raises(BackendUnavailable, match=refused):
        assert executor.gpus == 0
        run_experiment(experiment, tmp_path / "out", executor=executor)
    assert not (tmp_path / "out").exists()


def _wait_for_end(executor) -> list:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        ended = executor.poll(1.0)
        if ended:
            return ended
    raise AssertionError("the training did not end in 300 s")


def _trainings_in_scratch() -> list[str]:
    """The command lines of ``lrlab train`` processes training in a Ray worker's folder."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace")
        except OSError:
            continue
        if "lrlab-run-" in command and "train" in command:
            found.append(command)
    return found


def test_the_folders_of_workers_killed_mid_run_are_removed_by_the_next_task(tmp_path, ray_local, local):
    run_on_ray(tmp_path, where=lambda attempt: True, hit=lambda task, attempt: os.kill(attempt.worker, signal.SIGKILL))
    left = [folder for folder in _scratch_folders() if not _locked(folder)]  # the killed worker's, at least
    assert left
    for folder in left:  # as if made a minute ago: no task is making it now
        try:
            os.utime(folder, (time.time() - ABANDONED_AFTER - 1,) * 2)
        except FileNotFoundError:  # a task of the run above that was removing its own
            pass
    run = load_experiment(experiment_file(tmp_path)).runs[0]
    with RayExecutor() as executor:  # the next task on this machine
        executor.submit(Task(run, 0, tmp_path / "next" / run.name / "seed-0"), threads=1, until=1)
        assert _wait_for_end(executor)[0].returncode == 0
    assert not set(left) & set(_scratch_folders())


def _scratch_folders() -> list:
    return list(Path(tempfile.gettempdir()).glob(SCRATCH + "*"))


def _locked(folder) -> bool:
    try:
        with lock_if_present(folder):  # not folder_lock: it would make a folder that has just gone
            return False
    except FolderInUse:
        return True
