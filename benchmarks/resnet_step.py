"""resnet20's update on this machine: wall and CPU seconds per update of 256 images, one thread,
through the torch backend (as ``lrlab train`` trains it), and the full epoch (235 updates) they imply.

    LRLAB_DATA_DIR=../shared/data/fashion-mnist python benchmarks/resnet_step.py --updates 8

CPU seconds (user + system of this process) are the number to read on a shared machine: wall time
there is the CPU time times however many others wait for the cores. The first update is left out.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from lrlab.process import setup_training_process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=8)
    parser.add_argument("--model", default="resnet20")
    parser.add_argument("--precision", default="fp32")
    args = parser.parse_args()
    setup_training_process()
    from lrlab.backends.torch import TorchBackend
    from lrlab.data import load_fashion_mnist
    from lrlab.training.config import TrainConfig
    from lrlab.training.loop import epoch_order

    config = TrainConfig(schedule="constant(0.1)", model=args.model, precision=args.precision, threads=1,
                         device="cpu")
    data = load_fashion_mnist(download=False).subset(256 * (args.updates + 1), 1000)
    backend = TorchBackend(config.job(data))
    order = epoch_order(0, 0, 256 * (args.updates + 1))
    walls, cpus = [], []
    for i in range(args.updates + 1):
        wall, cpu = time.perf_counter(), time.process_time()
        backend.train_update(order[256 * i:256 * (i + 1)])
        if i:
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
    wall, cpu = time.perf_counter(), time.process_time()
    backend.evaluate()
    eval_wall, eval_cpu = time.perf_counter() - wall, time.process_time() - cpu
    backend.close()
    print(f"{args.model} {args.precision}, 1 thread, {args.updates} updates of 256; load average {os.getloadavg()}")
    print(f"per update: CPU {statistics.median(cpus):.2f} s ({min(cpus):.2f}-{max(cpus):.2f}), "
          f"wall {statistics.median(walls):.2f} s ({min(walls):.2f}-{max(walls):.2f})")
    print(f"a full epoch (235 updates): CPU {235 * statistics.median(cpus) / 60:.1f} min; "
          f"evaluating 1,000 images: CPU {eval_cpu:.2f} s, wall {eval_wall:.2f} s")


if __name__ == "__main__":
    main()
