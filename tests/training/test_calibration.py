"""Calibration in every run (Brier and ECE per epoch, reliability bins and temperature scaling at the
end) and the torch backend's parameter samples (posterior predictive by sample averaging), on real data."""

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lrlab import metrics  # noqa: E402
from lrlab.backends.torch import TorchBackend  # noqa: E402
from lrlab.runfolder import RunDir  # noqa: E402
from lrlab.training.config import ConfigError  # noqa: E402
from lrlab.training.loop import epoch_order, load_data, train  # noqa: E402


def test_every_epoch_has_brier_and_ece_and_the_summary_has_the_reliability_bins(tiny_config, tmp_path):
    summary = train(tiny_config(epochs=2), tmp_path / "run", progress=False)
    rows = RunDir(tmp_path / "run").read_metrics()
    assert all(0 < row.test_brier < 2 and 0 <= row.test_ece <= 1 for row in rows)
    assert summary.final["test_ece"] == rows[-1].test_ece and summary.final["test_brier"] == rows[-1].test_brier
    bins = metrics.ReliabilityBins.from_dict(summary.calibration["reliability"])
    assert bins.count.sum() == 500 and len(bins.count) == metrics.BINS
    assert bins.ece == pytest.approx(rows[-1].test_ece, abs=1e-6)  # the same model, the same test set
    assert "temperature" not in summary.calibration  # holdout is off by default


def test_temperature_scaling_on_held_out_training_examples(tiny_config, tmp_path):
    config = tiny_config(epochs=2, holdout=300)
    summary = train(config, tmp_path / "run", progress=False)
    document = json.loads((tmp_path / "run" / "config.json").read_text())
    assert document["config"]["holdout"] == 300 and document["data"]["train"] == 700
    scaled = summary.calibration["temperature"]
    assert scaled["held_out"] == 300 and 0.01 < scaled["temperature"] < 100
    assert 0 <= scaled["test_ece"] <= 1 and 0 < scaled["test_nll"] < 3
    assert metrics.ReliabilityBins.from_dict(scaled["reliability"]).ece == pytest.approx(scaled["test_ece"])
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["calibration"] == summary.calibration


def test_a_holdout_must_leave_examples_to_train_on(tiny_config, tmp_path):
    with pytest.raises(ConfigError, match="holdout=1000 is invalid: it must leave examples to train on"):
        train(tiny_config(holdout=1000), tmp_path / "run", progress=False)


def test_one_sample_taken_at_the_last_update_predicts_as_the_model(tiny_config, tmp_path):
    """10 updates an epoch: every=10 samples after the epoch's last update, so the posterior predictive of
    that one sample is the model's own (up to the float32 sum of test_loss)."""
    train(tiny_config(posterior="burn_in=0,every=10,keep=1"), tmp_path / "run", progress=False)
    row = RunDir(tmp_path / "run").read_metrics()[0]
    assert row.posterior_samples == 1 and row.posterior_acc == row.test_acc
    assert row.posterior_nll == pytest.approx(row.test_loss, rel=1e-5)
    assert row.posterior_brier == pytest.approx(row.test_brier, rel=1e-9)
    assert row.posterior_ece == pytest.approx(row.test_ece, rel=1e-9)


def test_the_posterior_predictive_averages_the_samples_probabilities(tiny_config):
    config = tiny_config(epochs=3, posterior="burn_in=1,every=10,keep=2")  # after updates 19 and 29
    data = load_data(config)
    backend = TorchBackend(config.job(data))
    test_x, test_y = data.as_float32("test")
    probabilities = []
    for epoch in range(3):
        backend.train_epoch(epoch, epoch_order(config.seed, epoch, 1000), lambda: None)
        probabilities.append(metrics.softmax(backend.logits(test_x)))
        evaluated = backend.evaluate()
        assert evaluated["posterior_samples"] == epoch
    mean = (probabilities[1] + probabilities[2]) / 2
    expected = metrics.classification_metrics(mean, test_y)
    assert {name: evaluated[f"posterior_{name}"] for name in expected} == pytest.approx(expected, rel=1e-12)
    assert evaluated["posterior_nll"] != pytest.approx(evaluated["test_loss"], rel=1e-3)  # not the last model's
    backend.close()


def test_the_first_samples_are_dropped_beyond_keep_and_none_before_burn_in(tiny_config, tmp_path):
    train(tiny_config(epochs=3, posterior="burn_in=1,every=3,keep=4"), tmp_path / "run", progress=False)
    rows = RunDir(tmp_path / "run").read_metrics()
    assert [row.posterior_samples for row in rows] == [0, 3, 4]  # after updates 12, 15, 18; then 21, 24, 27
    assert rows[0].posterior_acc is None and rows[2].posterior_acc > 0.1
    state = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=True)["samples"]
    assert state["taken"] == 6 and len(state["states"]) == 4
    posterior = metrics.ReliabilityBins.from_dict(RunDir(tmp_path / "run").read_summary().calibration["posterior"]["reliability"])
    assert posterior.count.sum() == 500 and posterior.ece == pytest.approx(rows[2].posterior_ece, rel=1e-12)


def test_a_resumed_run_keeps_its_samples_bitwise(tiny_config, tmp_path, straight_and_resumed, metric_numbers):
    config = tiny_config(epochs=3, momentum=0.9, posterior="burn_in=0,every=4,keep=3")
    straight, stopped, resumed = straight_and_resumed(config, TorchBackend)
    assert stopped.status == "interrupted" and resumed.final == straight.final
    assert metric_numbers(tmp_path / "resumed") == metric_numbers(tmp_path / "straight")
    one, two = (torch.load(tmp_path / name / "checkpoint.pt", weights_only=True)["samples"]
                for name in ("straight", "resumed"))
    assert one["taken"] == two["taken"] == 7
    assert all(torch.equal(a[key], b[key]) for a, b in zip(one["states"], two["states"], strict=True) for key in a)
    assert resumed.calibration == straight.calibration
