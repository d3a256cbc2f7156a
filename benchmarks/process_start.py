"""Benchmark 4: what a training process costs before its first update, and what ``lrlab run`` adds.

    LRLAB_DATA_DIR=../shared/data/fashion-mnist python benchmarks/process_start.py            # a few minutes
    python benchmarks/process_start.py --src /tmp/before/src --src src                        # two versions

Four measurements, each repeated ``--rounds`` times, the versions alternated within a round:

1. **reference**: ``python -c "import torch"``, process start to exit: what no torch training
   can avoid. Every other time is also printed as a multiple of it, which survives a busy machine
   better than seconds do.
2. **first update, a new process**: a process that goes the way ``lrlab train`` goes
   (``setup_training_process``, the imports, the data, the backend: model and optimizer, one update
   of ``--batch-size``), stamping the wall clock after each part; the parent's stamp before it
   starts the process is the zero.
   Also ``lrlab train`` itself, start to exit, on a one-update run (``--train-subset`` = one batch).
3. **a training forked from the forkserver** (what ``lrlab run`` does for torch): the server's start
   to ready (its imports, once per ``lrlab run``), then each one-update ``lrlab train`` forked from
   it, one at a time, from the fork to its exit: an upper bound of its first update.
4. **runner overhead**: ``lrlab run`` of ``--runs`` such one-update trainings one at a time
   (``--jobs 1``), against the sum of their own process lifetimes (``lrlab train`` of the same
   run, measured in 2.); and the gaps between one training's last write (its summary) and the next
   one's start (its train-config.json), which is what the runner's polling would add.

A version is a folder to import lrlab from (``git archive HEAD src | tar -x -C /tmp/before``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

FIRST_UPDATE = """
import json, sys, time
stamps = {}
from lrlab.process import setup_training_process
setup_training_process()
from lrlab.backends import backend_class
from lrlab.training.config import TrainConfig
from lrlab.training.loop import load_data, epoch_order
import lrlab.backends.torch
stamps["imports"] = time.time(), time.process_time()
config = TrainConfig(schedule="constant(0.1)", epochs=1, train_subset=int(sys.argv[1]), test_subset=100, threads=1,
                     batch_size=int(sys.argv[1]))
data = load_data(config)
stamps["data"] = time.time(), time.process_time()
backend = backend_class("torch")(config.job(data))
stamps["model and optimizer"] = time.time(), time.process_time()
backend.train_epoch(0, epoch_order(0, 0, config.train_subset), lambda: stamps.setdefault("first update", (time.time(), time.process_time())))
print(json.dumps(stamps))
"""

FORKED = """
import json, os, sys, time
from lrlab.experiments.executors.forkserver import Forkserver
batch, out, runs = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
started = time.time()
server = Forkserver.start()
server.wait_ready()
stamps = {"ready": time.time() - started, "trainings": []}
for run in range(runs):
    arguments = ["train", "--schedule", "constant(0.1)", "--epochs", "1", "--train-subset", str(batch),
                 "--batch-size", str(batch), "--test-subset", "100", "--threads", "1", "--out", f"{out}/{run}"]
    started = time.time()
    server.fork(arguments, dict(os.environ), os.devnull).wait()
    stamps["trainings"].append(time.time() - started)
server.close()
print(json.dumps(stamps))
"""


def environment(src: str) -> dict:
    return {**os.environ, "PYTHONPATH": str(Path(src).resolve()), "OMP_NUM_THREADS": "1"}


def timed(command: list[str], env: dict) -> tuple[float, float]:
    """The wall time of ``command``, and the CPU time (user + system) of it and its children."""
    before, started = children_cpu(), time.time()
    subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return time.time() - started, children_cpu() - before


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def first_update(src: str, batch: int) -> dict[str, tuple[float, float]]:
    """Wall seconds from process start to the end of each part (cumulative), and CPU seconds."""
    started = time.time()
    done = subprocess.run([sys.executable, "-c", FIRST_UPDATE, str(batch)], env=environment(src),
                          capture_output=True, text=True, check=True)
    stamps = json.loads(done.stdout.strip().splitlines()[-1])
    return {part: (wall - started, cpu) for part, (wall, cpu) in stamps.items()}


def train_once(src: str, batch: int, out: Path) -> tuple[float, float]:
    command = [sys.executable, "-m", "lrlab", "train", "--schedule", "constant(0.1)", "--epochs", "1",
               "--train-subset", str(batch), "--batch-size", str(batch), "--test-subset", "100", "--threads", "1",
               "--out", str(out)]
    return timed(command, environment(src))


def forked(src: str, batch: int, out: Path, runs: int) -> dict | None:
    """A forkserver's start to ready (its imports), and each one-update ``lrlab train`` forked from it,
    fork to exit, one at a time (wall seconds; None for a version without the forkserver)."""
    done = subprocess.run([sys.executable, "-c", FORKED, str(batch), str(out), str(runs)], env=environment(src),
                          capture_output=True, text=True)
    if done.returncode != 0 and "No module named 'lrlab.experiments.executors.forkserver'" in done.stderr:
        return None
    done.check_returncode()
    return json.loads(done.stdout.strip().splitlines()[-1])


def experiment(src: str, runs: int, batch: int, out: Path) -> tuple[tuple[float, float], list[float]]:
    """``lrlab run``'s wall time for ``runs`` one-update trainings, and the gaps between them."""
    path = out.with_suffix(".toml")
    path.write_text(f"[defaults]\nepochs = 1\ntrain_subset = {batch}\nbatch_size = {batch}\ntest_subset = 100\n"
                    f"threads = 1\nseeds = {list(range(runs))}\n[[runs]]\nname = \"tiny\"\n"
                    f"schedule = \"constant(0.1)\"\n", encoding="utf-8")
    times = timed([sys.executable, "-m", "lrlab", "run", str(path), "--jobs", "1", "--out", str(out)],
                  environment(src))
    folders = [out / "tiny" / f"seed-{seed}" for seed in range(runs)]
    spans = sorted(((f / "train-config.json").stat().st_mtime, (f / "summary.json").stat().st_mtime) for f in folders)
    gaps = [start - end for (_, end), (start, _) in zip(spans, spans[1:])]
    return times, gaps


