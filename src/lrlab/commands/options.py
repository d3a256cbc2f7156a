"""The training settings as command-line options, made once from :class:`TrainConfig`'s fields.

``lrlab train`` takes all of them; ``lrlab find-lr`` all but those the range test decides.
Each field's flag, type, metavar and help come from the field itself
(:func:`lrlab.training.config.setting`), so a new setting reaches every command.

>>> import argparse
>>> parser = argparse.ArgumentParser()
>>> add_train_options(parser, skip=("schedule", "epochs"))
>>> given(parser.parse_args(["--momentum", "0.9"]), skip=("schedule", "epochs"))
{'momentum': 0.9}
"""

from __future__ import annotations

import argparse


def add_train_options(parser: argparse.ArgumentParser, skip: tuple[str, ...] = ()) -> None:
    """Add one option per TrainConfig field not in ``skip``; an option not given is None."""
    from ..training.config import SETTINGS

    for field in SETTINGS:
        if field.name not in skip:
            parser.add_argument(flag(field), dest=field.name, **option(field))


def given(args: argparse.Namespace, skip: tuple[str, ...] = ()) -> dict:
    """The TrainConfig fields given on the command line, by name."""
    from ..training.config import SETTINGS

    return {field.name: getattr(args, field.name) for field in SETTINGS
            if field.name not in skip and getattr(args, field.name) is not None}


def flag(field) -> str:
    return field.metadata["flag"] or "--" + field.name.replace("_", "-")


def option(field) -> dict:
    """argparse's keywords for a TrainConfig field; None (not given) leaves the field to
    --config or its default."""
    check, default, text = field.metadata["check"], field.default, field.metadata["help"]
    if isinstance(default, tuple):
        return {"action": "append", "metavar": field.metadata["metavar"], "help": text}
    if default is not None:
        text += f" (default {default})"
    if check.kind is bool:
        return {"action": argparse.BooleanOptionalAction, "default": None, "help": text}
    choices = getattr(check, "choices", None)
    metavar = "{" + ",".join(choices()) + "}" if choices else field.metadata["metavar"]
    return {"type": check.kind, "metavar": metavar, "help": text}
