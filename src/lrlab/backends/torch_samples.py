"""The torch backend's parameter samples: bounded copies of the model's state, taken after the updates
:class:`lrlab.backends.samples.SampleSettings` names, and their averaged test predictions.

Each sample's test probabilities are computed once, when first needed, and kept beside it: an
evaluation then costs one pass over the test set per sample new since the last one. A checkpoint
holds the samples (their states, bitwise) and the count taken; the probabilities are computed
again after a resume, the same numbers (the backend's evaluation is deterministic).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from .. import metrics
from .samples import SampleSettings

POSTERIOR_KEYS = ("posterior_acc", "posterior_nll", "posterior_brier", "posterior_ece")


class ParameterSamples:
    """The kept samples of one model (the latest ``settings.keep``), oldest first."""

    def __init__(self, settings: SampleSettings, updates_per_epoch: int) -> None:
        self.settings, self.updates_per_epoch = settings, updates_per_epoch
        self.states: list[dict[str, torch.Tensor]] = []
        self.taken = 0
        """Samples taken so far, kept or dropped: the next one's number."""
        self._probabilities: dict[int, np.ndarray] = {}

    def after_update(self, update: int, model: torch.nn.Module) -> None:
        """Take a sample of ``model`` if global update ``update`` (0-based) is one to sample after."""
        if not self.settings.takes_sample(update, self.updates_per_epoch):
            return
        self.states.append({name: value.detach().clone() for name, value in model.state_dict().items()})
        self.taken += 1
        if len(self.states) > self.settings.keep:
            self.states.pop(0)
            self._probabilities.pop(self.taken - self.settings.keep - 1, None)

    def metrics(self, model: torch.nn.Module, probabilities_of: Callable[[], np.ndarray],
                labels: np.ndarray) -> dict[str, float | int | None]:
        """``posterior_samples`` and the test metrics of the samples' averaged probabilities (None
        before the first sample); ``probabilities_of()`` gives the model's test probabilities now.
        The model is left as it was found, bitwise."""
        mean = self.mean_probabilities(model, probabilities_of)
        if mean is None:
            return {"posterior_samples": 0} | dict.fromkeys(POSTERIOR_KEYS)
        scores = metrics.classification_metrics(mean, labels)
        return {"posterior_samples": len(self.states)} | {f"posterior_{name}": scores[name]
                                                          for name in ("acc", "nll", "brier", "ece")}

    def mean_probabilities(self, model: torch.nn.Module, probabilities_of: Callable[[], np.ndarray]) -> np.ndarray | None:
        """The kept samples' test probabilities averaged, ``(1/S) sum_s p_s``; None before the first sample."""
        numbers = [self.taken - len(self.states) + i for i in range(len(self.states))]
        missing = [(number, state) for number, state in zip(numbers, self.states) if number not in self._probabilities]
        if missing:
            current = {name: value.detach().clone() for name, value in model.state_dict().items()}
            try:
                for number, state in missing:
                    model.load_state_dict(state)
                    self._probabilities[number] = probabilities_of()
            finally:
                model.load_state_dict(current)
        if not numbers:
            return None
        return sum(self._probabilities[number] for number in numbers) / len(numbers)  # in order: the same sum every time

    def state_dict(self) -> dict:
        return {"taken": self.taken, "states": self.states}

    def load_state_dict(self, state: dict) -> None:
        self.taken, self.states = state["taken"], list(state["states"])
        self._probabilities = {}
