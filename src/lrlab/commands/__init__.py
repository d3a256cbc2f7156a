"""The sub-commands of ``lrlab``, one module each (see :mod:`lrlab.cli`)."""

COMMANDS = ["plot", "train", "find-lr", "run", "report"]
"""Command names, in the order ``lrlab --help`` lists them; each is a module here (``-`` written ``_``)."""


class UsageError(Exception):
    """A mistake in the command line that the user can fix: printed as one line, exit 2."""
