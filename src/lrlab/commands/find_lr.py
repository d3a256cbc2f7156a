"""``lrlab find-lr``: the learning-rate range test, with suggested rates, over one seed or several.

Writes into ``--out`` (default ``runs/find-lr``):

- ``find-lr.csv``: ``seed, step, lr, loss, smoothed``, one row per update trained;
- ``find-lr.png``: the loss against the rate (log axis), raw and smoothed, suggestions marked;
- ``suggestions.json``: ``{"schedule_min", "schedule_max", "mode", "steps", "seeds",
  "suggestions": {"valley": [...], "steep": [...], "min_div_10": [...]}, "settings": {...}}``,
  each suggestion a list over ``seeds`` in their order (null where a seed's curve gives none),
  ``settings`` the training settings the test ran with; beside them ``spread`` (geometric mean,
  min and max of each suggestion) and ``curves`` (each seed's updates and whether it stopped early).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import math
from pathlib import Path

from ..training.range_test import RangeTest
from . import UsageError
from .options import add_train_options, given

HELP = "Find a learning rate: the LR range test (the rate rises every update until the loss explodes), with suggestions."

EXAMPLE = """examples:
  lrlab find-lr --quick
  lrlab find-lr --seeds 3 --min-lr 1e-4 --max-lr 10 --steps 500 --out runs/find-lr
  lrlab find-lr --backend keras --momentum 0.9 --seeds 0,1,2

The training settings (model, optimizer, batch size, ...) are those of lrlab train; the range
test decides the schedule, the clock and the length, and tests no examples.
"""

DECIDED_HERE = ("schedule", "epochs", "unit", "seed", "test_subset")
"""TrainConfig fields the range test sets itself (``--seeds`` stands for the seed)."""

NOT_MEANINGFUL = ("holdout", "posterior")
"""TrainConfig fields of the evaluation after training, which a range test does not do: no option."""

QUICK_TRAIN_SUBSET = 5000
"""``--quick``'s training examples, as ``lrlab run --quick``."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EXAMPLE
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--min-lr", type=float, default=RangeTest.min_lr, metavar="LR", help=f"the first rate (default {RangeTest.min_lr:g})")
    parser.add_argument("--max-lr", type=float, default=RangeTest.max_lr, metavar="LR", help=f"the last rate (default {RangeTest.max_lr:g})")
    parser.add_argument("--steps", type=int, default=RangeTest.steps, metavar="N",
                        help=f"updates, at most (default {RangeTest.steps})")
    parser.add_argument("--mode", default="exp", metavar="{exp,linear}",
                        help="how the rate rises: by the same factor every update, or by the same amount (default exp)")
    parser.add_argument("--beta", type=float, default=RangeTest.beta, metavar="B",
                        help="the smoothing's weight of the past (default 0.98)")
    parser.add_argument("--seeds", default="1", metavar="K|LIST",
                        help="K seeds (0 .. K-1), or a list such as 0,1,2 (one seed s: 's,'); default 1")
    parser.add_argument("--quick", action="store_true",
                        help=f"train on the first {QUICK_TRAIN_SUBSET} examples only (a preview)")
    parser.add_argument("--out", type=Path, default=Path("runs/find-lr"), metavar="DIR",
                        help="the folder to write find-lr.csv, find-lr.png and suggestions.json into (default runs/find-lr)")
    add_train_options(parser, skip=DECIDED_HERE + NOT_MEANINGFUL)


def run(args: argparse.Namespace) -> int:
    from ..backends.mxnet_env import needs_other_interpreter, reexec
    from ..training.config import TrainConfig
    from ..training.range_run import range_config

    test = RangeTest(min_lr=args.min_lr, max_lr=args.max_lr, steps=args.steps, mode=args.mode, beta=args.beta)
    seeds = parse_seeds(args.seeds)
    options = given(args, skip=DECIDED_HERE + NOT_MEANINGFUL)
    if args.quick:
        options["train_subset"] = min(options.get("train_subset") or QUICK_TRAIN_SUBSET, QUICK_TRAIN_SUBSET)
    config = range_config(TrainConfig(schedule=repr(test.schedule()), **options), test)  # every setting checked now
    if needs_other_interpreter(config.backend):
        return reexec(args.argv)  # MXNet lives in an environment of its own
    curves = _run_seeds(config, test, seeds)
    _print(curves, test)
    for path in _write(curves, test, config, args.out):
        print(f"wrote {path}")
    return 0


