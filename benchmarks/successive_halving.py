"""Benchmark: the best constant rate by successive halving, against the full grid.

    python benchmarks/successive_halving.py --grid runs/sweep-constant-rate   # the grid already trained: halve only
    python benchmarks/successive_halving.py                                   # trains the grid too (810 epochs)
    python benchmarks/successive_halving.py --quick                           # both in quick mode, a few minutes

It runs ``lrlab run experiments/sweep-constant-rate-asha.toml`` (9 rates x 3 seeds x 30 epochs,
halved at epochs 3 and 9) into ``OUT/halved``, and compares it with the full grid
(experiments/sweep-constant-rate.toml): the folder given by ``--grid`` (only read, never
written), or one it trains into ``OUT/grid``. It answers:

- does halving pick the grid's best rate (by mean final test accuracy over the seeds), or a
  neighbouring rate within noise (the gap between their grid means under the larger of their
  seed standard deviations)?
- with how many training epochs, against the grid's (the target: a third or less), and how long?
- the same decisions, replayed on the grid's own metrics (training is deterministic, so a halved
  run sees exactly the numbers the grid's run of the same rate has): do they agree? And does the
  run that went on to the end end with the grid's numbers, bitwise?

Each rung is printed with its ranking, its scores and each rate's final grid accuracy; then, replayed
on the grid's metrics (no training), what other rules (grace 1-5, reduction 2-4) would have picked
and trained. Everything goes to ``OUT/successive-halving.json``. ``--quick`` runs both sweeps in quick mode
(5,000 training images, seed 0); a ``--grid`` folder must then be a quick one too.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path

from lrlab.experiments import load_experiment
from lrlab.experiments.halving import EarlyStopping, halve
from lrlab.report.load import load_results
from lrlab.runfolder import RunDir

ROOT = Path(__file__).resolve().parents[1]
GRID = ROOT / "experiments" / "sweep-constant-rate.toml"
HALVED = ROOT / "experiments" / "sweep-constant-rate-asha.toml"
TIMING = ("epoch_seconds", "examples_per_second")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--grid", type=Path, metavar="DIR", help="a finished run folder of the full grid (only read)")
    parser.add_argument("--out", type=Path, metavar="DIR", help="where to train (default runs/benchmark-successive-halving[-quick])")
    parser.add_argument("--quick", action="store_true", help="both sweeps in quick mode: 5,000 images, seed 0")
    parser.add_argument("--jobs", type=int, metavar="N", help="passed to lrlab run")
    args = parser.parse_args()
    out = args.out or Path("runs") / ("benchmark-successive-halving" + "-quick" * args.quick)
    halved_seconds = run(HALVED, out / "halved", args)
    grid, grid_seconds = (args.grid, None) if args.grid else (out / "grid", run(GRID, out / "grid", args))
    check_same_runs(grid, out / "halved")
    result = compare(grid, out / "halved") | {"quick": args.quick, "halved_seconds": halved_seconds,
                                               "grid_seconds": grid_seconds}
    (out / "successive-halving.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out / 'successive-halving.json'}")


def run(experiment: Path, out: Path, args: argparse.Namespace) -> float:
    """``lrlab run EXPERIMENT --out OUT`` (resumes if OUT holds part of it); its wall seconds."""
    command = [sys.executable, "-m", "lrlab", "run", str(experiment), "--out", str(out)]
    command += ["--quick"] * args.quick + (["--jobs", str(args.jobs)] if args.jobs else [])
    print("$", " ".join(command), flush=True)
    started = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - started


def check_same_runs(grid: Path, halved: Path) -> None:
    """The grid folder holds the halved sweep's runs with the same settings (else nothing compares)."""
    ours = {run.name: [run.config(seed) for seed in run.seeds] for run in load_experiment(halved / "experiment.toml").runs}
    theirs = {run.name: [run.config(seed) for seed in run.seeds] for run in load_experiment(grid / "experiment.toml").runs}
    if ours != theirs:
        raise SystemExit(f"{grid} is not the grid of {halved}'s runs (other runs, seeds or settings; "
                         "--quick needs a quick grid)")


