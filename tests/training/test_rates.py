"""A schedule that gives a NaN, infinite or negative rate anywhere in the planned run is refused before training."""

from __future__ import annotations

import pytest

from lrlab.cli import main
from lrlab.schedules import Schedule, parse, register
from lrlab.schedules.base import REGISTRY
from lrlab.schedules.params import param, rate, steps
from lrlab.training.config import ConfigError, TrainConfig
from lrlab.training.loop import train
from lrlab.training.rates import check_rates


@pytest.fixture(scope="module")
def falling():
    """A user's schedule that goes below 0 (or to NaN) after ``after`` steps."""

    @register("test_falling")
    class Falling(Schedule):
        """lr(t) = base_lr - drop * t (with ``nan_at``: NaN from that step on)."""
        base_lr: float = param(rate)
        drop: float = param(rate)
        nan_at: int = param(steps, 10**9)

        def value(self, t, xp):
            return xp.where(t >= self.nan_at, float("nan"), self.base_lr - self.drop * t)

    yield
    REGISTRY.pop("test_falling")


@pytest.mark.parametrize("spec, unit, message", [
    ("test_falling(base_lr=0.1, drop=0.001)", "step", "gives a negative rate (-0.0010000000000000009) at step 101 "
                                                      "of the planned 7050"),
    ("test_falling(base_lr=0.1, drop=0.0, nan_at=7049)", "step", "gives a NaN rate (nan) at step 7049 of the planned 7050"),
    ("test_falling(base_lr=0.1, drop=0.001)", "epoch", None),  # 30 epochs: 0.1 - 0.029, never below 0
    ("test_falling(base_lr=0.1, drop=0.01)", "epoch", "gives a negative rate"),
    ("10 * constant(1e308)", "epoch", "gives an infinite rate (inf) at epoch 0 of the planned 30"),
])
def test_every_step_of_the_planned_run_is_checked(falling, spec, unit, message):
    if message is None:
        check_rates(parse(spec), unit=unit, epochs=30, updates_per_epoch=235)
        return
    with pytest.raises(ConfigError, match="a rate must be a finite number >= 0") as error:
        check_rates(parse(spec), unit=unit, epochs=30, updates_per_epoch=235)
    assert message in str(error.value)


def test_a_bad_rate_is_refused_before_training_starts(falling, tmp_path, fashion_mnist, capsys):
    config = TrainConfig(schedule="test_falling(base_lr=0.1, drop=0.01)", unit="step", epochs=2,
                         train_subset=1000, test_subset=500, batch_size=100, threads=1)
    with pytest.raises(ConfigError, match="at step 11 of the planned 20"):
        train(config, tmp_path / "run", progress=False)
    assert not (tmp_path / "run").exists()
    status = main(["train", "--schedule", "10 * constant(1e308)", "--epochs", "1", "--train-subset", "1000",
                   "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and "gives an infinite rate" in err
    assert not (tmp_path / "run").exists()


def test_lrlab_run_refuses_a_bad_rate_before_any_training_starts(falling, tmp_path, fashion_mnist, capsys):
    """The runner checks every training's schedule first: the good run is not trained for nothing."""
    experiment = tmp_path / "e.toml"
    experiment.write_text('[defaults]\nepochs = 2\ntrain_subset = 1000\ntest_subset = 500\nbatch_size = 100\n'
                          'unit = "step"\n\n[[runs]]\nname = "good"\nschedule = "constant(0.1)"\n\n'
                          '[[runs]]\nname = "bad"\nschedule = "test_falling(base_lr=0.1, drop=0.02)"\n')
    status = main(["run", str(experiment), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1, err
    assert err.startswith("lrlab run: error: bad/seed-0: schedule ") and "gives a negative rate" in err
    assert "rate (-0.01999999999999999) at step 6 of the planned 20" in err
    assert not (tmp_path / "out" / "good").exists()
