"""The run folder: atomic whole-file writes, metrics lines, truncation on resume, strict JSON."""

import json

import pytest

from lrlab.training.rundir import RunDir, RunDirError, atomic_path, write_json


def test_atomic_path_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "summary.json"
    write_json(target, {"status": "running"})
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text('{"status": "compl')
            raise RuntimeError("killed mid-write")
    assert json.loads(target.read_text()) == {"status": "running"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"]


def test_metrics_append_read_and_truncate(tmp_path):
    run = RunDir(tmp_path / "run")
    run.create()
    for epoch in range(3):
        run.append_metrics({"epoch": epoch, "train_loss": 1.0 / (epoch + 1)})
    assert [row["epoch"] for row in run.read_metrics()] == [0, 1, 2]
    kept = [{"epoch": 0, "train_loss": 1.0}, {"epoch": 1, "train_loss": 0.5}]
    assert run.truncate_metrics(2) == run.read_metrics() == kept


def test_a_line_cut_short_by_a_crash_is_ignored(tmp_path):
    run = RunDir(tmp_path)
    run.append_metrics({"epoch": 0})
    with open(run.file("metrics.jsonl"), "a") as stream:
        stream.write('{"epoch": 1, "tra')
    assert run.read_metrics() == [{"epoch": 0}]
    assert run.truncate_metrics(5) == [{"epoch": 0}]
    assert run.file("metrics.jsonl").read_text() == '{"epoch": 0}\n'


def test_non_finite_numbers_are_written_as_null(tmp_path):
    write_json(tmp_path / "s.json", {"final": {"loss": float("nan"), "acc": float("inf")}, "n": [float("-inf")]})
    assert json.loads((tmp_path / "s.json").read_text()) == {"final": {"loss": None, "acc": None}, "n": [None]}


def test_a_new_run_never_overwrites_an_old_one(tmp_path):
    run = RunDir(tmp_path / "run")
    run.create()
    run.write_config({"config": {}})
    with pytest.raises(RunDirError, match="already holds a run; resume it with --resume"):
        run.create()
    with pytest.raises(RunDirError, match="holds no run"):
        RunDir(tmp_path / "other").read_config()
