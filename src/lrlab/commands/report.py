"""``lrlab report``: a run folder of ``lrlab run`` as report.md, report.html, figures, CSV and JSON."""

from __future__ import annotations

import argparse

HELP = "Write a run folder's report: a results table (mean ± std over seeds), learning rates and curves."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_folder", metavar="RUNDIR", help="a folder written by lrlab run")
    parser.add_argument("--out", metavar="DIR", help="where to write the report (default: RUNDIR/report)")
    parser.add_argument("--find-lr", metavar="DIR", help="a folder of lrlab find-lr (with suggestions.json) to compare "
                                                         "with a sweep's best base rate (default: RUNDIR/find-lr if there)")


def run(args: argparse.Namespace) -> int:
    from ..report.write import write_report

    out = write_report(args.run_folder, args.out, args.find_lr)
    print(f"wrote {out / 'report.md'}, {out / 'report.html'}, results.csv and summary.json")
    return 0
