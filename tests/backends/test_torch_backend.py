"""The torch backend: the chapter's two LeNets, the in-memory fast path, exact save/load, a clear import error."""

import importlib
import sys

import pytest

torch = pytest.importorskip("torch")

from lrlab.backends.torch import TorchBackend  # noqa: E402
from lrlab.backends.torch_lenet import build_lenet, forward  # noqa: E402
from lrlab.backends import BackendUnavailable, backend_class  # noqa: E402
from lrlab.training.loop import epoch_order  # noqa: E402


def backend(config, fashion_mnist):
    data = fashion_mnist.subset(config.train_subset, config.test_subset)
    return TorchBackend(config.job(data))


def layer_names(net):
    return [type(layer).__name__ for layer in net]


def parameters(model):
    return [p.detach().clone() for p in model.parameters()]


@pytest.mark.parametrize("model", ["lenet", "lenet-d2l-tf"])
def test_the_bf16_path_computes_the_network_to_bfloat16_rounding(model, fashion_mnist):
    """bfloat16 keeps 8 bits of mantissa: outputs within 1% of float32, and gradients
    pointing the same way; float32 in, float32 out, float32 gradients."""
    torch.manual_seed(0)
    net = build_lenet(model)
    x = torch.from_numpy(fashion_mnist.as_float32("train")[0][:64])
    slow, fast = net(x), forward(net, x, torch.bfloat16)
    assert fast.dtype == torch.float32
    assert (fast - slow).abs().max() <= 0.01 * slow.abs().max()  # measured: 0.35% and 0.05%
    for exact, rounded in zip(*(torch.autograd.grad(y.square().sum(), list(net.parameters())) for y in (slow, fast))):
        assert rounded.dtype == torch.float32
        assert torch.nn.functional.cosine_similarity(exact.flatten(), rounded.flatten(), dim=0) > 0.999


def test_the_chapters_lenet_and_the_books_tensorflow_variant():
    modern, tf = build_lenet("lenet"), build_lenet("lenet-d2l-tf")
    assert layer_names(modern) == ["Conv2d", "ReLU", "MaxPool2d", "Conv2d", "ReLU", "MaxPool2d", "Flatten",
                              "Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert layer_names(tf) == ["Conv2d", "ReLU", "AvgPool2d", "Conv2d", "ReLU", "AvgPool2d", "Flatten",
                          "Linear", "ReLU", "Linear", "Sigmoid", "Linear"]
    for net in (modern, tf):
        assert net(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
        assert sum(p.numel() for p in net.parameters()) == 61706
    assert not any(m.bias.detach().any() for m in tf if hasattr(m, "bias"))  # Keras initialises biases to zero


def test_init_depends_on_the_seed_only(tiny_config, fashion_mnist):
    first, again = (parameters(backend(tiny_config(seed=1), fashion_mnist).model) for _ in range(2))
    other = parameters(backend(tiny_config(seed=2), fashion_mnist).model)
    assert all(torch.equal(a, b) for a, b in zip(first, again))
    assert not torch.equal(first[0], other[0])


def test_the_data_lives_in_memory_as_scaled_tensors(tiny_config, fashion_mnist):
    trainer = backend(tiny_config(), fashion_mnist)
    assert trainer.train_x.shape == (1000, 1, 28, 28) and trainer.train_x.dtype == torch.float32
    assert float(trainer.train_x.max()) == 1.0 and trainer.test_y.dtype == torch.int64 and len(trainer.test_y) == 500


def test_one_epoch_reports_the_first_and_last_rates_and_batches(tiny_config, fashion_mnist):
    config = tiny_config(schedule="linear(0.1, 0.0, 20)", unit="step", train_subset=950)  # 10 updates, the last of 50
    trainer, batches = backend(config, fashion_mnist), []
    stats = trainer.train_epoch(0, epoch_order(0, 0, 950), lambda: batches.append(1))
    assert len(batches) == 10 and (stats.lr_first, stats.lr_last) == (0.1, config.schedule_obj(9))
    assert 0 < stats.train_loss < 3 and 0 <= stats.train_acc <= 1
    test = trainer.evaluate()
    assert set(test) == {"test_acc", "test_loss"} and 0 <= test["test_acc"] <= 1 and 0 < test["test_loss"] < 3


def test_save_and_load_continue_exactly(tiny_config, fashion_mnist, tmp_path):
    config = tiny_config(schedule="cosine(max_update=30, base_lr=0.1)", unit="step", momentum=0.9, weight_decay=1e-3)
    trainer = backend(config, fashion_mnist)
    trainer.train_epoch(0, epoch_order(0, 0, 1000), lambda: None)
    trainer.save(tmp_path / "checkpoint.pt", 1)
    restored = backend(config, fashion_mnist)
    assert restored.load(tmp_path / "checkpoint.pt") == 1
    order = epoch_order(0, 1, 1000)
    assert restored.train_epoch(1, order, lambda: None) == trainer.train_epoch(1, order, lambda: None)
    assert all(torch.equal(a, b) for a, b in zip(parameters(restored.model), parameters(trainer.model)))


def test_backend_class_finds_it():
    assert backend_class("torch") is TorchBackend and TorchBackend.checkpoint_name == "checkpoint.pt"


def test_without_torch_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    monkeypatch.delitem(sys.modules, "lrlab.backends.torch")
    with pytest.raises(BackendUnavailable, match=r"pip install 'lrlab\[torch\]'"):
        importlib.import_module("lrlab.backends.torch")


def test_the_optimizer_comes_from_the_registry_with_its_settings(tiny_config, fashion_mnist):
    trainer = backend(tiny_config(momentum=0.9, nesterov=True, weight_decay=1e-4), fashion_mnist)
    group = trainer.optimizer.param_groups[0]
    assert (group["momentum"], group["nesterov"], group["weight_decay"]) == (0.9, True, 1e-4)
