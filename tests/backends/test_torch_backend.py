"""The torch backend: the chapter's two LeNets, the in-memory fast path, exact save/load, numbers
independent of the thread count, no side effects on the caller, a clear import error."""

import importlib
import json
import os
import subprocess
import sys
import threading

import pytest

torch = pytest.importorskip("torch")

from lrlab.backends.torch import MICRO_BATCHES, TorchBackend  # noqa: E402
from lrlab.models.lenet_torch import build_lenet, forward  # noqa: E402
from lrlab.backends import BackendUnavailable, backend_class  # noqa: E402
from lrlab.training.loop import epoch_order, train  # noqa: E402


def backend(config, fashion_mnist):
    data = fashion_mnist.subset(config.train_subset, config.test_subset)
    return TorchBackend(config.job(data))


def layer_names(net):
    return [type(layer).__name__ for layer in net]


def parameters(model):
    return [p.detach().clone() for p in model.parameters()]


@pytest.mark.parametrize("model", ["lenet", "lenet-d2l-tf"])
def test_the_float32_path_computes_the_network_to_float32_rounding(model, fashion_mnist):
    """The default path against the plain module, both in float32, outputs and every parameter's
    gradient, on real images with blank rows and blank right halves: exact ties in many pooling
    windows, whose gradient must go to one maximum (sent to every maximum, conv1's bias gradient
    is 80% off). Both paths add the same products in different orders (a phase matrix product
    against oneDNN's convolution; up to 64 x 784 terms a weight gradient), so each differs from
    the exact value by float32 rounding, ~1e-5 of the largest value at worst for such sums; the
    plain module is itself that far from float64. Measured: outputs within 5.5e-7, gradients
    within 5.8e-6 of their largest element (10 seeds x 2 models, 1 and 2 threads); allowed
    5e-6 and 2e-5."""
    torch.manual_seed(0)
    net = build_lenet(model)
    x = torch.from_numpy(fashion_mnist.as_float32("train")[0][:64].copy())
    x[:, :, 10:14] = 0
    x[::2, :, :, 20:] = 0
    y = torch.arange(64) % 10
    slow, fast = net(x), forward(net, x)
    assert fast.dtype == torch.float32
    assert (fast - slow).abs().max() <= 5e-6 * slow.abs().max()
    grads = [torch.autograd.grad(torch.nn.functional.cross_entropy(out, y), list(net.parameters())) for out in (slow, fast)]
    for (name, _), plain, computed in zip(net.named_parameters(), *grads):
        assert computed.dtype == torch.float32 and computed.shape == plain.shape
        assert (computed - plain).abs().max() <= 2e-5 * plain.abs().max(), name


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
    evaluated = trainer.evaluate()
    assert evaluated.keys() == {"test_acc", "test_loss", "test_brier", "test_ece"} and 0 <= evaluated["test_acc"] <= 1
    assert 0 < evaluated["test_loss"] < 3


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


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_the_numbers_do_not_depend_on_the_thread_count(precision, tiny_config, metric_numbers, tmp_path):
    """Every batch is split into the same parts and their gradients added in the same order,
    whichever threads compute them: bitwise the same metrics and weights on 1, 2 and 4 threads
    (threads beyond MICRO_BATCHES stay unused). 1001 examples: the last batch has one
    example, so one part."""
    runs = {threads: tmp_path / f"threads-{threads}" for threads in (1, 2, 4)}
    for threads, out in runs.items():
        train(tiny_config(epochs=2, train_subset=1001, batch_size=100, precision=precision, threads=threads), out,
              progress=False)
    metrics = {threads: metric_numbers(out) for threads, out in runs.items()}
    assert len(metrics[1]) == 2 and metrics[2] == metrics[1] and metrics[4] == metrics[1]
    weights = {threads: torch.load(out / "checkpoint.pt", weights_only=True)["model"] for threads, out in runs.items()}
    assert all(torch.equal(weights[1][name], weights[threads][name]) for threads in (2, 4) for name in weights[1])


def test_evaluation_reports_accuracy_and_mean_loss_independent_of_the_thread_count(tiny_config, fashion_mnist):
    trainers = [backend(tiny_config(threads=threads, test_subset=2500), fashion_mnist) for threads in (1, 2)]
    for trainer in trainers:
        trainer.train_epoch(0, epoch_order(0, 0, 1000), lambda: None)
    one, two = (trainer.evaluate() for trainer in trainers)
    assert one == two and set(one) == {"test_acc", "test_loss", "test_brier", "test_ece"}  # bitwise
    model, x, y = trainers[0].model, trainers[0].test_x, trainers[0].test_y
    with torch.no_grad():
        logits = model(x)
    assert one["test_acc"] == float((logits.argmax(1) == y).double().mean())
    assert one["test_loss"] == pytest.approx(float(torch.nn.functional.cross_entropy(logits, y)), rel=1e-5)
    for trainer in trainers:
        trainer.close()


