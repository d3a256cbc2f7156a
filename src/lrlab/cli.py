"""The ``lrlab`` command: one sub-command per module in :mod:`lrlab.commands`.

This file holds no logic of its own, beyond setting up a process that trains
(:mod:`lrlab.process`) before the command runs. Each command module defines ``HELP``,
``add_arguments(parser)`` and ``run(args) -> int``. Errors a user can fix
(a bad argument, spec, config or experiment file, a missing or damaged data set, a
model or optimizer a framework does not have, a framework that is not installed, a full disk or a
read-only folder) become one line on stderr and exit status 2, never a
traceback. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys

from .backends import BackendUnavailable
from .commands import COMMANDS, UsageError
from .data.errors import DataError
from .experiments.config import ExperimentError
from .models import ModelError
from .optimizers import OptimizerError
from .process import end_process, setup_training_process
from .report.load import ReportError
from .runfolder import RunDirError, cannot_write
from .schedules import ScheduleError
from .training.config import ConfigError
from .training.range_test import RangeTestError

USER_ERRORS = (UsageError, ScheduleError, ConfigError, RunDirError, ExperimentError, ReportError,
               DataError, BackendUnavailable, ModelError, OptimizerError, RangeTestError)

TRAINING_COMMANDS = ("train", "find-lr")
"""Commands whose process trains (``lrlab run`` starts ``lrlab train`` processes): they get
:func:`lrlab.process.setup_training_process` before any framework is imported."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lrlab", description="Learning-rate schedules: plot, train, compare.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"lrlab.commands.{name.replace('-', '_')}")
        command = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
        command.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    args.argv = argv  # for a command that hands the run to another interpreter
    if args.command in TRAINING_COMMANDS:
        setup_training_process()
    try:
        return args.run(args)
    except USER_ERRORS as error:
        print(f"lrlab {args.command}: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # a full disk, a read-only folder: the user's to fix; other OSErrors are bugs
        if cannot_write(error) is None:
            raise
        print(f"lrlab {args.command}: error: {cannot_write(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # handled: a second one must not cut the exit short
        print(f"lrlab {args.command}: interrupted", file=sys.stderr)
        return 130


def entry() -> None:
    """The ``lrlab`` program: :func:`main` on the command line's arguments, then the process ends
    (a training process at once, see :func:`lrlab.process.end_process`)."""
    end_process(main())


if __name__ == "__main__":
    entry()
