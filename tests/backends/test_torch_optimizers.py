"""The torch backend with the optimizers beyond SGD: schedule-free SGD switches its train and eval
modes with the model's (training, evaluation, checkpoints, find-lr's updates), SGLD gets the data
set's size and its own noise; both resume bitwise as an uninterrupted run; the other backends
refuse them in one line."""

import pytest

torch = pytest.importorskip("torch")

from lrlab.backends.torch import TorchBackend  # noqa: E402
from lrlab.optimizers import schedule_free  # noqa: E402
from lrlab.training.config import ConfigError, TrainConfig  # noqa: E402
from lrlab.training.loop import epoch_order  # noqa: E402

SCHEDULE_FREE = dict(optimizer="schedule-free-sgd", momentum=0.9, schedule="warmup(constant(1.0), steps=5)",
                     unit="step")
SGLD = dict(optimizer="sgld", schedule="sgld(a=0.002, b=200.0)", unit="step", prior_precision=2.0, temperature=0.5)


def backend(config, fashion_mnist):
    return TorchBackend(config.job(fashion_mnist.subset(config.train_subset, config.test_subset)))


def weights(trainer):
    return [p.detach().clone() for p in trainer.model.parameters()]


def train_mode(trainer):
    return trainer.optimizer.param_groups[0]["train_mode"]


def averaged(trainer):
    """x, the weights schedule-free SGD evaluates, from y (in the model while training) and z."""
    momentum = trainer.optimizer.param_groups[0]["momentum"]
    return [p.detach().clone().lerp_(trainer.optimizer.state[p]["z"], 1 - 1 / momentum)
            for p in trainer.model.parameters()]


needs_package = pytest.mark.skipif(not schedule_free.installed(), reason="pip install 'lrlab[schedulefree]'")


@needs_package
def test_schedule_free_evaluates_and_saves_the_average_and_trains_at_y(tiny_config, fashion_mnist, tmp_path):
    trainer = backend(tiny_config(**SCHEDULE_FREE), fashion_mnist)
    trainer.train_epoch(0, epoch_order(0, 0, 1000), lambda: None)
    assert train_mode(trainer) and trainer.model.training
    x = averaged(trainer)
    trainer.evaluate()
    assert not train_mode(trainer) and not trainer.model.training
    assert all(torch.equal(a, b) for a, b in zip(weights(trainer), x))  # evaluated at the average
    trainer.train_update(epoch_order(0, 1, 1000)[:100])  # find-lr's update puts it back in train mode
    assert train_mode(trainer)
    x = averaged(trainer)
    trainer.save(tmp_path / "checkpoint.pt", 1)  # saved in eval mode, with the average in the model
    assert not train_mode(trainer)
    saved = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    assert all(torch.equal(saved["model"][name], w) for name, w in zip(saved["model"], x))
    assert saved["optimizer"]["param_groups"][0]["train_mode"] is False


@needs_package
def test_schedule_free_save_and_load_continue_exactly(tiny_config, fashion_mnist, tmp_path):
    config = tiny_config(**SCHEDULE_FREE, weight_decay=1e-4)
    trainer = backend(config, fashion_mnist)
    trainer.train_epoch(0, epoch_order(0, 0, 1000), lambda: None)
    trainer.evaluate()
    trainer.save(tmp_path / "checkpoint.pt", 1)
    restored = backend(config, fashion_mnist)
    assert restored.load(tmp_path / "checkpoint.pt") == 1 and not train_mode(restored)
    order = epoch_order(0, 1, 1000)
    assert restored.train_epoch(1, order, lambda: None) == trainer.train_epoch(1, order, lambda: None)
    assert restored.evaluate() == trainer.evaluate()
    assert all(torch.equal(a, b) for a, b in zip(weights(restored), weights(trainer)))


@pytest.mark.parametrize("settings", [pytest.param(SCHEDULE_FREE, marks=needs_package), SGLD],
                         ids=["schedule-free-sgd", "sgld"])
def test_a_resumed_run_ends_exactly_as_an_uninterrupted_one(settings, tiny_config, tmp_path, straight_and_resumed,
                                                            metric_numbers):
    config = tiny_config(**settings, epochs=2)
    straight, stopped, resumed = straight_and_resumed(config, TorchBackend)
    assert stopped.status == "interrupted" and stopped.epochs_completed == 1
    assert resumed.status == "completed" and resumed.final == straight.final
    assert metric_numbers(tmp_path / "resumed") == metric_numbers(tmp_path / "straight")


def test_sgld_is_handed_the_training_sets_size_and_a_noise_seeded_from_the_run(tiny_config, fashion_mnist):
    trainer = backend(tiny_config(**SGLD, train_subset=700), fashion_mnist)
    group = trainer.optimizer.param_groups[0]
    assert (group["dataset_size"], group["prior_precision"], group["temperature"]) == (700, 2.0, 0.5)
    again, other = (backend(tiny_config(**SGLD, train_subset=700, seed=seed), fashion_mnist) for seed in (0, 1))
    assert torch.equal(trainer.optimizer.generator.get_state(), again.optimizer.generator.get_state())
    assert not torch.equal(trainer.optimizer.generator.get_state(), other.optimizer.generator.get_state())


@pytest.mark.parametrize("backend_name", ["keras", "mxnet"])
@pytest.mark.parametrize("optimizer, settings", [("sgld", {}), ("schedule-free-sgd", {"momentum": 0.9})])
def test_the_other_backends_refuse_them_in_one_line(backend_name, optimizer, settings):
    with pytest.raises(ConfigError, match=f"^optimizer='{optimizer}' is invalid for the {backend_name} backend: "
                                          "it supports sgd$"):
        TrainConfig(schedule="constant(0.1)", backend=backend_name, optimizer=optimizer, **settings)


@pytest.mark.parametrize("settings, message", [
    ({"optimizer": "schedule-free-sgd"}, "schedule-free-sgd needs momentum in (0, 1), e.g. momentum = 0.9"),
    ({"optimizer": "schedule-free-sgd", "momentum": 1.0}, "schedule-free-sgd needs momentum in (0, 1)"),
    ({"optimizer": "schedule-free-sgd", "momentum": 0.9, "nesterov": True},
     "nesterov is not a setting of the schedule-free-sgd optimizer (it has: momentum, weight_decay)"),
    ({"optimizer": "sgld", "weight_decay": 1e-4},
     "weight_decay is not a setting of the sgld optimizer (it has: prior_precision, temperature)"),
    ({"optimizer": "sgd", "temperature": 0.5}, "temperature is not a setting of the sgd optimizer"),
    ({"optimizer": "schedule-free-sgd", "momentum": 0.9, "posterior": "burn_in=1,every=10,keep=2"},
     "posterior is invalid with optimizer schedule-free-sgd"),
])
def test_settings_an_optimizer_does_not_read_are_refused(settings, message):
    with pytest.raises(ConfigError) as error:
        TrainConfig(schedule="constant(0.1)", **settings)
    assert str(error.value).startswith(message)


def test_without_the_package_schedule_free_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(schedule_free, "installed", lambda: False)
    with pytest.raises(ConfigError, match=r"^schedule-free-sgd needs the schedulefree package: "
                                          r"pip install 'lrlab\[schedulefree\]'$"):
        TrainConfig(schedule="constant(1.0)", optimizer="schedule-free-sgd", momentum=0.9)
