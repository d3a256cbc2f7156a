"""Ray's overhead: the chapter's quick experiment through a local Ray against local processes, in one run.

    LRLAB_DATA_DIR=../shared/data/fashion-mnist python benchmarks/ray_overhead.py             # 1 round, both sides
    python benchmarks/ray_overhead.py --rounds 3 --epochs 10                                  # shorter trainings, more rounds

Each side runs ``lrlab run experiments/d2l-chapter.toml --quick`` (5 runs x 30 epochs on 5,000
images, one seed) into a fresh folder, as ``run_experiment`` with the same jobs and threads: once
with :class:`~lrlab.experiments.executors.LocalProcessExecutor`, once with
:class:`~lrlab.experiments.executors.ray.RayExecutor` on a local Ray (2 CPUs' worth of this
machine, bound to 127.0.0.1). The sides alternate (A B, B A, ...). A side's time is the
experiment's wall time from the first submit to the last training's end; the Ray instance's
start and stop are timed apart (a cluster pays them once, not per experiment). It prints each
time, the ratio Ray / local (the median over rounds) and the load average before and after, and
checks that both sides ended with the same numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "experiments" / "d2l-chapter.toml"
TIMING = ("epoch_seconds", "examples_per_second")


def quick_chapter(epochs: int | None):
    """The chapter's quick experiment, its epochs cut to ``epochs`` when given."""
    import dataclasses

    from lrlab.experiments import load_experiment, quick_version

    experiment = quick_version(load_experiment(CHAPTER))
    if epochs is None:
        return experiment
    runs = tuple(dataclasses.replace(run, settings={**run.settings, "epochs": epochs}) for run in experiment.runs)
    return dataclasses.replace(experiment, runs=runs)


def run_side(side: str, experiment, out: Path) -> tuple[float, float]:
    """Run ``experiment`` on ``side`` into ``out``; (the experiment's seconds, Ray's start + stop seconds)."""
    from lrlab.experiments import run_experiment
    from lrlab.experiments.executors import LocalProcessExecutor

    if side == "local":
        started = time.perf_counter()
        run_experiment(experiment, out, executor=LocalProcessExecutor())
        return time.perf_counter() - started, 0.0
    from lrlab.experiments.executors.ray import RayExecutor

    started = time.perf_counter()
    executor = RayExecutor()
    ray_start = time.perf_counter() - started
    try:
        started = time.perf_counter()
        run_experiment(experiment, out, executor=executor)
        seconds = time.perf_counter() - started
    finally:
        stopping = time.perf_counter()
        executor.close()
    return seconds, ray_start + time.perf_counter() - stopping


def numbers(out: Path) -> dict:
    return {str(path.relative_to(out)): [{k: v for k, v in json.loads(line).items() if k not in TIMING}
                                         for line in path.read_text().splitlines()]
            for path in sorted(out.glob("*/seed-*/metrics.jsonl"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="rounds of both sides, alternating which goes first")
    parser.add_argument("--epochs", type=int, help="cut every run to this many epochs (default: the quick 30)")
    parser.add_argument("--json", type=Path, help="also write every number here")
    args = parser.parse_args()
    experiment = quick_chapter(args.epochs)
    print(f"load average before: {os.getloadavg()}", flush=True)
    times: dict[str, list[float]] = {"local": [], "ray": []}
    ray_overhead: list[float] = []
    with tempfile.TemporaryDirectory(prefix="ray-overhead-") as scratch:
        for round_ in range(args.rounds):
            order = ("local", "ray") if round_ % 2 == 0 else ("ray", "local")
            outs = {}
            for side in order:
                outs[side] = Path(scratch) / f"{side}-{round_}"
                seconds, ray_seconds = run_side(side, experiment, outs[side])
                times[side].append(seconds)
                ray_overhead += [ray_seconds] if side == "ray" else []
                print(f"round {round_}: {side}: {seconds:.1f} s" +
                      (f" (Ray's start and stop apart: {ray_seconds:.1f} s)" if side == "ray" else ""), flush=True)
            assert numbers(outs["local"]) == numbers(outs["ray"]), "the two sides' numbers differ"
    local, ray = statistics.median(times["local"]), statistics.median(times["ray"])
    print(f"median: local {local:.1f} s, ray {ray:.1f} s: ray / local = {ray / local:.3f} "
          f"({(ray / local - 1) * 100:+.1f}% wall time); Ray start + stop {statistics.median(ray_overhead):.1f} s")
    print(f"load average after: {os.getloadavg()}")
    if args.json:
        args.json.write_text(json.dumps({"times": times, "ray_start_stop": ray_overhead, "ratio": ray / local,
                                         "epochs": args.epochs, "rounds": args.rounds}, indent=2))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
