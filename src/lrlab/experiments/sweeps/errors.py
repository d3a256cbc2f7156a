"""The one error type of lrlab.experiments.sweeps: a mistake in a ``[[sweeps]]`` table, and its key."""


class SweepProblem(Exception):
    """A mistake in a sweep: ``key`` (e.g. ``sweeps[0].params.momentum``) and what is wrong."""

    def __init__(self, key: str, text: str) -> None:
        super().__init__(key, text)
        self.key, self.text = key, text
