"""The Keras backend on real data: it learns, applies the schedule exactly, resumes bitwise,
reports divergence, stays out of the core's imports, and agrees with the torch backend."""

import json
import subprocess
import sys

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from lrlab.backends.keras import KerasBackend  # noqa: E402
from lrlab import models  # noqa: E402
from lrlab.training.config import ConfigError, TrainConfig  # noqa: E402
from lrlab.training.loop import train  # noqa: E402
from lrlab.runfolder import RunDir  # noqa: E402




@pytest.fixture
def keras_config(tiny_config):
    """``tiny_config`` on the keras backend, with TensorFlow's own thread count: it fixes its
    thread pools once per process (other tests here have started them already)."""
    return lambda **overrides: tiny_config(**({"backend": "keras", "threads": None} | overrides))


def test_one_epoch_on_10k_examples_learns(keras_config, tmp_path):
    # Batch 64: test accuracy 0.73-0.76 over seeds 0-3 (batch 128 gave 0.65-0.70, too near 0.6).
    config = keras_config(schedule="constant(0.05)", momentum=0.9, batch_size=64, train_subset=10_000, test_subset=2_000)
    summary = train(config, tmp_path / "run", progress=False)
    assert summary.status == "completed" and summary.final["test_acc"] > 0.6
    document = json.loads((tmp_path / "run" / "config.json").read_text())
    assert {"tensorflow", "keras"} <= set(document["versions"])
    assert (tmp_path / "run" / "checkpoint.npz").is_file()


@pytest.fixture
def applied_rates(monkeypatch):
    """The float32 rate SGD really multiplies the gradient by, at each update (by ``iterations``)."""
    rates = tf.Variable(tf.fill([64], -1.0))
    real_update_step = keras.optimizers.SGD.update_step

    def recording(self, gradient, variable, learning_rate):
        rates[self.iterations.value].assign(keras.ops.cast(learning_rate, variable.dtype))  # as SGD does
        return real_update_step(self, gradient, variable, learning_rate)

    monkeypatch.setattr(keras.optimizers.SGD, "update_step", recording)
    return rates


