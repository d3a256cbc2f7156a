"""Reading a run folder back: finals and curves as mean and sample std over seeds."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from lrlab.report.load import ReportError, load_results, mean_std

EPOCHS = 4  # as in conftest.py


def test_final_is_mean_and_sample_std_over_seeds(run_folder):
    fast, slow = load_results(run_folder).runs
    mean, std, n = fast.final("train_loss")
    last = 1.0 / EPOCHS
    assert (mean, n) == (pytest.approx(last + 0.005), 2)
    assert std == pytest.approx(np.std([last, last + 0.01], ddof=1))
    assert slow.final("test_acc")[0] == pytest.approx(0.4 + (EPOCHS - 1) / 10 + 0.005)


def test_curve_has_one_point_per_epoch(run_folder):
    fast = load_results(run_folder).runs[0]
    epochs, mean, std = fast.curve("train_loss")
    assert epochs.tolist() == list(range(1, EPOCHS + 1))
    assert mean == pytest.approx([1 / (e + 1) + 0.005 for e in range(EPOCHS)])
    assert std == pytest.approx(np.full(EPOCHS, np.std([0, 0.01], ddof=1)))


def test_unfinished_seeds_count_in_curves_but_not_in_finals(run_folder, make_seed_folder):
    folder = run_folder / "fast" / "seed-1"
    for child in folder.iterdir():
        child.unlink()
    folder.rmdir()
    make_seed_folder(folder, "constant(0.3)", 1, status="interrupted", epochs=2)
    fast = load_results(run_folder).runs[0]
    assert [s.status for s in fast.seeds] == ["completed", "interrupted"]
    assert fast.final("train_loss")[2] == 1 and math.isnan(fast.final("train_loss")[1])
    epochs, mean, std = fast.curve("test_acc")
    assert len(epochs) == EPOCHS and not np.isnan(std[:2]).any() and np.isnan(std[2:]).all()


def test_a_seed_that_never_started(run_folder):
    index = json.loads((run_folder / "index.json").read_text())
    index["runs"][0]["seeds"].append({"seed": 9, "folder": "fast/seed-9", "status": "pending"})
    (run_folder / "index.json").write_text(json.dumps(index))
    fast = load_results(run_folder).runs[0]
    assert fast.seeds[-1].status == "pending" and fast.seeds[-1].epochs == 0
    assert fast.final("test_acc")[2] == 2


def test_a_diverged_loss_is_nan(run_folder):
    path = run_folder / "slow" / "seed-0" / "metrics.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    rows[-1]["train_loss"] = None  # the run folder writes non-finite numbers as null
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    slow = load_results(run_folder).runs[1]
    assert np.isnan(slow.seeds[0].metrics["train_loss"][-1])


def test_a_last_line_cut_short_is_left_out(run_folder):
    path = run_folder / "fast" / "seed-0" / "metrics.jsonl"
    path.write_text(path.read_text() + '{"epoch": 4, "train_lo')
    assert load_results(run_folder).runs[0].seeds[0].epochs == EPOCHS


def test_not_a_run_folder(tmp_path):
    with pytest.raises(ReportError, match="no index.json"):
        load_results(tmp_path)


def test_mean_std_ignores_nan_without_warnings():
    with np.errstate(all="raise"):
        mean, std = mean_std(np.array([[1.0, 3.0], [np.nan, np.nan], [2.0, np.nan]]))
    assert mean[0] == 2 and np.isnan(mean[1]) and mean[2] == 2
    assert std[0] == pytest.approx(np.sqrt(2)) and np.isnan(std[1:]).all()
