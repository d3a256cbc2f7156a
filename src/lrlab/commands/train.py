"""``lrlab train``: one run into a run folder, or its resumption.

Exit status: 0 completed (or stopped as asked, ``--until``), 2 bad arguments, 3 diverged, 4 stuck (the train loss stayed at chance
level to the end), 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import UsageError
from .options import add_train_options, flag, given

HELP = "Train a model (the chapter's LeNet on Fashion-MNIST by default) with a schedule into a run folder; resume one with --resume."

EXAMPLE = """examples:
  lrlab train --schedule "cosine(max_update=20, base_lr=0.3, final_lr=0.01)" --epochs 30 --out runs/cosine --plot
  lrlab train --resume runs/cosine
  lrlab train --schedule "constant(0.1)" --epochs 30 --until 3 --out runs/c   # stop after epoch 3 of 30 ...
  lrlab train --resume runs/c --until 9                                       # ... continue to 9, as if never stopped

exit status: 0 completed (or stopped by --until), 2 bad arguments, 3 diverged, 4 stuck (the train loss stayed at chance
level, ln(classes), for the last epochs), 130 interrupted
"""

DIVERGED = 3
STUCK = 4


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EXAMPLE
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    add_train_options(parser)  # each TrainConfig field's flag, type and help, from the field itself
    parser.add_argument("--config", metavar="FILE.json", type=Path,
                        help="run options from a JSON file (a run's config.json works); options given here win")
    parser.add_argument("--out", metavar="DIR", type=Path, help="the run folder to create")
    parser.add_argument("--resume", metavar="DIR", type=Path, help="continue the run in DIR from its last checkpoint")
    parser.add_argument("--until", metavar="K", type=int,
                        help="stop after K epochs, status 'stopped' (the schedule still spans --epochs); "
                             "continue later with --resume DIR (and --until again, or not)")
    parser.add_argument("--plot", action="store_true", help="also write DIR/curves.png")


def run(args: argparse.Namespace) -> int:
    from ..backends.mxnet_env import needs_other_interpreter, reexec
    from ..runfolder import RunDir
    from ..training.loop import train

    if args.until is not None and args.until < 1:
        raise UsageError(f"--until={args.until} is invalid: must be an integer >= 1")
    if args.resume:
        _refuse_with_resume(args)
        out, config = args.resume, None
    elif args.out is None:
        raise UsageError("--out DIR is required (or --resume DIR)")
    else:
        out, config = args.out, _config(args)
    backend = config.backend if config else RunDir(out).read_config()["config"]["backend"]
    if needs_other_interpreter(backend):
        return reexec(args.argv)  # MXNet lives in an environment of its own
    summary = train(config, out, resume=config is None, until=args.until)
    if args.plot:
        print(f"wrote {_plot(out)}")
    return _report(summary, out)


def _config(args: argparse.Namespace):
    from ..training.config import TrainConfig

    options = (_config_file(args.config) if args.config else {}) | given(args)
    if "schedule" not in options:
        raise UsageError("--schedule SPEC is required (or a 'schedule' in --config)")
    return TrainConfig.from_dict(options)


def _config_file(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"--config: cannot read {path}: {error.strerror or error}") from None
    except json.JSONDecodeError as error:
        raise UsageError(f"--config: {path} is not valid JSON: {error}") from None
    data = data.get("config", data) if isinstance(data, dict) else data
    if not isinstance(data, dict):
        raise UsageError(f"--config: {path} must hold a JSON object of run options")
    return data


def _refuse_with_resume(args: argparse.Namespace) -> None:
    from ..training.config import SETTINGS

    options = [flag(field) for field in SETTINGS if getattr(args, field.name) is not None]
    options += [name for name in ("--config", "--out") if getattr(args, name[2:]) is not None]
    if options:
        raise UsageError(f"--resume takes no run options (its config.json decides): drop {', '.join(options)}")


def _plot(out: Path) -> Path:
    from ..report.curves import plot_curves
    from ..runfolder import RunDir

    run = RunDir(out)
    return plot_curves(run.read_metrics(), out / "curves.png", title=run.read_config()["config"]["schedule"])


def _report(summary, out: Path) -> int:
    from ..runfolder import Status

    if summary.status is Status.DIVERGED:
        print(f"lrlab train: {summary.message} ({out})", file=sys.stderr)
        return DIVERGED
    if summary.status is Status.STUCK:
        print(f"lrlab train: {summary.message} ({out})", file=sys.stderr)
        return STUCK
    final = summary.final
    print(f"{summary.status}: {summary.message}; final train loss {final['train_loss']:.3f}, "
          f"train acc {final['train_acc']:.3f}, test acc {final['test_acc']:.3f} ({out})")
    return 0
