"""The MXNet backend through the training loop on real data: it learns, applies the schedule
exactly on both clocks, resumes bitwise, reports divergence.

Runs in the MXNet environment (``bash scripts/mxnet-env.sh``); skipped where MXNet
does not import.
"""

import json
import math
import warnings

import numpy as np
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # mxnet's import, against numpy 1.23
    mx = pytest.importorskip("mxnet")

from lrlab.backends.mxnet import MXNetBackend  # noqa: E402
from lrlab.models.lenet_mxnet import lenet, lenet_d2l_tf  # noqa: E402
from lrlab.cli import main  # noqa: E402
from lrlab.training.loop import epoch_order, train  # noqa: E402
from lrlab.runfolder import RunDir  # noqa: E402




def layers(net):
    return [(type(layer).__name__, getattr(layer, "act", None) and layer.act._act_type) for layer in net]


def weights(net):
    return [p.data().asnumpy() for p in net.collect_params().values()]


def test_the_chapters_lenet_and_the_books_tensorflow_variant():
    modern, tf = lenet(), lenet_d2l_tf()
    assert layers(modern) == [("Conv2D", "relu"), ("MaxPool2D", None), ("Conv2D", "relu"), ("MaxPool2D", None),
                              ("Dense", "relu"), ("Dense", "relu"), ("Dense", None)]
    assert layers(tf) == [("Conv2D", "relu"), ("AvgPool2D", None), ("Conv2D", "relu"), ("AvgPool2D", None),
                          ("Dense", "relu"), ("Dense", "sigmoid"), ("Dense", None)]
    for net in (modern, tf):
        assert net(mx.nd.zeros((3, 1, 28, 28))).shape == (3, 10)
        assert sum(w.size for w in weights(net)) == 61706
    fan_ins = [25, 150, 400, 120, 84]
    for bias, fan_in in zip(weights(modern)[1::2], fan_ins):  # torch's default biases
        assert bias.any() and np.abs(bias).max() <= 1 / math.sqrt(fan_in)
    assert not any(bias.any() for bias in weights(tf)[1::2])  # Keras initialises biases to zero


def test_init_depends_on_the_seed_only(tiny_config, fashion_mnist):
    def initial(seed):
        config = tiny_config(backend="mxnet", seed=seed)
        return weights(MXNetBackend(config.job(fashion_mnist.subset(1000, 500))).net)

    first, again, other = initial(1), initial(1), initial(2)
    assert all((a == b).all() for a, b in zip(first, again))
    assert not (first[0] == other[0]).all()


def test_one_epoch_reports_the_first_and_last_rates_and_batches(tiny_config, fashion_mnist):
    config = tiny_config(backend="mxnet", schedule="linear(0.1, 0.0, 20)", unit="step", train_subset=950)
    data = fashion_mnist.subset(950, 500)
    trainer, batches = MXNetBackend(config.job(data)), []
    stats = trainer.train_epoch(0, epoch_order(0, 0, 950), lambda: batches.append(1))
    assert len(batches) == 10 and (stats.lr_first, stats.lr_last) == (0.1, config.schedule_obj(9))  # the last of 50
    assert 0 < stats.train_loss < 3 and 0 <= stats.train_acc <= 1
    test = trainer.evaluate()
    assert set(test) == {"test_acc", "test_loss", "test_brier", "test_ece"} and 0 <= test["test_acc"] <= 1 and 0 < test["test_loss"] < 3


def test_one_epoch_on_10k_examples_learns(tiny_config, tmp_path):
    config = tiny_config(backend="mxnet", schedule="constant(0.05)", momentum=0.9, batch_size=128,
                         train_subset=10_000, test_subset=2_000)
    summary = train(config, tmp_path / "run", progress=False)
    assert summary.status == "completed" and summary.epochs_completed == 1
    assert summary.final["test_acc"] > 0.6


def test_the_run_folder_records_mxnet(tiny_config, tmp_path):
    out = tmp_path / "run"
    train(tiny_config(backend="mxnet"), out, progress=False)
    document = json.loads((out / "config.json").read_text())
    assert set(document["versions"]) == {"python", "lrlab", "numpy", "mxnet"}
    assert document["versions"]["mxnet"] == mx.__version__
    assert (out / MXNetBackend.checkpoint_name).is_file()


@pytest.fixture
def applied(monkeypatch):
    """The rates MXNet's SGD really hands to its update operators, by its update count."""
    seen = {}
    real = mx.optimizer.SGD._get_lrs

    def recording(self, indices):
        rates = real(self, indices)
        seen.setdefault(self.num_update, set()).update(rates)
        return rates

    monkeypatch.setattr(mx.optimizer.SGD, "_get_lrs", recording)
    return seen