def median(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s" + (f" ({min(values):.2f}-{max(values):.2f})" if len(values) > 1 else "")


def line(what: str, pairs: list[tuple[float, float]], reference: tuple[float, float]) -> str:
    """``what``: median wall and CPU seconds (their range), each also as a multiple of the reference's."""
    walls, cpus = [wall for wall, _ in pairs], [cpu for _, cpu in pairs]
    return (f"  {what:<44} wall {median(walls)} = {statistics.median(walls) / reference[0]:.2f}x, "
            f"CPU {median(cpus)} = {statistics.median(cpus) / reference[1]:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", action="append", help="a folder to import lrlab from (repeat to compare)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=6, help="trainings in the tiny experiment")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--json", type=Path, help="also write every number here")
    args = parser.parse_args()
    sources = args.src or [str(REPO / "src")]
    results: dict = {"load_before": os.getloadavg()[0], "reference": []}
    results |= {src: {"parts": [], "train": [], "forked": [], "run": [], "gaps": []} for src in sources}
    with tempfile.TemporaryDirectory() as scratch:
        for round_ in range(args.rounds):
            order = sources if round_ % 2 == 0 else sources[::-1]
            results["reference"].append(timed([sys.executable, "-c", "import torch"], environment(sources[0])))
            for i, src in enumerate(order):
                mine = results[src]
                mine["parts"].append(first_update(src, args.batch_size))
                mine["train"].append(train_once(src, args.batch_size, Path(scratch) / f"train-{round_}-{i}"))
                mine["forked"].append(forked(src, args.batch_size, Path(scratch) / f"forked-{round_}-{i}", args.runs))
                times, gaps = experiment(src, args.runs, args.batch_size, Path(scratch) / f"run-{round_}-{i}")
                mine["run"].append(times)
                mine["gaps"] += gaps
            print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr)
    results["load_after"] = os.getloadavg()[0]
    report(results, sources, args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


def report(results: dict, sources: list[str], args: argparse.Namespace) -> None:
    reference = tuple(statistics.median(values) for values in zip(*results["reference"]))
    print(f"load average {results['load_before']:.1f} -> {results['load_after']:.1f}; {args.rounds} rounds; "
          f"medians (range); CPU = user + system of the process and its children")
    print(line("reference: python -c 'import torch'", results["reference"], reference))
    for src in sources:
        mine = results[src]
        print(f"{src}")
        for part in mine["parts"][0]:
            print(line(f"start -> {part}", [parts[part] for parts in mine["parts"]], reference))
        print(line("lrlab train, one update, start to exit", mine["train"], reference))
        if all(mine["forked"]):
            ready = [stamps["ready"] for stamps in mine["forked"]]
            trainings = [wall for stamps in mine["forked"] for wall in stamps["trainings"]]
            print(f"  {'forkserver: start -> ready (its imports)':<44} wall {median(ready)}")
            print(f"  {'lrlab train forked from it, fork to exit':<44} wall {median(trainings)}"
                  f" = {statistics.median(trainings) / reference[0]:.2f}x ({len(trainings)} trainings)")
        print(line(f"lrlab run, {args.runs} such trainings, --jobs 1", mine["run"], reference))
        train_wall, train_cpu = (statistics.median(values) for values in zip(*mine["train"]))
        run_wall, run_cpu = (statistics.median(values) for values in zip(*mine["run"]))
        if all(mine["forked"]):  # lrlab run forks its trainings: compare with the server and the forked ones
            alone = statistics.median(ready) + args.runs * statistics.median(trainings)
            print(f"  runner overhead: lrlab run - (forkserver ready + {args.runs} x forked lrlab train) ="
                  f" wall {run_wall - alone:+.2f} s")
        else:
            print(f"  runner overhead: lrlab run - {args.runs} x lrlab train = wall {run_wall - args.runs * train_wall:+.2f} s,"
                  f" CPU {run_cpu - args.runs * train_cpu:+.2f} s")
        print(f"  gap from a training's summary to the next one's start: {median(mine['gaps'])}")


if __name__ == "__main__":
    main()
