"""Benchmark 1: one epoch of the book's loop against one epoch of lrlab's torch backend, alternated.

    LRLAB_DATA_DIR=../shared/data/fashion-mnist python benchmarks/epoch_time.py            # ~3 minutes
    python benchmarks/epoch_time.py --rounds 15 --json epoch.json                           # the fuller run
    python benchmarks/epoch_time.py --sides lrlab,lrlab:precision=bf16                     # compare two options

Each side lives in its own process (``--serve SIDE``), so that neither one's threads,
allocator or DataLoader workers touch the other's; the parent asks them for one epoch
at a time, in the order A B, B A, A B, ... so that the machine's drift hits both
alike. The first ``--warmup`` epochs of each side are left out. An epoch's time is its
training only (both loops evaluate after it; that is reported apart).

A side is ``book`` (benchmarks/book_loop.py) or ``lrlab`` with TrainConfig fields after a
colon, e.g. ``lrlab:threads=1`` or ``lrlab:backend=keras`` (an MXNet side runs in the
MXNet environment's Python); ``src=DIR`` imports lrlab from DIR instead, to compare two
versions of the code (``git archive HEAD src | tar -x -C /tmp/before``, then
``--sides "lrlab:src=/tmp/before/src;lrlab"``). An lrlab side sets its process up as
``lrlab train`` does. The FLOP fraction divides LeNet's training FLOPs by the GFLOP/s of a
2048 x 2048 fp32 matmul measured in the same run, in an lrlab torch side's process (best of
5 per round), which is this machine's practical peak.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

N_TRAIN, N_TEST = 60000, 10000


def lenet_training_flops() -> float:
    """FLOPs to train LeNet on one image: the forward pass's multiply-adds, the weight
    gradients of every layer and the input gradients of every layer but the first."""
    conv1, conv2 = 6 * 28 * 28 * 25, 16 * 10 * 10 * 150
    dense = 400 * 120 + 120 * 84 + 84 * 10
    forward = conv1 + conv2 + dense
    return 2 * (forward + forward + (forward - conv1))


# -- the side processes -----------------------------------------------------------------------------


def parse_side(spec: str) -> tuple[str, dict]:
    """``"lrlab:threads=1,precision=bf16"`` -> ``("lrlab", {"threads": 1, "precision": "bf16"})``."""
    kind, _, rest = spec.partition(":")
    options = {}
    for item in filter(None, rest.split(",")):
        key, _, value = item.partition("=")
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value
    if kind not in ("book", "lrlab"):
        raise SystemExit(f"unknown side {spec!r}: use book or lrlab[:field=value,...]")
    return kind, options


class BookSide:
    def __init__(self, options: dict) -> None:
        import torch
        from book_loop import Book

        if "threads" in options:
            torch.set_num_threads(options["threads"])
        self.book = Book(lr=options.get("lr", 0.3))

    def epoch(self) -> dict:
        return self.book.epoch()


class LrlabSide:
    def __init__(self, options: dict) -> None:
        from lrlab.data import load_fashion_mnist
        from lrlab.training.config import TrainConfig

        self.config = TrainConfig(**{"schedule": "constant(0.3)", "epochs": 1000, **options})
        data = load_fashion_mnist(self.config.data_dir).subset(self.config.train_subset, self.config.test_subset)
        self.n_train = len(data.train_labels)
        try:
            from lrlab.backends import backend_class
            self.backend = backend_class(self.config.backend)(self.config.job(data))
        except ImportError:  # an lrlab from before backends were handed a Job (a src= side)
            from lrlab.training.backend import backend_class
            self.backend = backend_class(self.config.backend)(self.config, data, self.config.schedule_obj)
        self.epochs_done = 0

    def epoch(self) -> dict:
        from lrlab.training.loop import epoch_order

        order = epoch_order(self.config.seed, self.epochs_done, self.n_train)
        started = time.perf_counter()
        stats = self.backend.train_epoch(self.epochs_done, order, lambda: None)
        trained = time.perf_counter()
        test = self.backend.evaluate()
        test_acc = test["test_acc"] if isinstance(test, dict) else test
        self.epochs_done += 1
        return {"train_loss": stats.train_loss, "train_acc": stats.train_acc, "test_acc": test_acc,
                "train_seconds": trained - started, "eval_seconds": time.perf_counter() - trained}


def matmul_gflops(n: int = 2048, repeats: int = 5) -> float:
    """The best GFLOP/s of an n x n fp32 matmul on every core this process may use."""
    import torch

    torch.set_num_threads(len(os.sched_getaffinity(0)))
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - started)
    return 2 * n ** 3 / best / 1e9


def peak_rss_mb() -> dict:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"peak_rss_mb": own, "peak_rss_children_mb": children}


def serve(spec: str) -> None:
    """A side's process: answers ``epoch``, ``matmul`` and ``quit`` on stdin with JSON lines."""
    sys.path.insert(0, str(Path(__file__).parent))
    kind, options = parse_side(spec)
    if kind == "lrlab":
        if "src" in options:
            sys.path.insert(0, str(Path(options.pop("src")).resolve()))
        setup_process()
    started = time.perf_counter()
    side = BookSide(options) if kind == "book" else LrlabSide(options)
    reply({"ready": True, "setup_seconds": time.perf_counter() - started, "threads": _threads()})
    for line in sys.stdin:
        command = line.strip()
        if command == "epoch":
            reply(side.epoch())
        elif command == "matmul":
            reply({"gflops": matmul_gflops()})
        elif command == "quit":
            reply(peak_rss_mb())
            return


def setup_process() -> None:
    """What ``lrlab train`` does before it imports a framework (an lrlab older than
    lrlab.process did it on importing and building the backend)."""
    try:
        from lrlab.process import setup_training_process
    except ImportError:
        return
    setup_training_process()


