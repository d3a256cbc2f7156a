"""``lrlab plot``: schedules on one figure, and their values as CSV."""

from __future__ import annotations

import argparse

from ..schedules import parse
from . import UsageError

HELP = "Plot schedules given as spec strings on one figure (PNG), optionally with their values as CSV."

EXAMPLE = """example:
  lrlab plot "cosine(max_update=20, base_lr=0.3, final_lr=0.01)" "power(base_lr=0.1)" --steps 30 -o lr.png --csv lr.csv
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EXAMPLE
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("specs", nargs="+", metavar="SPEC", help="a schedule spec, e.g. 'constant(0.3)'")
    parser.add_argument("--steps", type=int, default=30, help="plot steps 0 .. N-1 (default 30)")
    parser.add_argument("-o", "--output", required=True, metavar="FILE.png", help="the figure to write")
    parser.add_argument("--csv", metavar="FILE.csv", help="also write the values, one column per schedule")
    parser.add_argument("--label", action="append", metavar="TEXT", help="a legend label, once per SPEC, in order")
    parser.add_argument("--xlabel", default="step", help="the x axis label (default 'step'; 'epoch' for epoch schedules)")
    parser.add_argument("--title", default="Learning-rate schedules")


def run(args: argparse.Namespace) -> int:
    if args.steps < 1:
        raise UsageError(f"--steps={args.steps} is invalid: must be an integer >= 1")
    if args.label and len(args.label) != len(args.specs):
        raise UsageError(f"--label is given {len(args.label)} times for {len(args.specs)} specs: give one per SPEC, or none")
    from ..report.schedule_plot import plot_schedules, write_schedule_csv

    schedules = [parse(spec) for spec in args.specs]
    figure = plot_schedules(schedules, args.steps, args.output, labels=args.label, xlabel=args.xlabel, title=args.title)
    print(f"wrote {figure}")
    if args.csv:
        print(f"wrote {write_schedule_csv(schedules, args.steps, args.csv, labels=args.label)}")
    return 0
