"""Benchmark 2: the chapter's suite end to end with ``lrlab run``, against the book's loop run five times.

    LRLAB_DATA_DIR=../shared/data/fashion-mnist python benchmarks/chapter_suite.py      # 10 epochs, ~5 minutes
    python benchmarks/chapter_suite.py --epochs 30 --precision fp32,bf16   # the full suite: 5 runs x 30 epochs
    python benchmarks/chapter_suite.py --epochs 5 --jobs default,1,2 --repeat 2 --skip-book   # runs at once x threads

lrlab's side is timed for real: ``lrlab run`` on a copy of experiments/d2l-chapter.toml
cut to one seed (seed 0) and ``--epochs``, from the command's start to its end
(process starts, data loading, training, evaluation, checkpoints). While it runs,
every ``lrlab train`` process it starts is polled in /proc for its peak resident
memory (VmHWM).

The book's side is extrapolated, not run 5 x 30 epochs: benchmarks/book_loop.py is
started before lrlab's runs and again after them, and trains ``--book-epochs`` epochs
each time; one book run of E epochs is taken to cost its start (interpreter, imports,
data, until its first epoch can begin) + its first epoch (median of the two) + (E - 1) x
the median of the later epochs (training and evaluation each), and the suite five of
those in a row, as the book's code runs them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import tomli_w

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

sys.path.insert(0, str(Path(__file__).parent))
from epoch_time import Side  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "experiments" / "d2l-chapter.toml"
RUNS = 5


def one_seed_copy(folder: Path, epochs: int, precision: str) -> Path:
    """experiments/d2l-chapter.toml with one seed, ``epochs`` epochs and ``precision``, in ``folder``."""
    data = tomllib.loads(CHAPTER.read_text(encoding="utf-8"))
    data["defaults"].update(seeds=[0], epochs=epochs)
    if precision != "fp32":
        data["defaults"]["precision"] = precision
    for run in data["runs"]:
        for key in ("seeds", "epochs"):
            run.pop(key, None)
    path = folder / f"d2l-chapter-1seed-{epochs}ep-{precision}.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def run_lrlab(toml: Path, out: Path, jobs: str, precision: str) -> dict:
    """``lrlab run TOML --out OUT [--jobs JOBS]`` (no ``--jobs`` for "default"): wall time, each
    run's peak RSS and final numbers."""
    command = [sys.executable, "-m", "lrlab", "run", str(toml), "--out", str(out)]
    command += [] if jobs == "default" else ["--jobs", jobs]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peaks: dict[int, float] = {}
    while process.poll() is None:
        poll_peaks(str(out), peaks)
        time.sleep(0.2)
    wall = time.perf_counter() - started
    log = process.stdout.read()
    if process.returncode != 0:
        raise SystemExit(f"lrlab run failed ({process.returncode}):\n{log}")
    return {"jobs": jobs, "precision": precision, "wall_seconds": wall, "peak_rss_mb": sorted(peaks.values()),
            "runs": run_results(out)}


def poll_peaks(marker: str, peaks: dict[int, float]) -> None:
    """Record VmHWM (MB) of every ``lrlab train`` process whose command line mentions ``marker``."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            if "lrlab train" not in command or marker not in command:
                continue
            status = (entry / "status").read_text()
        except OSError:  # it has just exited
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks[int(entry.name)] = max(peaks.get(int(entry.name), 0.0), int(line.split()[1]) / 1024)


def run_results(out: Path) -> list[dict]:
    results = []
    for summary_path in sorted(out.glob("*/seed-*/summary.json")):
        summary = json.loads(summary_path.read_text())
        rows = [json.loads(line) for line in (summary_path.parent / "metrics.jsonl").read_text().splitlines()]
        results.append({"run": summary_path.parent.parent.name, "status": summary["status"],
                        "wall_seconds": summary["wall_seconds"], **(summary["final"] or {}),
                        "epoch_seconds": statistics.median(row["epoch_seconds"] for row in rows)})
    return results


def measure_book(epochs: int) -> dict:
    """The book loop's start and ``epochs`` epochs, in a process of its own."""
    started = time.perf_counter()
    side = Side("book")
    start = time.perf_counter() - started
    rows = [side.ask("epoch") for _ in range(epochs)]
    rss = side.close()
    return {"start_seconds": start, "epochs": rows, **rss}


def later_epochs(books: list[dict]) -> list[dict]:
    """Every measured epoch but each process's first (its warm-up)."""
    return [row for book in books for row in (book["epochs"][1:] or book["epochs"])]