@pytest.mark.parametrize("unit", ["epoch", "step"])
def test_the_trainer_applies_exactly_the_scheduled_rate_at_every_update(tiny_config, tmp_path, applied, unit):
    config = tiny_config(backend="mxnet", schedule="cosine(max_update=25, base_lr=0.2, final_lr=0.01, warmup_steps=2)",
                         epochs=3, unit=unit)
    train(config, tmp_path / "run", progress=False)
    s = config.schedule_obj
    expected = [s(t) if unit == "step" else s(t // 10) for t in range(30)]
    assert sorted(applied) == list(range(1, 31))  # MXNet counts updates from 1
    assert [applied[n] for n in range(1, 31)] == [{rate} for rate in expected]  # one rate per update, bitwise
    rows = RunDir(tmp_path / "run").read_metrics()
    assert [(row.lr, row.lr_last) for row in rows] == [(expected[10 * e], expected[10 * e + 9]) for e in range(3)]


@pytest.mark.parametrize("unit", ["epoch", "step"])
def test_resume_after_an_interrupt_ends_exactly_as_an_uninterrupted_run(tiny_config, tmp_path, straight_and_resumed, metric_numbers, unit):
    config = tiny_config(backend="mxnet", schedule="cosine(max_update=20, base_lr=0.1, final_lr=0.01)" if unit == "step"
                         else "cosine(max_update=2, base_lr=0.1, final_lr=0.01)",
                         epochs=2, unit=unit, momentum=0.9, weight_decay=1e-4)
    straight, stopped, resumed = straight_and_resumed(config, MXNetBackend)
    assert stopped.epochs_completed == 1
    assert resumed.status == "completed" and resumed.final == straight.final
    assert metric_numbers(tmp_path / "resumed") == metric_numbers(tmp_path / "straight")


def test_the_same_config_twice_gives_the_same_metrics(tiny_config, tmp_path, metric_numbers):
    config = tiny_config(backend="mxnet", epochs=2, momentum=0.9, unit="step",
                         schedule="poly(max_update=20, base_lr=0.1, power=2)")
    train(config, tmp_path / "a", progress=False)
    train(config, tmp_path / "b", progress=False)
    assert metric_numbers(tmp_path / "a") == metric_numbers(tmp_path / "b")


def test_a_huge_rate_ends_the_run_as_diverged_not_a_crash(tiny_config, tmp_path):
    summary = train(tiny_config(backend="mxnet", schedule="constant(1e6)", epochs=3), tmp_path / "run", progress=False)
    assert summary.status == "diverged" and summary.epochs_completed == 1
    assert summary.message.startswith("diverged: the train loss became ")
    assert not (tmp_path / "run" / MXNetBackend.checkpoint_name).exists()


def test_the_books_tensorflow_variant_and_a_thread_count(tiny_config, tmp_path):
    summary = train(tiny_config(backend="mxnet", model="lenet-d2l-tf", threads=1), tmp_path / "run", progress=False)
    assert summary.status == "completed"


def test_lrlab_train_runs_it_in_this_environment(tiny_config, tmp_path, capsys):
    code = main(["train", "--backend", "mxnet", "--schedule", "constant(0.1)", "--epochs", "1",
                 "--train-subset", "1000", "--test-subset", "500", "--batch-size", "100", "--out", str(tmp_path / "run")])
    assert code == 0
    assert "\ncompleted: trained 1 epochs" in capsys.readouterr().out


def test_nesterov_is_mxnets_nag(tiny_config, fashion_mnist):
    config = tiny_config(backend="mxnet", momentum=0.9, nesterov=True, weight_decay=1e-4)
    trainer = MXNetBackend(config.job(fashion_mnist.subset(1000, 500))).trainer
    assert type(trainer._optimizer).__name__ == "NAG"
    assert (trainer._optimizer.momentum, trainer._optimizer.wd) == (0.9, 1e-4)


def test_the_init_setting_reaches_the_mxnet_model(tiny_config, fashion_mnist):
    """init="default" is MXNet's own: Uniform(0.07) weights, zero biases; the same seed, the same weights."""
    def initial(**overrides):
        config = tiny_config(backend="mxnet", **overrides)
        return weights(MXNetBackend(config.job(fashion_mnist.subset(1000, 500))).net)

    default, again, xavier = initial(init="default", seed=1), initial(init="default", seed=1), initial(seed=1)
    assert all((a == b).all() for a, b in zip(default, again))
    assert not any(bias.any() for bias in default[1::2]) and all(bias.any() for bias in xavier[1::2])
    for weight in default[0::2]:
        assert np.abs(weight).max() <= 0.07 < np.abs(weight).max() * 1.1
    assert np.abs(xavier[4]).max() > 0.07 * 1.1  # 400 -> 120: Xavier's bound is sqrt(6 / 520) = 0.107
