"""``lrlab find-lr`` on real data: the files it writes, suggestions inside the range tried, a following
training left exactly as it was, one-line errors; torch, Keras and MXNet (handed to its environment)."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lrlab.cli import main
from lrlab.training.loop import train

SMALL = ["--train-subset", "1000", "--batch-size", "100", "--threads", "1", "--steps", "30"]
"""30 updates over 10 batches an epoch: the data order runs into its third epoch."""


def read(out: Path) -> tuple[dict, list[dict]]:
    document = json.loads((out / "suggestions.json").read_text())
    rows = list(csv.DictReader((out / "find-lr.csv").open()))
    return document, rows


def check_files(out: Path, seeds: list[int], min_lr: float, max_lr: float, backend: str) -> dict:
    document, rows = read(out)
    assert (out / "find-lr.png").stat().st_size > 10_000
    assert document["seeds"] == seeds and document["mode"] == "exp"
    assert document["schedule_min"] == min_lr and document["schedule_max"] == max_lr
    assert document["settings"]["backend"] == backend and document["settings"]["train_subset"] == 1000
    assert set(document["suggestions"]) == {"valley", "steep", "min_div_10"}
    for name, rates in document["suggestions"].items():
        assert len(rates) == len(seeds)
        low = min_lr / 10 if name == "min_div_10" else min_lr
        assert all(rate is None or low <= rate <= max_lr for rate in rates), (name, rates)
    assert [curve["seed"] for curve in document["curves"]] == seeds
    assert len(rows) == sum(curve["updates"] for curve in document["curves"])
    assert list(rows[0]) == ["seed", "step", "lr", "loss", "smoothed"]
    assert float(rows[0]["lr"]) == min_lr and rows[0]["loss"] == rows[0]["smoothed"]
    return document


def test_torch_over_two_seeds_writes_its_files_and_leaves_a_following_training_exactly_as_it_was(
        tiny_config, tmp_path, metric_numbers, capsys):
    config = tiny_config(epochs=2, seed=1)
    train(config, tmp_path / "alone", progress=False)
    status = main(["find-lr", *SMALL, "--seeds", "0,1", "--min-lr", "1e-3", "--max-lr", "1e4",
                   "--out", str(tmp_path / "find")])
    assert status == 0
    train(config, tmp_path / "after", progress=False)
    assert metric_numbers(tmp_path / "after") == metric_numbers(tmp_path / "alone")  # bitwise

    document = check_files(tmp_path / "find", [0, 1], 1e-3, 1e4, "torch")
    out = capsys.readouterr().out
    assert "seed 0:" in out and "seed 1:" in out and "over 2 seeds (geometric mean [min, max]):" in out
    # The chapter's LeNet (sigmoids) sits at chance loss for rates up to 10 or so; beyond, its loss takes off
    # and the test stops.
    assert all(curve["stopped"] and curve["updates"] < 30 for curve in document["curves"])


def test_the_linear_ramp_and_quick_mode(tmp_path, fashion_mnist, capsys):
    status = main(["find-lr", "--quick", "--batch-size", "500", "--threads", "1", "--steps", "12", "--mode", "linear",
                   "--min-lr", "0.01", "--max-lr", "0.5", "--seeds", "3,", "--out", str(tmp_path / "find")])
    assert status == 0
    document, rows = read(tmp_path / "find")
    assert document["settings"]["train_subset"] == 5000 and document["seeds"] == [3] and document["mode"] == "linear"
    rates = [float(row["lr"]) for row in rows]
    assert rates[:3] == pytest.approx([0.01, 0.01 + 0.49 / 11, 0.01 + 2 * 0.49 / 11])


def test_keras_writes_its_files_and_leaves_a_following_training_exactly_as_it_was(
        tiny_config, tmp_path, metric_numbers):
    config = tiny_config(backend="keras", epochs=1)
    train(config, tmp_path / "alone", progress=False)
    assert main(["find-lr", "--backend", "keras", *SMALL, "--min-lr", "1e-3", "--max-lr", "10",
                 "--out", str(tmp_path / "find")]) == 0
    train(config, tmp_path / "after", progress=False)
    assert metric_numbers(tmp_path / "after") == metric_numbers(tmp_path / "alone")
    check_files(tmp_path / "find", [0], 1e-3, 10.0, "keras")


def test_mxnet_runs_in_its_own_environment(tmp_path, fashion_mnist):
    python = os.environ.get("LRLAB_MXNET_PYTHON", "")
    if not Path(python).is_file():
        pytest.skip("no MXNet environment: run `make mxnet-env` and set LRLAB_MXNET_PYTHON (make test does both)")
    done = subprocess.run([sys.executable, "-m", "lrlab", "find-lr", "--backend", "mxnet", *SMALL,
                           "--min-lr", "1e-3", "--max-lr", "10", "--out", str(tmp_path / "find")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    check_files(tmp_path / "find", [0], 1e-3, 10.0, "mxnet")


def one_line_error(capsys, status, *needles):
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and err.startswith("lrlab find-lr: error: "), err
    for needle in needles:
        assert needle in err, err


@pytest.mark.parametrize("arguments, needles", [
    (["--min-lr", "1", "--max-lr", "0.1"], ["min_lr=1.0 must be below max_lr=0.1"]),
    (["--min-lr", "0.1", "--max-lr", "0.1"], ["must be below"]),
    (["--steps", "1"], ["steps=1 must be an integer >= 2"]),
    (["--mode", "log"], ["mode='log' must be one of exp, linear"]),
    (["--beta", "1"], ["beta=1.0"]),
    (["--backend", "jax"], ["backend='jax' is invalid", "torch, keras, mxnet"]),
    (["--seeds", "0"], ["--seeds='0' is invalid"]),
    (["--seeds", "a,b"], ["--seeds='a,b' is invalid"]),
    (["--seeds", "1,1"], ["listed twice"]),
    (["--momentum", "-1"], ["momentum=-1.0 is invalid"]),
    (["--train-subset", "70000"], ["train_subset=70000", "only 60000"]),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, fashion_mnist, arguments, needles):
    one_line_error(capsys, main(["find-lr", *arguments, "--out", str(tmp_path / "find")]), *needles)
    assert not (tmp_path / "find").exists()


def test_a_bad_range_is_one_line_in_a_real_process(tmp_path):
    done = subprocess.run([sys.executable, "-m", "lrlab", "find-lr", "--min-lr", "10", "--max-lr", "1",
                           "--out", str(tmp_path / "find")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stderr == "lrlab find-lr: error: min_lr=10.0 must be below max_lr=1.0\n"
