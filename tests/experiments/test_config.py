"""The experiment file: what is accepted, and an error naming file, key and problem for each mistake."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import tomli_w

from lrlab.experiments import ExperimentError, experiment_from_dict, load_experiment, quick_version
from lrlab.experiments.config import QUICK
from lrlab.schedules import parse

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, as the tomli package
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]
GOOD_RUN = {"name": "a", "schedule": "constant(0.3)"}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "exp.toml"
    path.write_text(text)
    return path


def error_of(data: dict, source: str = "exp.toml") -> str:
    with pytest.raises(ExperimentError) as caught:
        experiment_from_dict(data, source)
    return str(caught.value)


def test_defaults_apply_and_runs_override(tmp_path):
    path = write(tmp_path, """
title = "t"
[defaults]
epochs = 5
seeds = [0, 1]
[[runs]]
name = "a"
schedule = "constant(0.3)"
[[runs]]
name = "b"
label = "B"
schedule = "cosine(max_update=20, base_lr=0.3)"
epochs = 3
seeds = [7]
unit = "step"
""")
    a, b = load_experiment(path).runs
    assert (a.seeds, a.config(1).epochs, a.label) == ((0, 1), 5, "a")
    assert (b.seeds, b.config(7).epochs, b.config(7).unit, b.label) == ((7,), 3, "step", "B")
    assert b.config(7).seed == 7 and b.config(7).schedule == repr(parse("cosine(20, 0.3)"))


def test_to_dict_round_trips_through_toml():
    experiment = load_experiment(REPO / "experiments" / "d2l-chapter.toml")
    again = experiment_from_dict(tomllib.loads(tomli_w.dumps(experiment.to_dict())))
    assert again == experiment
    assert quick_version(again) == experiment_from_dict(quick_version(experiment).to_dict())


@pytest.mark.parametrize("name", ["d2l-chapter.toml", "d2l-as-printed.toml"])
def test_shipped_experiments_are_valid(name):
    experiment = load_experiment(REPO / "experiments" / name)
    assert [run.name for run in experiment.runs] == ["constant", "square-root", "multi-factor", "cosine", "cosine-warmup"]
    for run in experiment.runs:
        assert run.seeds == (0, 1, 2) and run.config(0).epochs == 30 and run.config(0).batch_size == 256
        assert set(run.book["torch"]) == {"train_loss", "train_acc", "test_acc"}


@pytest.mark.parametrize("path", sorted((REPO / "experiments").glob("*.toml")), ids=lambda p: p.name)
def test_every_shipped_experiment_file_is_valid(path):
    if "search = \"tpe\"" in path.read_text():
        pytest.importorskip("optuna")  # lrlab[optuna]
    experiment = load_experiment(path)
    assert (experiment.runs or experiment.tpe_sweeps) and all(run.seeds for run in experiment.runs)


def test_the_frameworks_experiment_runs_one_schedule_on_three_backends():
    runs = load_experiment(REPO / "experiments" / "d2l-frameworks.toml").runs
    assert {run.config(0).backend for run in runs} == {"torch", "keras", "mxnet"}
    assert len({run.schedule for run in runs}) == 1


def test_as_printed_is_the_chapter_one_epoch_late():
    chapter = {r.name: parse(r.schedule) for r in load_experiment(REPO / "experiments" / "d2l-chapter.toml").runs}
    printed = {r.name: parse(r.schedule) for r in load_experiment(REPO / "experiments" / "d2l-as-printed.toml").runs}
    initial = {"constant": 0.3, "square-root": 0.1, "cosine": 0.3, "cosine-warmup": 0.3}
    for name, lr0 in initial.items():
        assert printed[name](0) == lr0
        assert [printed[name](e) for e in range(1, 30)] == pytest.approx([chapter[name](e - 1) for e in range(1, 30)])
    assert {printed["multi-factor"](e) for e in range(30)} == {0.125}


def test_quick_version_shrinks_data_and_seeds_only():
    experiment = experiment_from_dict({"defaults": {"seeds": [3, 4], "train_subset": 1000},
                                       "runs": [GOOD_RUN, {"name": "b", "schedule": "constant(0.1)", "epochs": 50}]})
    a, b = quick_version(experiment).runs
    assert a.seeds == b.seeds == (3,)
    assert a.config(3).train_subset == 1000  # already smaller: kept
    assert a.config(3).test_subset == QUICK["test_subset"]
    assert b.config(3).epochs == min(50, QUICK["epochs"])


@pytest.mark.parametrize("data, key, problem", [
    ({"runs": []}, "runs", "no runs"),
    ({}, "runs", "no runs"),
    ({"runs": GOOD_RUN}, "runs", "write [[runs]]"),
    ({"run": [GOOD_RUN]}, "run", "did you mean 'runs'"),
    ({"defaults": {"seed": 1}, "runs": [GOOD_RUN]}, "defaults.seed", "did you mean 'seeds'"),
    ({"defaults": {"epoch": 1}, "runs": [GOOD_RUN]}, "defaults.epoch", "did you mean 'epochs'"),
    ({"defaults": {"schedule": "constant(1)"}, "runs": [GOOD_RUN]}, "defaults.schedule", "per run"),
    ({"defaults": 3, "runs": [GOOD_RUN]}, "defaults", "must be a table"),
    ({"defaults": {"seeds": []}, "runs": [GOOD_RUN]}, "defaults.seeds", "non-empty list"),
    ({"defaults": {"seeds": 0}, "runs": [GOOD_RUN]}, "defaults.seeds", "non-empty list"),
    ({"defaults": {"seeds": [0, -1]}, "runs": [GOOD_RUN]}, "defaults.seeds", "-1 is invalid"),
    ({"defaults": {"seeds": [1, 1]}, "runs": [GOOD_RUN]}, "defaults.seeds", "distinct"),
    ({"defaults": {"epochs": 0}, "runs": [GOOD_RUN]}, "defaults.epochs", "0 is invalid: must be an integer >= 1"),
    ({"defaults": {"epochs": 2.5}, "runs": [GOOD_RUN]}, "defaults.epochs", "must be an integer"),
    ({"defaults": {"batch_size": True}, "runs": [GOOD_RUN]}, "defaults.batch_size", "must be an integer"),
    ({"defaults": {"backend": "jax"}, "runs": [GOOD_RUN]}, "defaults.backend", "must be one of torch, keras, mxnet"),
    ({"defaults": {"data_dir": 3}, "runs": [GOOD_RUN]}, "defaults.data_dir", "folder path"),
    ({"runs": [GOOD_RUN, {"name": "b", "schedule": "cosin(20, 0.3)"}]}, "runs[1].schedule", "did you mean cosine"),
    ({"runs": [{"name": "a", "schedule": "cosine(20, 0.3, warmup_steps=30)"}]}, "runs[0].schedule",
     "warmup_steps=30 is invalid: must be < max_update (20)"),
    ({"runs": [{"name": "a", "schedule": "constant(0.3"}]}, "runs[0].schedule", "malformed schedule spec"),
    ({"runs": [{"name": "a", "schedule": 0.3}]}, "runs[0].schedule", "non-empty string"),
    ({"runs": [{"name": "a"}]}, "runs[0].schedule", "missing"),
    ({"runs": [{"schedule": "constant(1)"}]}, "runs[0].name", "missing"),
    ({"runs": [{"name": "a/b", "schedule": "constant(1)"}]}, "runs[0].name", "folder name"),
    ({"runs": [{"name": "..", "schedule": "constant(1)"}]}, "runs[0].name", "folder name"),
    ({"runs": [GOOD_RUN, GOOD_RUN]}, "runs[1].name", "already the name of runs[0]"),
    ({"runs": ["constant(1)"]}, "runs[0]", "must be a table"),
    ({"runs": [GOOD_RUN | {"label": 3}]}, "runs[0].label", "must be a string"),
    ({"runs": [GOOD_RUN | {"sedes": [1]}]}, "runs[0].sedes", "did you mean 'seeds'"),
    ({"runs": [GOOD_RUN | {"momentum": -1}]}, "runs[0].momentum", "must be a finite number >= 0"),
    ({"runs": [GOOD_RUN | {"unit": "epochs"}]}, "runs[0].unit", "must be one of epoch, step"),
    ({"runs": [GOOD_RUN | {"train_subset": 0}]}, "runs[0].train_subset", "must be an integer >= 1"),
    ({"runs": [GOOD_RUN | {"book": 0.9}]}, "runs[0].book", "table per backend"),
    ({"runs": [GOOD_RUN | {"book": {"tensorflow": {"test_acc": 0.9}}}]}, "runs[0].book.tensorflow", "did you mean 'keras'"),
    ({"runs": [GOOD_RUN | {"book": {"torch": {}}}]}, "runs[0].book.torch", "must be a table of any of"),
    ({"runs": [GOOD_RUN | {"book": {"torch": {"test_accuracy": 0.9}}}]}, "runs[0].book.torch.test_accuracy",
     "did you mean 'test_acc'"),
    ({"runs": [GOOD_RUN | {"book": {"torch": {"test_acc": 87.7}}}]}, "runs[0].book.torch.test_acc", "in [0, 1]"),
    ({"runs": [GOOD_RUN | {"book": {"torch": {"train_loss": "low"}}}]}, "runs[0].book.torch.train_loss", ">= 0"),
    ({"title": 1, "runs": [GOOD_RUN]}, "title", "must be a string"),
])
def test_each_mistake_names_file_key_and_problem(data, key, problem):
    message = error_of(data)
    assert message.startswith(f"exp.toml: {key}: "), message
    assert problem in message


def test_a_file_that_is_not_toml(tmp_path):
    path = write(tmp_path, "[[runs]\nname = 'a'\n")
    with pytest.raises(ExperimentError, match=rf"^{path}: not valid TOML: "):
        load_experiment(path)


def test_a_missing_file(tmp_path):
    with pytest.raises(ExperimentError, match="cannot read the experiment file"):
        load_experiment(tmp_path / "nothing.toml")


def test_errors_are_value_errors():
    assert issubclass(ExperimentError, ValueError)