def compare(grid: Path, halved: Path) -> dict:
    experiment = load_experiment(halved / "experiment.toml")
    rule, epochs = experiment.runs[0].early_stopping, experiment.runs[0].config(0).epochs
    names = [run.name for run in experiment.runs]
    rate = {run.name: run.params["schedule.base_lr"] for run in experiment.runs}
    record = json.loads((halved / f"{experiment.runs[0].sweep}.rungs.json").read_text())
    final = {run.name: run.final("test_acc")[:2] for run in load_results(grid).runs}  # mean, std over completed seeds
    best = max(names, key=lambda name: (final[name][0], -names.index(name)))
    pick = record["decisions"][-1]["promoted"][0]
    verdict = judge(names, final, best, pick)
    folders = [(run.name, [grid / run.name / f"seed-{s}" for s in run.seeds]) for run in experiment.runs]
    replayed = halve(rule, folders, epochs)
    same_decisions = [(r.epoch, list(r.promoted)) for r in replayed.rungs] == \
                     [(d["epoch"], d["promoted"]) for d in record["decisions"]]
    seeds = experiment.runs[0].seeds
    bitwise = all(numbers(halved / pick / f"seed-{s}") == numbers(grid / pick / f"seed-{s}") for s in seeds)
    trained = sum(len(RunDir(halved / name / f"seed-{s}").read_metrics()) for name in names for s in seeds)
    total = epochs * len(names) * len(seeds)
    for decision in record["decisions"]:
        print(f"rung {decision['rung']} (epoch {decision['epoch']}): " + ", ".join(
            f"{rate[e['run']]} {_score(e['score'])} (grid final {_score(final[e['run']][0])})"
            + (" *" if e["run"] in decision["promoted"] else "") for e in decision["ranked"]))
    others = other_rules(folders, epochs, names, final, best)
    for line in others:
        print(f"replayed on the grid: grace {line['grace']}, reduction {line['reduction']}: picks {rate[line['pick']]} "
              f"({line['verdict']}) with {line['epochs']} of {total} epochs ({100 * line['epochs'] / total:.0f}%)")
    print(f"grid best: base_lr {rate[best]} (test acc {final[best][0]:.4f} +- {final[best][1]:.4f}); "
          f"halving picked base_lr {rate[pick]} (grid: {final[pick][0]:.4f} +- {final[pick][1]:.4f}): "
          + verdict)
    print(f"trained {trained} of {total} epochs ({100 * trained / total:.0f}%); decisions replayed on the grid's "
          f"metrics: {'the same' if same_decisions else 'DIFFERENT'}; the pick's metrics equal the grid's: "
          f"{'bitwise' if bitwise else 'NO'}")
    return {"rule": rule.to_dict(), "epochs": epochs, "grid": str(grid), "halved": str(halved),
            "grid_best": {"base_lr": rate[best], "test_acc": final[best]},
            "picked": {"base_lr": rate[pick], "grid_test_acc": final[pick]},
            "verdict": verdict,
            "epochs_trained": trained, "epochs_grid": total, "same_decisions_on_grid": same_decisions,
            "pick_bitwise_equal_to_grid": bitwise, "rungs": record["decisions"], "other_rules": others}


def other_rules(folders: list, epochs: int, names: list[str], final: dict, best: str) -> list[dict]:
    """What halving with other rules would pick and train, decided on the grid's own metrics (the
    numbers a halved sweep would see: training is deterministic)."""
    lines = []
    for grace in (1, 2, 3, 5):
        for reduction in (2, 3, 4):
            state = halve(EarlyStopping(grace, reduction), folders, epochs)
            pick = state.rungs[-1].promoted[0]
            trained = sum(len(seeds) * (state.stopped[name].epoch if name in state.stopped else epochs)
                          for name, seeds in folders)
            lines.append({"grace": grace, "reduction": reduction, "pick": pick, "epochs": trained,
                          "verdict": judge(names, final, best, pick)})
    return lines


def judge(names: list[str], final: dict, best: str, pick: str) -> str:
    """The same rate; a neighbouring rate whose grid mean is within noise of the best's (the gap
    under the larger of their seed standard deviations), or without a noise estimate (one seed);
    or another rate."""
    if pick == best:
        return "the same"
    if abs(names.index(pick) - names.index(best)) != 1:
        return "another rate"
    noise = max(final[best][1], final[pick][1])
    if math.isnan(noise):
        return "a neighbour (one seed: no noise estimate)"
    return "a neighbour within noise" if final[best][0] - final[pick][0] < noise else "a neighbour, beyond noise"


def numbers(folder: Path) -> list[dict]:
    return [{k: v for k, v in row.to_dict().items() if k not in TIMING} for row in RunDir(folder).read_metrics()]


def _score(score) -> str:
    """A rung's score or a grid mean: "none" where every seed diverged (or none completed)."""
    return "none" if score is None or not math.isfinite(score) else f"{score:.4f}"


if __name__ == "__main__":
    main()
