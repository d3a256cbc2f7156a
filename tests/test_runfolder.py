"""The run folder: atomic whole-file writes, metrics rows, truncation on resume, strict JSON, the typed
summary and status, and the folders of earlier versions."""

import json

import pytest

from lrlab.runfolder import (CALIBRATION_METRICS, FINISHED, METRICS, POSTERIOR_METRICS, SCHEMA_VERSION, MetricsRow, RunDir, RunDirError, Status, Summary,
                             atomic_path, write_json)


def row(epoch: int, **numbers) -> MetricsRow:
    return MetricsRow(**{"epoch": epoch, "lr": 0.1, "lr_last": 0.1, "train_loss": 1.0 / (epoch + 1),
                         "train_acc": 0.5, "test_acc": 0.5, "test_loss": 0.9} | numbers)


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
        run.append_metrics(row(epoch))
    assert [r.epoch for r in run.read_metrics()] == [0, 1, 2]
    assert run.truncate_metrics(2) == run.read_metrics() == [row(0), row(1)]


def test_a_line_cut_short_by_a_crash_is_ignored(tmp_path):
    run = RunDir(tmp_path)
    run.append_metrics(row(0))
    with open(run.file("metrics.jsonl"), "a") as stream:
        stream.write('{"epoch": 1, "tra')
    assert run.read_metrics() == [row(0)]
    assert run.truncate_metrics(5) == [row(0)]
    assert run.file("metrics.jsonl").read_text() == json.dumps(row(0).to_dict()) + "\n"


def test_non_finite_numbers_are_written_as_null(tmp_path):
    write_json(tmp_path / "s.json", {"final": {"loss": float("nan"), "acc": float("inf")}, "n": [float("-inf")]})
    assert json.loads((tmp_path / "s.json").read_text()) == {"final": {"loss": None, "acc": None}, "n": [None]}
    run = RunDir(tmp_path)
    run.append_metrics(row(0, train_loss=float("nan")))
    assert run.read_metrics()[0].train_loss is None


def test_a_new_run_never_overwrites_an_old_one(tmp_path):
    run = RunDir(tmp_path / "run")
    run.create()
    run.write_config({"config": {}})
    with pytest.raises(RunDirError, match="already holds a run; resume it with --resume"):
        run.create()
    with pytest.raises(RunDirError, match="holds no run"):
        RunDir(tmp_path / "other").read_config()


def test_status_is_a_string_in_every_file_and_pending_without_a_summary(tmp_path):
    run = RunDir(tmp_path)
    assert run.status() is Status.PENDING and run.read_summary() is None
    run.write_summary(Summary(Status.DIVERGED, 1, 3, None, "diverged"))
    assert json.loads(run.file("summary.json").read_text())["status"] == "diverged"
    assert run.status() is Status.DIVERGED and run.status() == "diverged" and run.status().finished
    assert FINISHED == {Status.COMPLETED, Status.DIVERGED, Status.STUCK, Status.STOPPED}
    assert not any(status.finished for status in Status if status not in FINISHED)
    assert json.dumps({"status": Status.FAILED}) == '{"status": "failed"}' and f"{Status.FAILED}" == "failed"


def test_the_summary_of_rows_and_back(tmp_path):
    rows = [row(0), row(1, test_acc=0.75)]
    summary = Summary.of_rows(Status.COMPLETED, rows, 2, "trained 2 epochs", 3.5)
    assert summary.final == {"train_loss": 0.5, "train_acc": 0.5, "test_loss": 0.9, "test_acc": 0.75,
                             "test_brier": None, "test_ece": None}
    assert tuple(summary.final) == METRICS + CALIBRATION_METRICS
    run = RunDir(tmp_path)
    run.write_summary(summary)
    assert run.read_summary() == summary
    assert Summary.of_rows(Status.RUNNING, [], 2, "", 0.0).final is None


def test_a_folder_of_schema_version_0_reads(tmp_path):
    """Written before schema_version and test_loss existed: no schema_version, rows and final without test_loss."""
    (tmp_path / "config.json").write_text(json.dumps({"config": {"schedule": "constant(0.1)"}}))
    old_row = {"epoch": 0, "lr": 0.1, "lr_last": 0.1, "train_loss": 1.0, "train_acc": 0.6, "test_acc": 0.7,
               "epoch_seconds": 1.0, "examples_per_second": 1000.0}
    (tmp_path / "metrics.jsonl").write_text(json.dumps(old_row) + "\n")
    (tmp_path / "summary.json").write_text(json.dumps({
        "status": "completed", "epochs_completed": 1, "epochs": 1, "message": "", "wall_seconds": 1.0,
        "final": {"train_loss": 1.0, "train_acc": 0.6, "test_acc": 0.7}}))
    run = RunDir(tmp_path)
    assert run.read_config()["schema_version"] == 0
    assert run.read_metrics() == [MetricsRow(**old_row)] and run.read_metrics()[0].test_loss is None
    assert run.read_summary().final == {"train_loss": 1.0, "train_acc": 0.6, "test_loss": None, "test_acc": 0.7,
                                        "test_brier": None, "test_ece": None}
    assert run.read_summary().calibration is None


def test_posterior_metrics_are_written_only_for_a_run_that_collects_samples(tmp_path):
    run = RunDir(tmp_path / "run")
    run.create()
    run.append_metrics(row(0, test_brier=0.3, test_ece=0.05))
    run.append_metrics(row(1, posterior_samples=2, posterior_acc=0.8, posterior_nll=0.5, posterior_brier=0.28,
                           posterior_ece=0.02))
    first, second = (json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines())
    assert not set(POSTERIOR_METRICS) & set(first) and first["test_ece"] == 0.05
    assert set(POSTERIOR_METRICS) <= set(second)
    rows = run.read_metrics()
    assert rows[0].posterior_samples is None and rows[1].posterior_nll == 0.5
    summary = Summary.of_rows(Status.COMPLETED, rows, 2, "", 1.0, calibration={"temperature": {"t": 1.5}})
    assert tuple(summary.final) == METRICS + CALIBRATION_METRICS + POSTERIOR_METRICS
    run.write_summary(summary)
    assert run.read_summary() == summary and run.read_summary().calibration == {"temperature": {"t": 1.5}}


def test_a_new_run_is_marked_with_the_schema_version_and_a_newer_one_is_refused(tmp_path):
    run = RunDir(tmp_path)
    run.write_config({"config": {"schedule": "constant(0.1)"}})
    assert json.loads(run.file("config.json").read_text())["schema_version"] == SCHEMA_VERSION == 1
    write_json(run.file("config.json"), {"schema_version": SCHEMA_VERSION + 1, "config": {}})
    with pytest.raises(RunDirError, match="newer than this lrlab reads"):
        run.read_config()


def test_runfolder_imports_nothing_from_lrlab():
    import ast
    import inspect

    import lrlab.runfolder

    tree = ast.parse(inspect.getsource(lrlab.runfolder))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "." for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 0}
    assert not any(isinstance(node, ast.ImportFrom) and node.level for node in ast.walk(tree))
    assert not {name for name in imported if name.split(".")[0] == "lrlab"}
