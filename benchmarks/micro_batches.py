"""The cost of splitting every batch into micro-batches: one backend, its steps alternating between split counts.

    LRLAB_DATA_DIR=../shared/data/fashion-mnist python benchmarks/micro_batches.py --threads 1
    python benchmarks/micro_batches.py --threads 2 --counts 2,4 --precision bf16

One TorchBackend on the real training set (batch 256), set up as ``lrlab train`` sets its
process up; before each update the module's MICRO_BATCHES is set to the next count, in
rotating order (1 2 4, 2 4 1, 4 1 2, ...) so that the machine's drift hits every count alike;
the update (forward, backward, gradient sum, SGD) is timed, the first --warmup of each count
left out. The backend's threads are fixed when it is built (at most the module's own
MICRO_BATCHES); a count runs on as many of them as it has parts. Prints each count's median
update and its ratio to the first count's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from lrlab.process import setup_training_process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--counts", default="1,2,4", help="split counts, the first the reference (default 1,2,4)")
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    parser.add_argument("--steps", type=int, default=150, help="updates per count (default 150)")
    parser.add_argument("--warmup", type=int, default=15, help="updates per count left out first (default 15)")
    args = parser.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    setup_training_process()
    import torch

    import lrlab.backends.torch as module
    from lrlab.data import load_fashion_mnist
    from lrlab.training.config import TrainConfig

    config = TrainConfig(schedule="constant(0.01)", threads=args.threads, precision=args.precision)
    data = load_fashion_mnist()
    backend = module.TorchBackend(config.job(data))
    order = torch.randperm(60000, generator=torch.Generator().manual_seed(0))
    batches = order[: 60000 // 256 * 256].view(-1, 256)
    times: dict[int, list[float]] = {count: [] for count in counts}
    load = os.getloadavg()
    with module._one_torch_thread():
        for i in range(args.steps):
            for count in counts[i % len(counts):] + counts[:i % len(counts)]:
                module.MICRO_BATCHES = count
                started = time.perf_counter()
                backend._update(batches[(i * len(counts) + counts.index(count)) % len(batches)])
                times[count].append(time.perf_counter() - started)
    backend.close()
    medians = {count: statistics.median(t[args.warmup:]) * 1000 for count, t in times.items()}
    reference = medians[counts[0]]
    print(f"{args.precision}, {backend.threads} thread(s), {args.steps - args.warmup} updates each, "
          f"load average {load[0]:.1f} -> {os.getloadavg()[0]:.1f}:")
    for count, median in medians.items():
        print(f"  {count} micro-batch(es): {median:6.2f} ms an update, {median / reference:.3f}x of {counts[0]}")


if __name__ == "__main__":
    main()
