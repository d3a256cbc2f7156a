"""Quick mode on a data set of the user's own that is smaller than its limits: the whole set, not a refusal."""

from __future__ import annotations

import tomllib

import numpy as np

from lrlab.experiments import experiment_from_dict, runner
from lrlab.experiments.data_sizes import file_data_sizes

from test_runner import FakeExecutor


def small_npz(path, train: int = 400, test: int = 100):
    rng = np.random.default_rng(0)
    np.savez(path, x_train=rng.integers(0, 255, (train, 16, 16), dtype=np.uint8), y_train=np.arange(train) % 4,
             x_test=rng.integers(0, 255, (test, 16, 16), dtype=np.uint8), y_test=np.arange(test) % 4)
    return path


def test_a_file_data_set_is_counted_and_a_registered_or_missing_one_is_not(tmp_path):
    path = small_npz(tmp_path / "small.npz")
    assert file_data_sizes({"dataset": f"npz:{path}"}) == (400, 100)
    assert file_data_sizes({"dataset": "fashion-mnist"}) is None
    assert file_data_sizes({"dataset": f"npz:{tmp_path / 'nowhere.npz'}"}) is None  # the trainings will say


def test_quick_mode_previews_a_small_data_set_whole(tmp_path):
    path = small_npz(tmp_path / "small.npz")
    experiment = experiment_from_dict({
        "defaults": {"epochs": 2, "seeds": [0, 1]},
        "runs": [{"name": "own", "schedule": "constant(0.1)", "dataset": f"npz:{path}"},
                 {"name": "cut", "schedule": "constant(0.1)", "dataset": f"npz:{path}", "train_subset": 300}],
    })
    executor = FakeExecutor()
    runner.run_experiment(experiment, tmp_path / "out", quick=True, executor=executor)
    written = tomllib.loads((tmp_path / "out" / "experiment.toml").read_text())
    own, cut = written["runs"]
    assert (own["train_subset"], own["test_subset"]) == (400, 100)  # not 5,000 and 2,000: refused by each training
    assert (cut["train_subset"], cut["test_subset"]) == (300, 100)  # the run's own smaller subset stays
    assert sorted(name for name, _ in executor.submitted) == ["cut/seed-0", "own/seed-0"]  # one seed each