def parse_seeds(text: str) -> list[int]:
    """``--seeds``: a count K (seeds 0 .. K-1) or a comma-separated list (``"7,"`` is seed 7 alone).

    >>> parse_seeds("3"), parse_seeds("0,2,5"), parse_seeds("7,")
    ([0, 1, 2], [0, 2, 5], [7])
    """
    parts = [part.strip() for part in text.split(",")]
    try:
        numbers = [int(part) for part in parts if part]
    except ValueError:
        numbers = []
    if not numbers or any(n < 0 for n in numbers) or ("," not in text and numbers[0] < 1):
        raise UsageError(f"--seeds={text!r} is invalid: give a count K >= 1 or a list of seeds >= 0 such as 0,1,2")
    if "," not in text:
        return list(range(numbers[0]))
    if len(set(numbers)) != len(numbers):
        raise UsageError(f"--seeds={text!r} is invalid: a seed is listed twice")
    return numbers


def _run_seeds(config, test, seeds: list[int]) -> list:
    from tqdm.auto import tqdm

    from ..training.loop import load_data
    from ..training.range_run import run_range_test

    data = load_data(config)  # once for every seed, and before the progress bar: its errors stand alone
    curves = []
    with tqdm(total=test.steps * len(seeds), unit="update", dynamic_ncols=True) as bar:
        for seed in seeds:
            bar.set_description(f"seed {seed}")
            curves.append(run_range_test(dataclasses.replace(config, seed=seed), test, data, bar.update))
            bar.total -= test.steps - len(curves[-1].losses)  # a stopped test leaves updates undone
            bar.refresh()
    return curves


# -- what it prints and writes ------------------------------------------------------------------


def _print(curves: list, test) -> None:
    from ..training.range_test import SUGGESTIONS

    print(f"range test: {test.mode} from {test.min_lr:g} to {test.max_lr:g} over {test.steps} updates")
    for curve in curves:
        end = (f"stopped at update {len(curve.losses) - 1} (lr {curve.rates[-1]:.3g}): the smoothed loss exploded"
               if curve.stopped else f"ran all {len(curve.losses)} updates")
        tips = ", ".join(f"{name} {_rate(curve.suggestions[name])}" for name in SUGGESTIONS)
        print(f"seed {curve.seed}: {end}; {tips}")
    if len(curves) > 1:
        print(f"over {len(curves)} seeds (geometric mean [min, max]):")
        for name, spread in _spread(curves).items():
            print(f"  {name:<11}" + (f"{spread['geomean']:.3g} [{spread['min']:.3g}, {spread['max']:.3g}]"
                                     if spread else "none"))


def _rate(rate: float | None) -> str:
    return "none" if rate is None else f"{rate:.3g}"


def _spread(curves: list) -> dict[str, dict | None]:
    """Each suggestion's geometric mean, min and max over the seeds that give one (None: no seed does)."""
    from ..training.range_test import SUGGESTIONS

    spread = {}
    for name in SUGGESTIONS:
        rates = [curve.suggestions[name] for curve in curves if curve.suggestions[name] is not None]
        spread[name] = {"geomean": math.exp(sum(map(math.log, rates)) / len(rates)), "min": min(rates),
                        "max": max(rates), "seeds": len(rates)} if rates else None
    return spread


def _write(curves: list, test, config, out: Path) -> list[Path]:
    from ..report.range_test import plot_range_test
    from ..training.range_test import SUGGESTIONS

    out.mkdir(parents=True, exist_ok=True)
    table = out / "find-lr.csv"
    with table.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["seed", "step", "lr", "loss", "smoothed"])
        for curve in curves:
            for step, row in enumerate(zip(curve.rates, curve.losses, curve.smoothed)):
                writer.writerow([curve.seed, step, *(repr(float(value)) for value in row)])
    settings = {key: value for key, value in config.to_dict().items() if key not in DECIDED_HERE}
    document = {
        "schedule_min": test.min_lr, "schedule_max": test.max_lr, "mode": test.mode, "steps": test.steps,
        "seeds": [curve.seed for curve in curves],
        "suggestions": {name: [curve.suggestions[name] for curve in curves] for name in SUGGESTIONS},
        "settings": settings,
        "schedule": config.schedule, "beta": test.beta, "stop_factor": test.stop_factor,
        "spread": _spread(curves),
        "curves": [{"seed": curve.seed, "updates": len(curve.losses), "stopped": curve.stopped} for curve in curves],
    }
    summary = out / "suggestions.json"
    summary.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    title = f"{config.model}, {config.optimizer}, batch {config.batch_size} ({config.backend}): {test.mode} ramp"
    return [table, plot_range_test(curves, out / "find-lr.png", title=title), summary]
