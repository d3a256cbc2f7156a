"""device = auto | cpu | cuda in the torch backend, on a machine without a GPU: the refusal, the CPU
fallback, and (with CUDA mocked) what auto picks, what runs on CUDA, and the CUDA RNG in checkpoints."""

from __future__ import annotations

from unittest import mock

import pytest

torch = pytest.importorskip("torch")

from lrlab.backends import BackendUnavailable  # noqa: E402
from lrlab.backends.torch import TorchBackend, network, resolve_device, rng_state, set_rng_state  # noqa: E402
from lrlab.cli import main  # noqa: E402
from lrlab.models.lenet_torch import build_lenet  # noqa: E402
from lrlab.training.config import ConfigError, TrainConfig  # noqa: E402

CUDA = torch.device("cuda")


@pytest.fixture
def no_cuda():
    with mock.patch("torch.cuda.is_available", return_value=False):
        yield


def test_auto_picks_cuda_when_there_is_a_gpu_and_the_cpu_otherwise():
    with mock.patch("torch.cuda.is_available", return_value=True):
        assert resolve_device("auto") == CUDA and resolve_device("cuda") == CUDA
        assert resolve_device("cpu") == torch.device("cpu")
    with mock.patch("torch.cuda.is_available", return_value=False):
        assert resolve_device("auto") == torch.device("cpu")


def test_cuda_without_a_gpu_is_refused_in_one_line(no_cuda):
    with pytest.raises(BackendUnavailable, match=r"^device='cuda' is unavailable: this PyTorch sees no CUDA GPU") as error:
        resolve_device("cuda")
    assert "\n" not in str(error.value) and "--device cpu" in str(error.value)


def test_lrlab_train_device_cuda_without_a_gpu_exits_2_with_one_line(no_cuda, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status = main(["train", "--device", "cuda", "--schedule", "constant(0.1)", "--epochs", "1",
                   "--train-subset", "100", "--test-subset", "100", "--out", "run"])
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert err.startswith("lrlab train: error: device='cuda' is unavailable") and "\n" not in err
    assert not (tmp_path / "run").exists()  # refused before the run folder is made


def test_auto_without_a_gpu_trains_on_the_cpu_and_says_so(no_cuda, fashion_mnist, tiny_config):
    config = tiny_config(device="auto", model="resnet20", train_subset=64, test_subset=64, batch_size=64)
    backend = TorchBackend(config.job(fashion_mnist.subset(64, 64)))
    assert backend.device == torch.device("cpu") and backend.train_x.device.type == "cpu"
    assert backend.versions()["torch_device"] == "cpu"


def test_only_the_torch_backend_trains_on_cuda():
    with pytest.raises(ConfigError, match="^device='cuda' is invalid for the keras backend: it trains on cpu"):
        TrainConfig(schedule="constant(0.1)", backend="keras", device="cuda")
    assert TrainConfig(schedule="constant(0.1)", backend="keras").device == "auto"


def test_on_cuda_the_lenet_runs_as_a_module_not_the_cpu_fast_path():
    net = build_lenet()
    assert network(net, torch.float32, CUDA) is net
    assert network(net, torch.float32, torch.device("cpu")) is not net  # the phase-convolution path


def test_bf16_on_cuda_is_autocast_on_cuda():
    net = build_lenet()
    with mock.patch("torch.autocast") as autocast:
        autocast.return_value.__enter__.return_value = None
        network(net, torch.bfloat16, CUDA)(torch.zeros(2, 1, 28, 28))
    autocast.assert_called_once_with("cuda", dtype=torch.bfloat16)


def test_a_cuda_checkpoint_holds_the_cuda_rng_state_and_restores_it():
    states = [torch.ByteTensor([1, 2, 3])]
    with mock.patch("torch.cuda.get_rng_state_all", return_value=states):
        state = rng_state(CUDA)
    assert state["cuda_rng"] is states and torch.equal(state["torch_rng"], torch.get_rng_state())
    with mock.patch("torch.cuda.set_rng_state_all") as restore:
        set_rng_state(state, CUDA)
        set_rng_state(state, torch.device("cpu"))  # a CUDA run resumed on the CPU: the CPU's alone
    restore.assert_called_once_with(states)
    assert "cuda_rng" not in rng_state(torch.device("cpu"))