def reply(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _threads() -> int | None:
    torch = sys.modules.get("torch")
    return torch.get_num_threads() if torch else None


class Side:
    """The parent's handle on one side's process."""

    def __init__(self, spec: str) -> None:
        self.spec = spec
        kind, options = parse_side(spec)
        self.is_torch = kind == "book" or options.get("backend", "torch") == "torch"
        command = [python_for(options.get("backend", "torch")), str(Path(__file__).resolve()), "--serve", spec]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.ready = self.read()
        self.epochs: list[dict] = []

    def ask(self, command: str) -> dict:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.read()

    def read(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"side {self.spec!r} stopped (exit {self.process.wait()})")
        return json.loads(line)

    def close(self) -> dict:
        rss = self.ask("quit")
        self.process.wait()
        return rss


def python_for(backend: str) -> str:
    from lrlab.experiments.executors.local import interpreter

    return interpreter(backend)


# -- the comparison ----------------------------------------------------------------------------------


def run(specs: list[str], rounds: int, warmup: int) -> dict:
    """Start every side, warm each up, then ``rounds`` rounds in alternating order."""
    load_before = os.getloadavg()
    sides = [Side(spec) for spec in specs]
    reference = next((side for side in sides if side.spec.startswith("lrlab") and side.is_torch), None)
    for _ in range(warmup):
        for side in sides:
            side.ask("epoch")
    gflops = []
    for r in range(rounds):
        for side in (sides if r % 2 == 0 else sides[::-1]):
            side.epochs.append(side.ask("epoch"))
            print(f"round {r}: {side.spec:36s} {side.epochs[-1]['train_seconds']:6.2f} s", file=sys.stderr)
        if reference:
            gflops.append(reference.ask("matmul")["gflops"])
    results = [summarise(side, side.close()) for side in sides]
    return {"sides": results, "matmul_gflops": gflops, "rounds": rounds, "warmup": warmup,
            "loadavg_before": load_before, "loadavg_after": os.getloadavg(), "cpus": os.cpu_count(),
            "flops_per_image": lenet_training_flops()}


def summarise(side: Side, rss: dict) -> dict:
    train = [e["train_seconds"] for e in side.epochs]
    evals = [e["eval_seconds"] for e in side.epochs]
    return {"side": side.spec, "threads": side.ready["threads"], "setup_seconds": side.ready["setup_seconds"],
            "train_seconds": train, "eval_seconds": evals, "median": statistics.median(train),
            "min": min(train), "max": max(train), "eval_median": statistics.median(evals),
            "last": side.epochs[-1], **rss}


def report(result: dict) -> str:
    peak = statistics.median(result["matmul_gflops"]) if result["matmul_gflops"] else None
    epoch_flop = result["flops_per_image"] * N_TRAIN
    lines = [f"{'side':36s} {'s/epoch median':>15s} {'min..max':>13s} {'eval s':>7s} {'examples/s':>10s} "
             f"{'GFLOP/s':>8s} {'of peak':>7s} {'RSS MB':>7s} {'test acc':>8s}"]
    for s in result["sides"]:
        achieved = epoch_flop / s["median"] / 1e9
        fraction = f"{achieved / peak:7.0%}" if peak else "      -"
        rss = s["peak_rss_mb"] + (s["peak_rss_children_mb"] if s["side"] == "book" else 0)
        lines.append(f"{s['side']:36s} {s['median']:15.2f} {s['min']:6.2f}..{s['max']:<6.2f} {s['eval_median']:7.2f} "
                     f"{N_TRAIN / s['median']:10.0f} {achieved:8.1f} {fraction} {rss:7.0f} {s['last']['test_acc']:8.3f}")
    base = result["sides"][0]
    for s in result["sides"][1:]:
        per_round = [a / b for a, b in zip(base["train_seconds"], s["train_seconds"])]
        lines.append(f"{base['side']} / {s['side']}: {base['median'] / s['median']:.2f}x (ratio of medians), "
                     f"per round {statistics.median(per_round):.2f}x median, "
                     f"{min(per_round):.2f}..{max(per_round):.2f}")
    if peak:
        lines.append(f"peak: {peak:.0f} GFLOP/s (2048^2 fp32 matmul, median of rounds, "
                     f"max {max(result['matmul_gflops']):.0f}); LeNet training "
                     f"{result['flops_per_image'] / 1e6:.2f} MFLOP/image = {epoch_flop / 1e9:.0f} GFLOP/epoch")
    lines.append(f"load average before {_load(result['loadavg_before'])}, after {_load(result['loadavg_after'])} "
                 f"on {result['cpus']} CPUs")
    return "\n".join(lines)


def _load(values) -> str:
    return " ".join(f"{v:.1f}" for v in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sides", default="book,lrlab",
                        help="the sides, separated by ',', the first is the reference (default book,lrlab); "
                             "a side's options follow ':', e.g. book,lrlab:threads=1,precision=bf16")
    parser.add_argument("--rounds", type=int, default=5, help="timed epochs per side (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="epochs per side left out first (default 1)")
    parser.add_argument("--json", type=Path, help="also write every number to this file")
    parser.add_argument("--serve", metavar="SIDE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve)
    result = run(split_sides(args.sides), args.rounds, args.warmup)
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


def split_sides(text: str) -> list[str]:
    """``"book,lrlab:threads=1,precision=bf16;lrlab"``: ';' always separates sides; a ',' does
    unless it continues a side's options (the item after it has '=' and no colon)."""
    sides: list[str] = []
    for item in text.replace(";", ",").split(","):
        if sides and "=" in item and ":" not in item and ":" in sides[-1]:
            sides[-1] += "," + item
        elif item:
            sides.append(item)
    return sides


if __name__ == "__main__":
    main()
