"""``lrlab run``: every run and seed of an experiment file, as local processes or Ray tasks, into one run folder."""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path

from ..training.config import DEVICES, PRECISIONS
from . import UsageError

EXECUTORS = ("local", "ray")

HELP = "Run an experiment file (TOML): every run x seed as its own process (or Ray task); rerun to resume."

EXAMPLE = """examples:
  lrlab run experiments/d2l-chapter.toml --quick --report   # a one-minute preview, into runs/d2l-chapter-quick
  lrlab run experiments/d2l-chapter.toml                    # the full chapter, into runs/d2l-chapter
  lrlab run experiments/d2l-chapter.toml --jobs 1           # one training at a time, on every core
  lrlab run experiments/d2l-chapter.toml --precision bf16   # its torch runs in bfloat16, into runs/d2l-chapter-bf16
  lrlab run experiments/resnet-fashion-mnist.toml --device cuda   # on the GPU(s), into runs/resnet-fashion-mnist-cuda
  lrlab run experiments/sweep-constant-rate.toml --quick    # a sweep: 9 constant rates, expanded into runs
  lrlab run experiments/sweep-constant-rate-asha.toml      # the same sweep with early stopping (successive halving)
  lrlab run experiments/sweep-constant-rate-tpe.toml       # 9 rates chosen by Optuna's TPE (lrlab[optuna])
  lrlab run experiments/sweep-constant-rate.toml --executor ray --address HEAD:6379   # on a Ray cluster (docs/cluster.md)

Running the same command again skips finished runs and resumes interrupted ones.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EXAMPLE
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("experiment", metavar="EXPERIMENT.toml", help="the experiment file")
    parser.add_argument("--jobs", type=int, metavar="N",
                        help="runs at once (default: one per core, or up to half as many again "
                             "when that makes the last round fill every core)")
    parser.add_argument("--out", metavar="DIR", help="the run folder (default: runs/<file name>, plus -quick, -<precision> and -<device> "
                             "if given)")
    parser.add_argument("--quick", action="store_true",
                        help="a preview: small data subsets and the first seed only (the run folder says so)")
    parser.add_argument("--precision", choices=PRECISIONS,
                        help="for every run whose backend has it (bf16: torch); bf16 multiplies the LeNets' "
                             "convolutions and first dense layer in bfloat16, faster on CPUs with AVX512-BF16 or "
                             "AMX (default: each run's own, fp32 unless the file says)")
    parser.add_argument("--device", choices=DEVICES,
                        help="for every run whose backend has it (cuda: torch): auto trains on a GPU when there is "
                             "one; several LeNets share a GPU, a resnet20 has one to itself (default: each run's own, "
                             "auto unless the file says)")
    parser.add_argument("--report", action="store_true", help="write the report (DIR/report) at the end")
    parser.add_argument("--executor", choices=EXECUTORS, default="local",
                        help="where the trainings run: local processes (default), or Ray tasks "
                             "(pip install 'lrlab[ray]'; see docs/cluster.md)")
    parser.add_argument("--address", metavar="HOST:PORT",
                        help="with --executor ray: the Ray cluster's head (default: a local Ray on 127.0.0.1, "
                             "started and stopped by this command)")


def run(args: argparse.Namespace) -> int:
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs={args.jobs} is invalid: must be an integer >= 1")
    if args.address and args.executor != "ray":
        raise UsageError("--address is for --executor ray")
    from ..experiments import load_experiment, run_experiment, with_device, with_precision
    from ..training.lock import folder_lock

    experiment = load_experiment(args.experiment)
    if args.precision:
        experiment = with_precision(experiment, args.precision)
    if args.device:
        experiment = with_device(experiment, args.device)
    out = Path(args.out) if args.out else default_out(args.experiment, args.quick, args.precision, args.device)
    with folder_lock(out), executor(args) as where:  # a second `lrlab run` on this folder is refused
        statuses = run_experiment(experiment, out, jobs=args.jobs, quick=args.quick, executor=where)
    unfinished = sorted(name for name, status in statuses.items() if not status.finished)
    if args.report:
        from ..report.write import write_report

        print(f"wrote {write_report(out) / 'report.md'} and report.html")
    if unfinished:
        print(f"not finished: {', '.join(unfinished)} (see their train.log); run the same command again to resume")
        return 1
    return 0


def executor(args: argparse.Namespace) -> contextlib.AbstractContextManager:
    """The executor ``--executor`` names, as a context that releases it (a local Ray is shut down)."""
    if args.executor == "ray":
        from ..experiments.executors.ray import RayExecutor

        return RayExecutor(args.address)
    from ..experiments.executors import LocalProcessExecutor

    return LocalProcessExecutor()


def default_out(experiment: str, quick: bool, precision: str | None, device: str | None = None) -> Path:
    """runs/<file name>, with -quick, -<precision> and -<device> when asked, so that no two ask for one folder.

    >>> default_out("experiments/d2l-chapter.toml", quick=True, precision="bf16").as_posix()
    'runs/d2l-chapter-quick-bf16'
    >>> default_out("experiments/d2l-chapter.toml", quick=False, precision=None, device="cuda").as_posix()
    'runs/d2l-chapter-cuda'
    """
    suffixes = ["quick"] * quick + [precision] * bool(precision) + [device] * bool(device)
    return Path("runs") / "-".join([Path(experiment).stem, *suffixes])
