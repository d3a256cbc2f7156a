"""lrlab's torch SGD against ``torch.optim.SGD``: bitwise the same parameters after every update,
checkpoints that resume in either, and a training process that never imports the compiler."""

import itertools
import json
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")

from lrlab.optimizers.torch_sgd import SGD  # noqa: E402

SETTINGS = [dict(momentum=m, nesterov=n, weight_decay=w)
            for m, n, w in itertools.product((0.0, 0.9), (False, True), (0.0, 1e-3)) if m or not n]
RATES = [0.3, 0.3, 0.1, 0.05, 0.2, 0.01]


def parameters(seed: int) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    shapes = [(6, 1, 5, 5), (6,), (10, 84), (10,)]
    return [torch.randn(shape, generator=generator).requires_grad_() for shape in shapes]


def gradients(step: int, params: list[torch.Tensor]) -> list[torch.Tensor | None]:
    generator = torch.Generator().manual_seed(1000 + step)
    grads = [torch.randn(p.shape, generator=generator) for p in params]
    grads[1] = None if step == 2 else grads[1]  # a parameter without a gradient is left alone
    return grads


def train(optimizer, params, steps: range) -> None:
    for step in steps:
        for param, grad in zip(params, gradients(step, params)):
            param.grad = grad
        optimizer.param_groups[0]["lr"] = RATES[step]  # as ScheduleLR sets it
        optimizer.step()


@pytest.mark.parametrize("settings", SETTINGS, ids=str)
def test_every_update_is_bitwise_torchs(settings):
    ours, theirs = parameters(0), parameters(0)
    sgd, reference = SGD(ours, lr=0.3, **settings), torch.optim.SGD(theirs, lr=0.3, **settings)
    for step in range(len(RATES)):
        train(sgd, ours, range(step, step + 1))
        train(reference, theirs, range(step, step + 1))
        assert all(torch.equal(a, b) for a, b in zip(ours, theirs)), f"differs after update {step}"


@pytest.mark.parametrize("direction", ["ours to torch", "torch to ours"])
def test_a_checkpoint_resumes_in_either(direction):
    settings = dict(momentum=0.9, nesterov=True, weight_decay=1e-3)
    first, second = (SGD, torch.optim.SGD) if direction == "ours to torch" else (torch.optim.SGD, SGD)
    straight = parameters(0)
    train(torch.optim.SGD(straight, lr=0.3, **settings), straight, range(6))
    params = parameters(0)
    optimizer = first(params, lr=0.3, **settings)
    train(optimizer, params, range(3))
    resumed = second(params, lr=0.3, **settings)
    resumed.load_state_dict(optimizer.state_dict())
    train(resumed, params, range(3, 6))
    assert all(torch.equal(a, b) for a, b in zip(params, straight))


def test_a_checkpoint_of_another_model_is_refused():
    with pytest.raises(ValueError, match="the saved optimizer has 4 parameters, this one 1"):
        SGD(parameters(0)[:1], lr=0.1).load_state_dict(SGD(parameters(0), lr=0.1).state_dict())


def test_nesterov_needs_momentum():
    with pytest.raises(ValueError, match="nesterov=True needs momentum"):
        SGD(parameters(0), lr=0.1, nesterov=True)


TRAIN_AND_LIST_MODULES = """
import json, sys
from lrlab.cli import main
status = main(sys.argv[1:])
print(json.dumps({"status": status, "modules": sorted(m for m in sys.modules
                  if m.split(".")[0] in ("tensorflow", "keras", "jax", "mxnet") or m == "torch._dynamo")}))
"""


def test_a_torch_training_process_imports_neither_the_compiler_nor_other_frameworks(fashion_mnist, tmp_path):
    """``torch._dynamo`` costs a torch import's time again; TensorFlow, Keras, JAX more."""
    done = subprocess.run([sys.executable, "-c", TRAIN_AND_LIST_MODULES, "train", "--schedule", "constant(0.1)",
                           "--epochs", "1", "--train-subset", "200", "--test-subset", "100", "--threads", "1",
                           "--out", str(tmp_path / "run")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == {"status": 0, "modules": []}
