"""``lrlab run``: every run and seed of an experiment file, as local processes, into one run folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import UsageError

HELP = "Run an experiment file (TOML): every run x seed as its own process; rerun to resume."

EXAMPLE = """examples:
  lrlab run experiments/d2l-chapter.toml --quick --report   # a one-minute preview, into runs/d2l-chapter-quick
  lrlab run experiments/d2l-chapter.toml --jobs 2           # the full chapter, into runs/d2l-chapter

Running the same command again skips finished runs and resumes interrupted ones.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EXAMPLE
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("experiment", metavar="EXPERIMENT.toml", help="the experiment file")
    parser.add_argument("--jobs", type=int, metavar="N", help="runs at once (default: one per core)")
    parser.add_argument("--out", metavar="DIR", help="the run folder (default: runs/<file name>, or runs/<file name>-quick)")
    parser.add_argument("--quick", action="store_true",
                        help="a preview: small data subsets and the first seed only (the run folder says so)")
    parser.add_argument("--report", action="store_true", help="write the report (DIR/report) at the end")


def run(args: argparse.Namespace) -> int:
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs={args.jobs} is invalid: must be an integer >= 1")
    from ..experiments import load_experiment, run_experiment

    experiment = load_experiment(args.experiment)
    stem = Path(args.experiment).stem
    out = Path(args.out) if args.out else Path("runs") / (f"{stem}-quick" if args.quick else stem)
    statuses = run_experiment(experiment, out, jobs=args.jobs, quick=args.quick)
    unfinished = sorted(name for name, status in statuses.items() if status not in ("completed", "diverged"))
    if args.report:
        from ..report.write import write_report

        print(f"wrote {write_report(out) / 'report.md'} and report.html")
    if unfinished:
        print(f"not finished: {', '.join(unfinished)} (see their train.log); run the same command again to resume")
        return 1
    return 0
