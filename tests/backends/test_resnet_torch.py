"""resnet20 in the torch backend: its shapes and size, an epoch that learns, BatchNorm statistics
exact (whole-batch, once per update, whatever the threads), evaluation in eval mode, an exact resume."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch.nn import functional as F  # noqa: E402

from lrlab.backends.torch import TorchBackend, has_batch_norm  # noqa: E402
from lrlab.models import build  # noqa: E402
from lrlab.models.resnet_torch import BasicBlock, parameter_count, resnet  # noqa: E402
from lrlab.training.config import ConfigError, TrainConfig  # noqa: E402
from lrlab.training.loop import epoch_order, train  # noqa: E402

SMALL = dict(schedule="constant(0.1)", model="resnet20", epochs=1, train_subset=256, test_subset=200,
             batch_size=64, threads=1, device="cpu")
"""4 updates of 64 on real images: about a second on one thread here."""


def small_backend(fashion_mnist, **overrides) -> TorchBackend:
    config = TrainConfig(**(SMALL | overrides))
    return TorchBackend(config.job(fashion_mnist.subset(config.train_subset, config.test_subset)))


def buffers(model) -> dict:
    return {name: value.clone() for name, value in model.named_buffers()}


@pytest.mark.parametrize("shape", [(1, 28, 28), (1, 32, 32), (3, 32, 32), (3, 64, 48)])
def test_any_image_size_gives_one_logit_per_class(shape):
    torch.manual_seed(0)
    net = build("resnet20", "torch", shape, 7)
    assert net(torch.zeros(2, *shape)).shape == (2, 7)


@pytest.mark.parametrize("depth, width, channels, expected", [
    (20, 1, 3, 269_722),   # the paper's 0.27M (Table 6)
    (56, 1, 3, 853_018),   # the paper's 0.85M
    (20, 1, 1, 269_434),   # Fashion-MNIST's one channel: 2 x 16 x 9 weights fewer
    (20, 2, 1, 1_073_386),
])
def test_parameter_counts_are_the_papers(depth, width, channels, expected):
    assert parameter_count(resnet((channels, 32, 32), 10, depth=depth, width=width)) == expected


def test_the_stages_halve_the_image_and_the_shortcuts_have_no_weights():
    net = resnet((1, 28, 28), 10, depth=32)
    blocks = [module for module in net.modules() if isinstance(module, BasicBlock)]
    assert len(blocks) == 15 and [block.stride for block in blocks].count(2) == 2
    sizes = []
    hooks = [block.register_forward_hook(lambda m, i, o: sizes.append(tuple(o.shape[1:]))) for block in blocks]
    net(torch.zeros(1, 1, 28, 28))
    for hook in hooks:
        hook.remove()
    assert sizes == [(16, 28, 28)] * 5 + [(32, 14, 14)] * 5 + [(64, 7, 7)] * 5
    # option A: every weight sits in a convolution, a BatchNorm or the head
    x = torch.randn(2, 16, 8, 8)
    shortcut = BasicBlock(16, 32, stride=2).shortcut(x)
    assert shortcut.shape == (2, 32, 4, 4)
    assert torch.equal(shortcut[:, 8:24], x[:, :, ::2, ::2]) and not shortcut[:, :8].any() and not shortcut[:, 24:].any()


def test_one_epoch_learns_on_a_small_subset(fashion_mnist):
    """32 updates of 32 images. Measured: test loss 2.41 -> 1.76, test accuracy 0.062 -> 0.328 (in
    eval mode, whose running statistics still lag the weights after so few updates)."""
    backend = small_backend(fashion_mnist, train_subset=1024, test_subset=500, batch_size=32,
                            schedule="constant(0.05)")
    before = backend.evaluate()
    stats = backend.train_epoch(0, epoch_order(0, 0, 1024), lambda: None)
    after = backend.evaluate()
    assert np.isfinite(stats.train_loss) and stats.train_acc > 0.2
    assert after["test_loss"] < before["test_loss"] - 0.3
    assert after["test_acc"] > 0.25 > before["test_acc"]  # chance: 0.1


def test_batch_norm_statistics_are_the_whole_batchs_updated_once_per_update(fashion_mnist):
    """The backend splits a LeNet's batch into parts; a BatchNorm model's it must not: its
    statistics after one update are those of a plain PyTorch forward of the whole batch."""
    backend = small_backend(fashion_mnist)
    assert backend.parts == 1 and has_batch_norm(backend.model)
    torch.manual_seed(SMALL.get("seed", 0))
    plain = build("resnet20", "torch", (1, 28, 28), 10).train()
    assert all(torch.equal(a, b) for a, b in zip(plain.state_dict().values(), backend.model.state_dict().values()))
    batch = epoch_order(0, 0, 256)[:64]
    backend.train_update(batch)
    plain(backend.train_x[torch.from_numpy(batch)])
    for (name, expected), actual in zip(plain.named_buffers(), backend.model.buffers()):
        assert torch.equal(actual, expected), name
    assert int(backend.model.stem[1].num_batches_tracked) == 1


def test_batch_norm_statistics_and_weights_do_not_depend_on_the_threads(fashion_mnist):
    models = []
    for threads in (1, 2):
        backend = small_backend(fashion_mnist, threads=threads)
        backend.train_epoch(0, epoch_order(0, 0, 256), lambda: None)
        models.append(backend.model.state_dict())
        backend.close()
    one, two = models
    assert one.keys() == two.keys() and any("running_var" in name for name in one)
    assert all(torch.equal(one[name], two[name]) for name in one)


def test_evaluate_uses_the_running_statistics_and_changes_nothing(fashion_mnist):
    backend = small_backend(fashion_mnist)
    backend.train_epoch(0, epoch_order(0, 0, 256), lambda: None)
    kept = buffers(backend.model)
    metrics = backend.evaluate()
    assert all(torch.equal(value, kept[name]) for name, value in backend.model.named_buffers())
    model = backend.model.eval()
    with torch.no_grad():
        logits = model(backend.test_x)
    assert metrics["test_acc"] == int((logits.argmax(1) == backend.test_y).sum()) / len(backend.test_y)
    assert metrics["test_loss"] == pytest.approx(F.cross_entropy(logits, backend.test_y).item(), rel=1e-5)
    with torch.no_grad():  # in train mode (batch statistics) the numbers would differ
        assert not torch.equal(copy.deepcopy(model).train()(backend.test_x), logits)
    assert backend.evaluate() == metrics  # and evaluating twice gives the same


def test_a_resumed_resnet_run_ends_bitwise_as_a_straight_one(fashion_mnist, tmp_path, metric_numbers):
    config = TrainConfig(**(SMALL | dict(epochs=2, train_subset=128, test_subset=100, momentum=0.9,
                                         schedule="cosine(max_update=2, base_lr=0.1, final_lr=0.01)")))
    straight = train(config, tmp_path / "straight", progress=False)
    train(config, tmp_path / "resumed", progress=False, until=1)
    resumed = train(None, tmp_path / "resumed", resume=True, progress=False)
    assert resumed.status == "completed" and resumed.final == straight.final
    assert metric_numbers(tmp_path / "resumed") == metric_numbers(tmp_path / "straight")
    states = [torch.load(tmp_path / run / "checkpoint.pt", weights_only=True)["model"] for run in ("straight", "resumed")]
    assert any(name.endswith("running_mean") for name in states[0])
    assert all(torch.equal(states[0][name], states[1][name]) for name in states[0])


def test_depth_and_width_are_resnet_settings_and_checked():
    assert TrainConfig(**(SMALL | dict(depth=32, width=2))).model_settings == {"depth": 32, "width": 2}
    with pytest.raises(ConfigError, match=r"^depth=21 is invalid: must be 6n \+ 2"):
        TrainConfig(**(SMALL | dict(depth=21)))
    with pytest.raises(ConfigError, match="^depth is not a setting of the lenet model"):
        TrainConfig(**(SMALL | dict(model="lenet", depth=32)))
    with pytest.raises(ConfigError, match="^model='resnet20' is invalid for the keras backend: it supports lenet"):
        TrainConfig(**(SMALL | dict(backend="keras", device="auto", threads=None)))


def test_a_wider_deeper_resnet_is_what_the_backend_trains(fashion_mnist):
    backend = small_backend(fashion_mnist, depth=8, width=2)
    assert parameter_count(backend.model) == parameter_count(resnet((1, 28, 28), 10, depth=8, width=2))
    assert dataclasses.asdict(TrainConfig(**SMALL))["depth"] == 20
