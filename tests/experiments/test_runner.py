"""The runner's pieces that need no training: interpreters, and summaries settled after a child dies."""

from __future__ import annotations

import importlib.util
import json
import signal
import sys

import pytest

from lrlab.experiments import experiment_from_dict
from lrlab.experiments import runner
from lrlab.experiments.runner import Task, interpreter
from lrlab.training.backend import BackendUnavailable


def test_torch_and_keras_run_in_this_python():
    assert interpreter("torch") == interpreter("keras") == sys.executable


@pytest.fixture
def no_mxnet_here():
    if importlib.util.find_spec("mxnet") is not None:
        pytest.skip("MXNet imports here: its runs need no other interpreter")


def test_mxnet_runs_in_its_own_environment(monkeypatch, tmp_path, no_mxnet_here):
    python = tmp_path / "mxnet-venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.touch()
    monkeypatch.setenv("LRLAB_MXNET_PYTHON", str(python))
    assert interpreter("mxnet") == str(python)


def test_an_experiment_with_mxnet_but_no_environment_fails_before_training(monkeypatch, tmp_path, no_mxnet_here):
    monkeypatch.setenv("LRLAB_MXNET_PYTHON", str(tmp_path / "missing" / "python"))
    experiment = experiment_from_dict({"runs": [{"name": "a", "schedule": "constant(0.3)", "backend": "mxnet"}]})
    with pytest.raises(BackendUnavailable, match="make mxnet-env"):
        runner.run_experiment(experiment, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def make_task(tmp_path, status: str) -> Task:
    run = experiment_from_dict({"runs": [{"name": "a", "schedule": "constant(0.3)"}]}).runs[0]
    task = Task(run, 0, tmp_path / "a" / "seed-0")
    task.folder.mkdir(parents=True)
    (task.folder / "summary.json").write_text(json.dumps({"status": status, "epochs_completed": 0, "epochs": 30,
                                                          "final": None, "message": "", "wall_seconds": 0.0}))
    return task


def test_a_child_killed_while_running_leaves_no_running_summary(tmp_path):
    task = make_task(tmp_path, "running")
    runner._settle(task, -signal.SIGKILL)
    assert task.status() == "failed"
    task = make_task(tmp_path / "b", "running")
    runner._settle(task, 130)
    assert task.status() == "interrupted"


def test_a_final_summary_is_left_alone(tmp_path):
    task = make_task(tmp_path, "completed")
    runner._settle(task, 0)
    assert task.status() == "completed"


def test_epochs_done_counts_finished_lines_only(tmp_path):
    task = make_task(tmp_path, "running")
    assert task.epochs_done() == 0
    row = {"epoch": 0, "lr": 0.3, "lr_last": 0.3, "train_loss": 1.0, "train_acc": 0.5, "test_acc": 0.5}
    (task.folder / "metrics.jsonl").write_text(f"{json.dumps(row)}\n{json.dumps(row | {'epoch': 1})}\n{{\"epo")
    assert task.epochs_done() == 2


def test_a_folder_written_before_a_setting_existed_holds_its_default(tmp_path):
    """config.json written without precision (a later field, with a default) is not "other settings"."""
    task = make_task(tmp_path, "interrupted")
    stored = task.config.to_dict()
    del stored["precision"]
    (task.folder / "config.json").write_text(json.dumps({"config": stored | {"threads": 2}}))
    runner._check_same_config(task)
    other = Task(experiment_from_dict({"runs": [{"name": "a", "schedule": "constant(0.3)", "precision": "bf16"}]}).runs[0],
                 0, task.folder)
    with pytest.raises(runner.ExperimentError, match=r"other settings \(precision 'fp32' -> 'bf16'\)"):
        runner._check_same_config(other)


def three_small_runs():
    """Runs a, b and c: one seed, one epoch of 1,000 images each."""
    return experiment_from_dict({
        "defaults": {"epochs": 1, "train_subset": 1000, "test_subset": 500, "seeds": [0]},
        "runs": [{"name": name, "schedule": "constant(0.1)"} for name in ("a", "b", "c")],
    })


def trained_with(out):
    """The run folders of :func:`three_small_runs` in ``out``, and the threads each trained with."""
    folders = [out / name / "seed-0" for name in ("a", "b", "c")]
    return folders, [json.loads((folder / "config.json").read_text())["config"]["threads"] for folder in folders]


def test_the_last_training_gets_the_cores_the_others_have_freed(tmp_path, monkeypatch, fashion_mnist):
    """Three trainings, two at a time on two cores: one thread each for the first two; the third
    (alone at the end) gets both cores, and starts only once both others have finished."""
    monkeypatch.setattr(runner, "_cores", lambda: 2)
    statuses = runner.run_experiment(three_small_runs(), tmp_path, jobs=2)
    assert set(statuses.values()) == {"completed"}
    folders, threads = trained_with(tmp_path)
    assert threads == [1, 1, 2]
    started_last = (folders[2] / "train-config.json").stat().st_mtime
    assert all((folder / "summary.json").stat().st_mtime <= started_last for folder in folders[:2])


def test_by_default_three_trainings_share_two_cores_at_once(tmp_path, monkeypatch, fashion_mnist):
    """Without jobs, 3 trainings on 2 cores start together on one thread each (default_jobs),
    rather than two and then one alone on both cores."""
    monkeypatch.setattr(runner, "_cores", lambda: 2)
    assert set(runner.run_experiment(three_small_runs(), tmp_path).values()) == {"completed"}
    folders, threads = trained_with(tmp_path)
    assert threads == [1, 1, 1]
    started_last = (folders[2] / "train-config.json").stat().st_mtime
    assert all(started_last < (folder / "summary.json").stat().st_mtime for folder in folders[:2])
