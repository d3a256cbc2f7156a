"""The report's calibration: a reliability diagram per run and the calibration columns beside accuracy."""

import csv
import json

import numpy as np
import pytest

from lrlab import metrics
from lrlab.report.load import load_results
from lrlab.report.reliability import pooled_bins
from lrlab.report.table import results_table
from lrlab.report.write import write_report


def add_calibration(folder, seed: int, temperature: bool) -> None:
    """Give a fake seed folder the calibration numbers lrlab writes: Brier and ECE in the final metrics,
    reliability bins (and temperature scaling's) in the summary."""
    rng = np.random.default_rng(seed)
    probabilities = metrics.softmax(rng.normal(size=(200, 10)) * 4)
    labels = rng.integers(0, 10, 200)
    summary = json.loads((folder / "summary.json").read_text())
    summary["final"] |= {"test_brier": 0.3 + seed / 100, "test_ece": 0.05 + seed / 100}
    summary["calibration"] = {"reliability": metrics.reliability_bins(probabilities, labels).to_dict()}
    if temperature:
        scaled = metrics.softmax(np.log(probabilities), 2.0)
        summary["calibration"]["temperature"] = {
            "held_out": 100, "temperature": 2.0, "test_nll": 0.4, "test_brier": 0.29, "test_ece": 0.02 + seed / 100,
            "reliability": metrics.reliability_bins(scaled, labels).to_dict()}
    else:
        averaged = (probabilities + metrics.softmax(np.log(probabilities), 1.5)) / 2
        summary["calibration"]["posterior"] = {"reliability": metrics.reliability_bins(averaged, labels).to_dict()}
    (folder / "summary.json").write_text(json.dumps(summary))


@pytest.fixture
def calibrated(run_folder):
    for seed in (0, 1):
        add_calibration(run_folder / "fast" / f"seed-{seed}", seed, temperature=True)
        add_calibration(run_folder / "slow" / f"seed-{seed}", seed + 2, temperature=False)
    return run_folder


def test_the_table_puts_calibration_beside_accuracy(calibrated):
    table = results_table(load_results(calibrated))
    assert table.header[2:10] == ["train loss", "train acc", "test loss", "test acc", "test Brier", "test ECE",
                                  "test NLL after T", "test ECE after T"]
    fast, slow = ([cell.text for cell in row] for row in table.rows)
    assert fast[6:10] == ["0.305 ± 0.007", "0.055 ± 0.007", "0.400 ± 0.000", "0.025 ± 0.007"]
    assert slow[6:10] == ["0.325 ± 0.007", "0.075 ± 0.007", "–", "–"]
    assert table.rows[0][7].bold and not table.rows[1][7].bold  # the lower ECE


def test_the_report_has_a_reliability_diagram_and_the_numbers_in_its_files(calibrated):
    out = write_report(calibrated)
    assert (out / "reliability.png").read_bytes().startswith(b"\x89PNG")
    text = (out / "report.md").read_text()
    assert "## Calibration" in text and "![reliability diagram per run" in text and "| test ECE |" in text
    rows = list(csv.DictReader((out / "results.csv").open()))
    assert [row["test_ece"] for row in rows] == ["0.05", "0.060000000000000005", "0.07", "0.08"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["runs"][0]["final"]["scaled_test_ece"]["n"] == 2


def test_the_diagram_pools_the_completed_seeds_bins(calibrated):
    run = load_results(calibrated).runs[0]
    pooled = pooled_bins(run)
    assert pooled.count.sum() == 400 and len(pooled.count) == metrics.BINS
    one, two = (metrics.ReliabilityBins.from_dict(seed.calibration["reliability"]) for seed in run.seeds)
    assert pooled.correct.tolist() == (one.correct + two.correct).tolist()
    assert pooled_bins(run, "temperature").count.sum() == 400
    assert pooled_bins(load_results(calibrated).runs[1], "temperature") is None
    assert pooled_bins(load_results(calibrated).runs[1], "posterior").count.sum() == 400
    assert pooled_bins(run, "posterior") is None


def test_folders_without_calibration_get_no_diagram_and_no_columns(run_folder):
    out = write_report(run_folder)
    assert not (out / "reliability.png").exists() and "## Calibration" not in (out / "report.md").read_text()
    assert "test ECE" not in results_table(load_results(run_folder)).header