def test_threads_beyond_the_parts_of_a_batch_are_not_started(tiny_config, fashion_mnist):
    from lrlab.backends import backend_info

    trainer = backend(tiny_config(threads=MICRO_BATCHES + 2), fashion_mnist)
    assert trainer.threads == MICRO_BATCHES == backend_info("torch").max_threads  # the runner plans with it
    trainer.close()


def test_the_caller_keeps_its_torch_threads_and_close_stops_the_backends(tiny_config, fashion_mnist):
    before = torch.get_num_threads()
    torch.set_num_threads(3)  # a setting of the caller's own, unlike the backend's 1
    try:
        trainer = backend(tiny_config(threads=2), fashion_mnist)
        stats = trainer.train_epoch(0, epoch_order(0, 0, 1000), lambda: None)
        evaluated = trainer.evaluate()
        assert torch.get_num_threads() == 3
        assert any(thread.name.startswith("lrlab-torch") for thread in threading.enumerate())
        trainer.close()
        assert not any(thread.name.startswith("lrlab-torch") for thread in threading.enumerate())
        fresh = []
        thread = threading.Thread(target=lambda: fresh.append(torch.get_num_threads()))
        thread.start()
        thread.join()
        assert fresh == [3]  # a new thread starts with the caller's setting, not the workers' 1
        # closed, it still trains and evaluates, on this thread alone, with the same numbers
        again = backend(tiny_config(threads=2), fashion_mnist)
        again.close()
        assert again.train_epoch(0, epoch_order(0, 0, 1000), lambda: None) == stats
        assert again.evaluate() == evaluated and torch.get_num_threads() == 3
    finally:
        torch.set_num_threads(before)


SIDE_EFFECTS = """
import json, os, sys
import torch
torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)  # its first use sets TORCHINDUCTOR_CACHE_DIR
threads, before = torch.get_num_threads(), dict(os.environ)
import lrlab.backends.torch
imported = {"torch": dict(os.environ) == before}
try:
    import keras, tensorflow
    os.environ.pop("TF_CPP_MIN_LOG_LEVEL")  # TensorFlow sets it (to 1) on import; lrlab must not
    before = dict(os.environ)
    import lrlab.adapters.keras
    imported["keras"] = dict(os.environ) == before
except ImportError:
    pass
from lrlab.data import load_fashion_mnist
from lrlab.training.config import TrainConfig
from lrlab.training.loop import epoch_order
config = TrainConfig(schedule="constant(0.1)", train_subset=400, test_subset=200, batch_size=100, threads=2)
backend = lrlab.backends.torch.TorchBackend(config.job(load_fashion_mnist().subset(400, 200)))
backend.train_epoch(0, epoch_order(0, 0, 400), lambda: None)
backend.evaluate()
backend.close()
print(json.dumps({"imported": imported, "environ": dict(os.environ) == before,
                  "threads": [threads, torch.get_num_threads()]}))
"""


def test_importing_building_and_closing_change_nothing_in_the_process(fashion_mnist):
    """In a fresh interpreter: the environment (read by OpenMP and TensorFlow when they load)
    and the calling thread's torch threads are as the frameworks' own imports left them."""
    environment = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "TF_CPP_MIN_LOG_LEVEL")}
    done = subprocess.run([sys.executable, "-c", SIDE_EFFECTS], env=environment, capture_output=True, text=True,
                          check=True)
    result = json.loads(done.stdout.splitlines()[-1])
    assert all(result["imported"].values()) and result["environ"]
    threads_before, threads_after = result["threads"]
    assert threads_after == threads_before


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_a_registered_model_of_any_shape_trains_as_itself(precision, tiny_config, tmp_path, monkeypatch, metric_numbers):
    """A model that is not a LeNet runs as its own module (bf16 under autocast): a user's model
    from the registry trains, and its numbers do not depend on the thread count either."""
    from lrlab import models
    from lrlab.models import registry

    def mlp(image_shape, classes):
        channels, height, width = image_shape
        return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(channels * height * width, 32),
                                   torch.nn.ReLU(), torch.nn.Linear(32, classes))

    monkeypatch.setattr(registry, "REGISTRY", registry.Registry("model", models.ModelError))
    models.register_model("test-mlp", "a small dense network", torch=mlp)
    runs = {threads: tmp_path / f"threads-{threads}" for threads in (1, 2)}
    for threads, out in runs.items():
        config = tiny_config(model="test-mlp", epochs=2, precision=precision, threads=threads, schedule="constant(0.2)")
        summary = train(config, out, progress=False)
    assert summary.status == "completed" and summary.final["test_acc"] > 0.5
    assert metric_numbers(runs[1]) == metric_numbers(runs[2])
