"""One experiment, three frameworks: ``lrlab run`` sends each run to its backend (MXNet to its own
environment's interpreter) and one report shows them side by side."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("tensorflow")

MIXED = """
title = "one schedule, three frameworks"
[defaults]
epochs = 2
train_subset = 2000
test_subset = 500
seeds = [0]
[[runs]]
name = "torch"
backend = "torch"
schedule = "cosine(max_update=2, base_lr=0.3, final_lr=0.01)"
[[runs]]
name = "keras"
backend = "keras"
schedule = "cosine(max_update=2, base_lr=0.3, final_lr=0.01)"
[[runs]]
name = "mxnet"
backend = "mxnet"
schedule = "cosine(max_update=2, base_lr=0.3, final_lr=0.01)"
book.mxnet = { train_loss = 0.343, train_acc = 0.878, test_acc = 0.859 }
"""


@pytest.fixture(scope="module")
def mxnet_python() -> str:
    python = os.environ.get("LRLAB_MXNET_PYTHON", "")
    if not Path(python).is_file():
        pytest.skip("no MXNet environment: run `make mxnet-env` and set LRLAB_MXNET_PYTHON (make test does both)")
    return python


def test_torch_keras_and_mxnet_runs_in_one_experiment_and_one_report(tmp_path, mxnet_python, fashion_mnist):
    experiment = tmp_path / "mixed.toml"
    experiment.write_text(MIXED)
    result = subprocess.run([sys.executable, "-m", "lrlab", "run", str(experiment), "--out", str(tmp_path / "out"),
                             "--jobs", "2", "--report"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]

    versions = {}
    for backend in ("torch", "keras", "mxnet"):
        folder = tmp_path / "out" / backend / "seed-0"
        assert json.loads((folder / "summary.json").read_text())["status"] == "completed"
        config = json.loads((folder / "config.json").read_text())
        assert config["config"]["backend"] == backend
        versions[backend] = config["versions"]
        rows = [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines()]
        assert [row["lr"] for row in rows] == [0.3, 0.155]  # the same scheduled values everywhere
    assert "mxnet" in versions["mxnet"] and versions["mxnet"]["numpy"].startswith("1.")
    assert "tensorflow" in versions["keras"]

    table = list(csv.DictReader((tmp_path / "out" / "report" / "results.csv").open()))
    assert sorted(row["run"] for row in table) == ["keras", "mxnet", "torch"]
    report = (tmp_path / "out" / "report" / "report.md").read_text()
    assert all(name in report for name in ("torch", "keras", "mxnet"))
