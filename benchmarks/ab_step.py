"""Two versions of the torch LeNet path, one training step each in turn, in one process.

    git show HEAD~1:src/lrlab/models/lenet_torch.py > /tmp/old.py
    LRLAB_DATA_DIR=../shared/data/fashion-mnist python benchmarks/ab_step.py /tmp/old.py src/lrlab/models/lenet_torch.py
    python benchmarks/ab_step.py /tmp/old.py src/lrlab/models/lenet_torch.py --precision bf16

For changes inside ``lenet_torch.py`` (a ``forward(net, x, conv_dtype)`` and a
``build_lenet()`` in each file): both networks start from the same weights, and their
steps alternate (A B, B A, ...) on the same batches of the real training set, one thread,
so that the machine's drift hits both alike; steps are timed with their SGD update, and
the first ``--warmup`` of each are left out. Prints the median step of each and A/B
(above 1: B is faster). Small differences (a few %) need several runs to trust.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import time

import torch
from torch.nn import functional as F

from lrlab.data import load_fashion_mnist
from lrlab.process import keep_freed_memory


def load_module(path: str, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", help="a lenet_torch.py")
    parser.add_argument("b", help="another lenet_torch.py")
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    parser.add_argument("--steps", type=int, default=200, help="steps per side (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="steps per side left out first (default 20)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    keep_freed_memory()
    dtype = torch.bfloat16 if args.precision == "bf16" else torch.float32
    images, labels = load_fashion_mnist().as_float32("train")
    x_all, y_all = torch.from_numpy(images), torch.tensor(labels)
    modules = [load_module(args.a, "side_a"), load_module(args.b, "side_b")]
    torch.manual_seed(0)
    nets = [module.build_lenet() for module in modules]
    nets[1].load_state_dict(nets[0].state_dict())
    order = torch.randperm(len(y_all), generator=torch.Generator().manual_seed(0))
    batches = order[: len(order) // 256 * 256].view(-1, 256)

    def step(side: int, batch: torch.Tensor) -> float:
        started = time.perf_counter()
        x, y = x_all.index_select(0, batch), y_all.index_select(0, batch)
        loss = F.cross_entropy(modules[side].forward(nets[side], x, dtype), y)
        grads = torch.autograd.grad(loss, list(nets[side].parameters()))
        with torch.no_grad():
            torch._foreach_add_(list(nets[side].parameters()), grads, alpha=-0.1)
        return time.perf_counter() - started

    times: list[list[float]] = [[], []]
    for i in range(args.steps):
        for side in ((0, 1) if i % 2 == 0 else (1, 0)):
            times[side].append(step(side, batches[i % len(batches)]))
    a, b = (statistics.median(t[args.warmup:]) * 1000 for t in times)
    print(f"A {a:.2f} ms  B {b:.2f} ms a step  A/B {a / b:.3f}  ({args.precision}, one thread)")


if __name__ == "__main__":
    main()