@pytest.mark.parametrize("unit", ["epoch", "step"])
def test_the_optimizer_applies_exactly_the_scheduled_rate_at_every_update(keras_config, tmp_path, unit, applied_rates):
    config = keras_config(schedule="cosine(max_update=25, base_lr=0.2, final_lr=0.01, warmup_steps=2)",
                          epochs=3, unit=unit)
    train(config, tmp_path / "run", progress=False)
    s = config.schedule_obj
    scheduled = [s(t) if unit == "step" else s(t // 10) for t in range(30)]
    assert applied_rates.numpy()[:30].tolist() == np.float32(scheduled).tolist()  # bitwise
    # The epoch clock reports the float64 s(e) it set (as torch), the step clock the float32 it computed.
    reported = scheduled if unit == "epoch" else np.float32(scheduled).tolist()
    rows = RunDir(tmp_path / "run").read_metrics()
    assert [(row.lr, row.lr_last) for row in rows] == [(reported[10 * e], reported[10 * e + 9]) for e in range(3)]


@pytest.mark.parametrize("unit", ["epoch", "step"])
def test_resume_after_an_interrupt_ends_exactly_as_an_uninterrupted_run(keras_config, tmp_path, straight_and_resumed, metric_numbers, unit):
    config = keras_config(schedule="cosine(max_update=20, base_lr=0.1, final_lr=0.01)" if unit == "step"
                          else "cosine(max_update=2, base_lr=0.1, final_lr=0.01)",
                          epochs=2, unit=unit, momentum=0.9, weight_decay=1e-4)
    straight, stopped, resumed = straight_and_resumed(config, KerasBackend)
    assert stopped.epochs_completed == 1
    assert resumed.status == "completed" and resumed.final == straight.final
    assert metric_numbers(tmp_path / "resumed") == metric_numbers(tmp_path / "straight")
    with np.load(tmp_path / "straight" / "checkpoint.npz") as a, np.load(tmp_path / "resumed" / "checkpoint.npz") as b:
        assert sorted(a) == sorted(b) and all(np.array_equal(a[k], b[k]) for k in a)


def test_a_huge_rate_ends_the_run_as_diverged_not_a_crash(keras_config, tmp_path):
    summary = train(keras_config(schedule="constant(1e6)", epochs=3), tmp_path / "run", progress=False)
    assert summary.status == "diverged" and summary.epochs_completed == 1
    assert not (tmp_path / "run" / "checkpoint.npz").exists()


def test_both_models_are_the_books_lenets():
    modern, book = (models.build(name, "keras", (1, 28, 28), 10) for name in ("lenet", "lenet-d2l-tf"))
    assert modern.count_params() == book.count_params() == 61706  # as torch's LeNet
    assert [type(layer).__name__ for layer in book.layers][:4] == ["Conv2D", "AveragePooling2D", "Conv2D", "AveragePooling2D"]
    assert book.layers[-2].activation.__name__ == "sigmoid" and modern.layers[-2].activation.__name__ == "relu"
    with pytest.raises(ConfigError, match=r"^model='resnet' is invalid: must be one of lenet, lenet-d2l-tf, resnet20$"):
        TrainConfig("constant(0.1)", backend="keras", model="resnet")


def run_python(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout


def test_the_core_never_imports_tensorflow():
    modules = ["lrlab", "lrlab.schedules", "lrlab.training", "lrlab.training.loop", "lrlab.cli"]
    try:
        import torch  # noqa: F401
        modules.append("lrlab.backends.torch")
    except ImportError:
        pass
    code = "import importlib, sys\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules)
    assert run_python(code + "print('tensorflow' in sys.modules, 'keras' in sys.modules)").split() == ["False", "False"]


def test_without_tensorflow_the_backend_says_how_to_install_it():
    code = ("import sys; sys.modules['tensorflow'] = None\n"
            "from lrlab.backends import BackendUnavailable, backend_class\n"
            "try:\n    backend_class('keras')\nexcept BackendUnavailable as error:\n    print(error)\n")
    assert "pip install 'lrlab[keras]'" in run_python(code)


def test_cosine_per_epoch_agrees_with_the_torch_backend(fashion_mnist, tmp_path):
    """The chapter's cosine on torch and keras: the same scheduled rates, similar accuracy.

    Same data, order and schedule; different initial weights (each framework draws its
    own from the seed) and different kernels, so the two accuracies are independent
    draws. Measured on this bench (3 epochs, 20k training examples, the full test set),
    test accuracy over seeds: keras 0.718 +- 0.054 (seeds 0-15; seed 4 stayed at chance,
    0.10, left out), torch 0.699 +- 0.043 (seeds 0-7). The means differ by 0.02, under
    one standard deviation. The tolerance is 3x the pooled spread, 3 x 0.05 = 0.15: it
    catches a backend that does not learn or runs another schedule, not a seed's luck.
    """
    torch = pytest.importorskip("torch")  # noqa: F841

    results = {}
    for backend in ("torch", "keras"):
        config = TrainConfig("cosine(max_update=20, base_lr=0.3, final_lr=0.01)", epochs=3,
                             backend=backend, train_subset=20_000)
        results[backend] = train(config, tmp_path / backend, progress=False)
        assert results[backend].status == "completed"
    lrs = {backend: [(row.lr, row.lr_last) for row in RunDir(tmp_path / backend).read_metrics()]
           for backend in results}
    assert lrs["keras"] == lrs["torch"]  # bitwise: both report s(e) as the float64 they set
    accuracies = [results[backend].final["test_acc"] for backend in results]
    assert abs(accuracies[0] - accuracies[1]) < 0.15, accuracies  # 3x the seed-to-seed spread


def test_a_thread_count_tensorflow_can_no_longer_take_is_a_warning():
    from lrlab.backends.keras import _set_threads

    tf.constant(1.0) + 1  # TensorFlow's thread pools start with its first op
    wanted = tf.config.threading.get_intra_op_parallelism_threads() + 1
    with pytest.warns(RuntimeWarning, match=f"threads={wanted} is ignored"):
        _set_threads(wanted)


def test_the_optimizer_comes_from_the_registry_with_its_settings(keras_config, fashion_mnist):
    from lrlab.backends.keras import KerasBackend

    config = keras_config(momentum=0.9, nesterov=True, weight_decay=1e-4)
    trainer = KerasBackend(config.job(fashion_mnist.subset(config.train_subset, config.test_subset)))
    assert (trainer.optimizer.momentum, trainer.optimizer.nesterov, trainer.weight_decay) == (0.9, True, 1e-4)


def test_the_init_setting_reaches_the_keras_model(keras_config, fashion_mnist):
    """init="default" is Keras's own: Glorot-uniform weights (as xavier) and zero biases; xavier keeps
    torch's default biases. The same seed gives the same weights."""
    def initial(**overrides):
        config = keras_config(**overrides)
        return KerasBackend(config.job(fashion_mnist.subset(1000, 500))).model.get_weights()

    default, again, xavier = initial(init="default", seed=1), initial(init="default", seed=1), initial(seed=1)
    assert all((a == b).all() for a, b in zip(default, again))
    assert not any(bias.any() for bias in default[1::2]) and all(bias.any() for bias in xavier[1::2])
    dense = default[4]  # 400 -> 120: Glorot's bound, sqrt(6 / (400 + 120)), in both
    assert np.abs(dense).max() <= np.sqrt(6 / 520) < np.abs(dense).max() * 1.1
