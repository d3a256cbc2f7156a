"""Where a LeNet training step's time goes in the torch backend (torch.profiler).

    LRLAB_DATA_DIR=../shared/data/fashion-mnist python benchmarks/profile_torch.py          # lrlab's step
    python benchmarks/profile_torch.py --path module --threads 2    # the plain nn.Sequential step, for comparison
    python benchmarks/profile_torch.py --precision bf16 --rows 40

``--path backend`` profiles ``TorchBackend.train_epoch`` (lrlab's fast path, every
thread it uses); ``--path module`` profiles the plain loop it replaced: ``net(x)``,
``cross_entropy``, ``backward``, ``SGD.step`` on the same in-memory batches, with
torch's own threads. The first epoch warms up; the second is profiled. The table is
the profiler's self CPU time per operator; the summary groups it by layer kind.
The profiler adds its own overhead and attributes some waiting to the next
operator, so read its shares, and take the wall time from ``epoch_time.py``.
"""

from __future__ import annotations

import argparse
import time

import torch
from torch.nn import functional as F
from torch.profiler import ProfilerActivity, profile

from lrlab.data import load_fashion_mnist
from lrlab.training.config import TrainConfig
from lrlab.training.loop import epoch_order

GROUPS = (  # first match wins: (group, substrings of an operator's name)
    ("convolution backward", ("convolution_backward", "Conv2dBackward", "PhaseConvBackward")),
    ("convolution forward", ("convolution", "conv2d")),
    ("pooling (+ ReLU)", ("pool", "maximum", "aten::ge", "aten::gt", "PhaseMax", "aten::stack", "aten::cat",
                          "aten::mul", "aten::sub")),
    ("ReLU", ("relu", "threshold", "clamp")),
    ("dense layers", ("addmm", "aten::mm", "aten::linear")),
    ("loss", ("softmax", "nll_loss", "cross_entropy")),
    ("optimizer", ("SGD", "foreach", "aten::add_", "zero_grad")),
    ("copies and layout", ("copy_", "contiguous", "index_select", "aten::to", "clone", "reshape")),
    ("sums (bias gradients, threads' gradients)", ("aten::sum", "aten::add", "aten::div")),
)


def backend_epoch(args, data):
    """``run(epoch)`` for lrlab's backend on ``args.steps`` batches."""
    from lrlab.backends.torch import TorchBackend
    from lrlab.process import keep_freed_memory

    keep_freed_memory()  # as lrlab train does (its other settings are read when torch loads)
    config = TrainConfig(schedule="constant(0.3)", threads=args.threads, precision=args.precision,
                         train_subset=args.steps * 256)
    backend = TorchBackend(config.job(data.subset(config.train_subset)))
    return lambda epoch: backend.train_epoch(epoch, epoch_order(0, epoch, config.train_subset), lambda: None)


def module_epoch(args, data):
    """``run(epoch)`` for the plain loop: the module, autograd and SGD as they come."""
    from lrlab.models.lenet_torch import build_lenet

    torch.set_num_threads(args.threads or torch.get_num_threads())
    n = args.steps * 256
    images, labels = data.subset(n).as_float32("train")
    x_all, y_all = torch.from_numpy(images), torch.from_numpy(labels)
    net = build_lenet()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.3)

    def run(epoch: int) -> None:
        for batch in torch.from_numpy(epoch_order(0, epoch, n)).split(256):
            loss = F.cross_entropy(net(x_all[batch]), y_all[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return run


def group_of(name: str, shapes=()) -> str:
    if name in ("aten::mm", "aten::addmm") and any(37 in shape for shape in shapes):
        # the first convolution's products: (24, 37) weights over (37, n * 196) patches
        return "convolution backward" if any(37 == shape[-1] and len(shape) == 2 and shape[0] > 37
                                             for shape in shapes) else "convolution forward"
    return next((group for group, keys in GROUPS if any(key in name for key in keys)), "other")


def summary(events, total_us: float) -> str:
    shares: dict[str, float] = {}
    for event in events:
        group = group_of(event.key, [tuple(shape) for shape in event.input_shapes if shape])
        shares[group] = shares.get(group, 0.0) + event.self_cpu_time_total
    rows = sorted(shares.items(), key=lambda item: -item[1])
    return "\n".join(f"  {group:42s} {us / total_us:6.1%}" for group, us in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", choices=("backend", "module"), default="backend")
    parser.add_argument("--steps", type=int, default=40, help="updates per profiled epoch (default 40)")
    parser.add_argument("--threads", type=int, help="threads (default: torch's, one per core)")
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="fp32", help="backend path only")
    parser.add_argument("--rows", type=int, default=25)
    args = parser.parse_args()
    threads = args.threads or torch.get_num_threads()
    data = load_fashion_mnist()
    run = backend_epoch(args, data) if args.path == "backend" else module_epoch(args, data)
    run(0)
    started = time.perf_counter()
    run(1)
    unprofiled = (time.perf_counter() - started) / args.steps
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        run(2)
    events = prof.key_averages(group_by_input_shape=True)
    print(events.table(sort_by="self_cpu_time_total", row_limit=args.rows, max_name_column_width=36,
                       max_shapes_column_width=56))
    total = sum(event.self_cpu_time_total for event in events)
    print(f"{args.path} path, {args.precision}, threads {threads}: "
          f"{unprofiled * 1000:.1f} ms a step without the profiler; self CPU time by kind:")
    print(summary(events, total))


if __name__ == "__main__":
    main()
