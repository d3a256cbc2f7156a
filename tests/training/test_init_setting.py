"""The ``init`` setting: xavier (lrlab's LeNets, the default) or the framework's own; it reaches
the torch model, is an ``lrlab train`` option, is recorded in config.json (an older folder without it
is xavier), refuses what a model cannot do in one line, and the as-printed experiment asks for torch's."""

import json
import math
from pathlib import Path

import pytest

from lrlab import models
from lrlab.cli import main
from lrlab.experiments import load_experiment
from lrlab.runfolder import RunDir
from lrlab.training.config import ConfigError, TrainConfig
from lrlab.training.loop import train

torch = pytest.importorskip("torch")

from lrlab.backends.torch import TorchBackend  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
LAYERS = [(1, 6, 25), (6, 16, 150), (16 * 25, 120, 400), (120, 84, 120), (84, 10, 84)]
"""The LeNet's convolutions and dense layers: (inputs, outputs, fan_in); fan_out = outputs x kernel."""


def initial_parameters(config, fashion_mnist):
    """The (weight, bias) pairs a torch backend built for ``config`` starts from."""
    model = TorchBackend(config.job(fashion_mnist.subset(config.train_subset, config.test_subset))).model
    layers = [layer for layer in model if isinstance(layer, (torch.nn.Conv2d, torch.nn.Linear))]
    return [(layer.weight.detach().clone(), layer.bias.detach().clone()) for layer in layers]


def test_xavier_is_the_default_and_the_setting_reaches_the_torch_model(tiny_config, fashion_mnist):
    assert TrainConfig("constant(0.1)").init == "xavier"
    default = initial_parameters(tiny_config(init="default"), fashion_mnist)
    xavier = initial_parameters(tiny_config(), fashion_mnist)
    for (_, outputs, fan_in), (w_default, b_default), (w_xavier, b_xavier) in zip(LAYERS, default, xavier):
        torch_bound = 1 / math.sqrt(fan_in)  # kaiming_uniform(a=sqrt(5)) = U(+-1/sqrt(fan_in))
        fan_out = outputs * w_default[0, 0].numel()  # outputs x the kernel's taps
        xavier_bound = math.sqrt(6 / (fan_in + fan_out))
        assert w_default.abs().max() <= torch_bound < w_default.abs().max() * 1.1
        assert w_xavier.abs().max() <= xavier_bound < w_xavier.abs().max() * 1.1
        assert torch.equal(b_default, b_xavier)  # the same draws; xavier then replaces the weights only
    # The dense layers' Xavier weights are about twice torch's default (the 400 -> 120 layer: 2.15x).
    assert xavier[2][0].abs().max() > 2 * default[2][0].abs().max()


def test_the_same_seed_and_init_give_the_same_weights(tiny_config, fashion_mnist):
    for init in models.INITS:
        first, again = (initial_parameters(tiny_config(init=init, seed=3), fashion_mnist) for _ in range(2))
        other = initial_parameters(tiny_config(init=init, seed=4), fashion_mnist)
        assert all(torch.equal(a, b) for pair, pair_again in zip(first, again) for a, b in zip(pair, pair_again))
        assert not torch.equal(first[0][0], other[0][0])


def test_the_books_tensorflow_variant_keeps_zero_biases_only_with_xavier(tiny_config, fashion_mnist):
    xavier = initial_parameters(tiny_config(model="lenet-d2l-tf"), fashion_mnist)
    default = initial_parameters(tiny_config(model="lenet-d2l-tf", init="default"), fashion_mnist)
    assert not any(bias.any() for _, bias in xavier)
    assert all(bias.any() for _, bias in default)  # torch's own biases


def test_a_bad_init_and_a_model_that_initialises_itself_are_one_line_errors(tmp_path, capsys, fashion_mnist,
                                                                          monkeypatch):
    with pytest.raises(ConfigError, match=r"^init='he' is invalid: must be one of xavier, default$"):
        TrainConfig("constant(0.1)", init="he")
    monkeypatch.setattr(models.registry.REGISTRY, "_entries", dict(models.registry.REGISTRY._entries))
    models.register_model("test-init-own", "a model that initialises itself", torch=lambda shape, classes: None)
    assert TrainConfig("constant(0.1)", model="test-init-own").init == "xavier"
    with pytest.raises(ConfigError, match=r"^init='default' is invalid for model 'test-init-own': "
                                          r"it initialises itself \(init='xavier' only\)$"):
        TrainConfig("constant(0.1)", model="test-init-own", init="default")
    with pytest.raises(models.ModelError, match="unknown init"):
        models.register_model("test-init-he", "", inits=("he",), torch=lambda shape, classes, init: None)
    assert main(["train", "--schedule", "constant(0.1)", "--init", "he", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "init='he'" in err and not (tmp_path / "run").exists()


def test_lrlab_train_records_the_init_and_an_older_folder_is_xavier(tmp_path, fashion_mnist):
    out = tmp_path / "default"
    assert main(["train", "--schedule", "constant(0.1)", "--epochs", "1", "--train-subset", "300", "--test-subset",
                 "100", "--batch-size", "100", "--threads", "1", "--init", "default", "--out", str(out)]) == 0
    assert RunDir(out).read_config()["config"]["init"] == "default"
    # A folder written before the setting existed: its config.json has no init; it resumes as xavier.
    older = tmp_path / "older"
    config = TrainConfig("constant(0.1)", epochs=2, train_subset=300, test_subset=100, batch_size=100, threads=1)
    train(TrainConfig(**(config.to_dict() | {"epochs": 1})), older, progress=False)
    document = json.loads((older / "config.json").read_text())
    del document["config"]["init"]
    document["config"]["epochs"] = 2
    (older / "config.json").write_text(json.dumps(document))
    assert TrainConfig.from_dict(RunDir(older).read_config()["config"]).init == "xavier"
    assert train(None, older, resume=True, progress=False).epochs_completed == 2


def test_the_as_printed_experiment_uses_torchs_default_init_and_the_chapter_xavier():
    printed = load_experiment(REPO / "experiments" / "d2l-as-printed.toml")
    chapter = load_experiment(REPO / "experiments" / "d2l-chapter.toml")
    assert {run.config(0).init for run in printed.runs} == {"default"}
    assert {run.config(0).init for run in chapter.runs} == {"xavier"}