def book_suite_seconds(books: list[dict], epochs: int) -> float:
    """The extrapolated suite: per run, the median start and first epoch, then the median later epoch."""
    median = statistics.median
    later = later_epochs(books)
    per_epoch = median(r["train_seconds"] for r in later) + median(r["eval_seconds"] for r in later)
    first = median(b["start_seconds"] + b["epochs"][0]["train_seconds"] + b["epochs"][0]["eval_seconds"] for b in books)
    return RUNS * (first + (epochs - 1) * per_epoch)


def report(result: dict) -> str:
    lines = []
    books = result.get("book", [])
    for when, book in zip(("before", "after"), books):
        later = book["epochs"][1:] or book["epochs"]
        lines.append(f"book loop ({when} lrlab): start {book['start_seconds']:.1f} s, first epoch "
                     f"{book['epochs'][0]['train_seconds']:.1f} + {book['epochs'][0]['eval_seconds']:.1f} s eval, later epochs "
                     f"{statistics.median(r['train_seconds'] for r in later):.2f} + "
                     f"{statistics.median(r['eval_seconds'] for r in later):.2f} s eval (median of {len(later)}); "
                     f"peak RSS {book['peak_rss_mb']:.0f} MB + workers {book['peak_rss_children_mb']:.0f} MB")
    if books:
        lines.append(f"book loop x {RUNS} runs x {result['epochs']} epochs (extrapolated from both): "
                     f"{result['book_seconds']:.0f} s")
    for suite in result["lrlab"]:
        ratio = f", {result['book_seconds'] / suite['wall_seconds']:.1f}x faster than the book" if books else ""
        lines.append(f"lrlab run, --jobs {suite['jobs']}, {suite['precision']}: {suite['wall_seconds']:.0f} s{ratio}; "
                     f"peak RSS per run {', '.join(f'{mb:.0f}' for mb in suite['peak_rss_mb'])} MB")
        for run in suite["runs"]:
            lines.append(f"    {run['run']:14s} {run['status']:9s} epoch {run['epoch_seconds']:.2f} s, "
                         f"train loss {run.get('train_loss', float('nan')):.3f}, train acc {run.get('train_acc', 0):.3f}, "
                         f"test acc {run.get('test_acc', 0):.3f}")
    lines.append(f"load average at the end: {' '.join(f'{v:.1f}' for v in os.getloadavg())} on {os.cpu_count()} CPUs")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10, help="epochs per run (default 10; the chapter's is 30)")
    parser.add_argument("--jobs", default="default",
                        help="lrlab run --jobs, or 'default' for none (lrlab's own choice: 3 for 5 runs on "
                             "2 cores); a comma list runs each (default: default)")
    parser.add_argument("--repeat", type=int, default=1, help="run the list of --jobs this many times, alternating")
    parser.add_argument("--precision", default="fp32", help="fp32 or bf16; a comma list runs each (default fp32)")
    parser.add_argument("--book-epochs", type=int, default=3,
                        help="epochs of the book loop to measure, before lrlab and again after (default 3)")
    parser.add_argument("--skip-book", action="store_true", help="measure lrlab only")
    parser.add_argument("--json", type=Path, help="also write every number to this file")
    args = parser.parse_args()
    precisions = args.precision.split(",")
    if not set(precisions) <= {"fp32", "bf16"}:
        parser.error(f"--precision {args.precision}: each must be fp32 or bf16")
    sides = [(j, p) for j in args.jobs.split(",") for p in precisions]
    if not all(j == "default" or j.isdigit() for j, _ in sides):
        parser.error(f"--jobs {args.jobs}: each must be a number or 'default'")
    result = {"epochs": args.epochs, "lrlab": []}
    if not args.skip_book:
        result["book"] = [measure_book(args.book_epochs)]
    with tempfile.TemporaryDirectory(prefix="lrlab-suite-") as folder:
        for r in range(args.repeat):
            for j, precision in (sides if r % 2 == 0 else sides[::-1]):
                toml = one_seed_copy(Path(folder), args.epochs, precision)
                result["lrlab"].append(run_lrlab(toml, Path(folder) / f"run-{r}-jobs{j}-{precision}", j, precision))
                print(f"jobs {j}, {precision}: {result['lrlab'][-1]['wall_seconds']:.0f} s", file=sys.stderr)
    if not args.skip_book:  # again after: the load may have changed meanwhile
        result["book"].append(measure_book(args.book_epochs))
        result["book_seconds"] = book_suite_seconds(result["book"], args.epochs)
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
