"""experiments/beyond-schedules.toml says what its comments say: SGD constant and the chapter's cosine
(once more with 5,000 images held out for temperature scaling), schedule-free SGD at three rates behind
a one-epoch warmup, SGLD with a constant and a decaying step size from 1e-5 to 1e-6 over the 7050
updates of 30 epochs, keeping a sample an epoch after 10; 3 seeds each."""

from pathlib import Path

import pytest

from lrlab.experiments import load_experiment
from lrlab.schedules import SGLD, parse

REPO = Path(__file__).resolve().parents[2]


def test_the_runs_and_their_optimizers():
    runs = {run.name: run for run in load_experiment(REPO / "experiments" / "beyond-schedules.toml").runs}
    configs = {name: run.config(0) for name, run in runs.items()}
    assert {name: config.optimizer for name, config in configs.items()} == {
        "sgd-constant": "sgd", "sgd-cosine": "sgd", "sgd-cosine-holdout": "sgd", "schedule-free-1": "schedule-free-sgd",
        "schedule-free-2": "schedule-free-sgd", "schedule-free-4": "schedule-free-sgd",
        "sgld-constant": "sgld", "sgld-decay": "sgld"}
    assert all(run.seeds == (0, 1, 2) and configs[name].epochs == 30 for name, run in runs.items())
    assert configs["sgd-cosine"].schedule == "cosine(max_update=20, base_lr=0.3, final_lr=0.01)"
    assert configs["sgd-cosine-holdout"].schedule == configs["sgd-cosine"].schedule
    assert (configs["sgd-cosine"].holdout, configs["sgd-cosine-holdout"].holdout) == (0, 5000)
    for rate in (1, 2, 4):
        config = configs[f"schedule-free-{rate}"]
        assert (config.momentum, config.unit) == (0.9, "step")
        assert parse(config.schedule).sample(300).tolist() == [rate * min(t / 235, 1) for t in range(300)]
    decay = configs["sgld-decay"]
    assert decay.unit == "step" and parse(decay.schedule) == SGLD.from_rates(1e-5, 1e-6, 30 * 235, 0.55)
    assert (decay.prior_precision, decay.temperature) == (1.0, 1.0)
    for name, config in configs.items():
        assert config.posterior == ("burn_in=10,every=235,keep=20" if config.optimizer == "sgld" else None)
