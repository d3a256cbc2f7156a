"""When a run keeps copies of its parameters as samples, for a posterior predictive (sample averaging).

``samples = "burn_in=E,every=K,keep=M"`` (or, in an experiment file, the table
``samples = { burn_in = E, every = K, keep = M }``): after ``E`` epochs of burn-in, the
parameters after every ``K``-th update are a sample; the last ``M`` samples are kept (the
oldest dropped), so memory stays bounded (about 0.25 MB a sample for LeNet). Evaluation averages
the kept samples' predicted probabilities on the test set,
``p(y | x) ~ (1/S) sum_s softmax(f(x; theta_s))``, whatever optimizer made them (SGLD's samples
approximate the posterior; SGD's iterates give a cheap ensemble).

>>> settings = SampleSettings.parse({"burn_in": 1, "every": 5, "keep": 3})
>>> settings, str(settings)
(SampleSettings(burn_in=1, every=5, keep=3), 'burn_in=1,every=5,keep=3')
>>> [t for t in range(30) if settings.takes_sample(t, updates_per_epoch=10)]  # after update t (0-based)
[14, 19, 24, 29]
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

KEYS = ("burn_in", "every", "keep")


class SampleSettingsError(ValueError):
    """The samples setting cannot be read; the message says what it needs."""


@dataclasses.dataclass(frozen=True)
class SampleSettings:
    burn_in: int
    """Epochs trained before the first sample."""
    every: int
    """Updates between samples (the first is the ``every``-th update after burn-in)."""
    keep: int
    """The most samples kept: the latest ones."""

    def __post_init__(self) -> None:
        for key, minimum in zip(KEYS, (0, 1, 1)):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise SampleSettingsError(f"{key} must be an integer >= {minimum}, not {value!r}")

    def __str__(self) -> str:
        return ",".join(f"{key}={getattr(self, key)}" for key in KEYS)

    def takes_sample(self, update: int, updates_per_epoch: int) -> bool:
        """Whether the parameters after global update ``update`` (0-based) are a sample."""
        after = update + 1 - self.burn_in * updates_per_epoch
        return after > 0 and after % self.every == 0

    @classmethod
    def parse(cls, value: str | Mapping[str, Any]) -> "SampleSettings":
        """From ``"burn_in=E,every=K,keep=M"`` or a mapping with those three keys.

        >>> SampleSettings.parse("every=10, keep=20, burn_in=5")
        SampleSettings(burn_in=5, every=10, keep=20)
        >>> SampleSettings.parse("every=10")
        Traceback (most recent call last):
        lrlab.backends.samples.SampleSettingsError: must give burn_in, every and keep (missing: burn_in, keep), e.g. 'burn_in=5,every=100,keep=20'
        """
        if isinstance(value, str):
            value = dict(_pair(part) for part in value.split(",") if part.strip())
        if not isinstance(value, Mapping):
            raise SampleSettingsError("must be a table or a text 'burn_in=E,every=K,keep=M'")
        unknown, missing = sorted(set(value) - set(KEYS)), [key for key in KEYS if key not in value]
        if unknown or missing:
            what = f"unknown: {', '.join(unknown)}" if unknown else f"missing: {', '.join(missing)}"
            raise SampleSettingsError(f"must give burn_in, every and keep ({what}), e.g. 'burn_in=5,every=100,keep=20'")
        return cls(**{key: value[key] for key in KEYS})


def _pair(text: str) -> tuple[str, Any]:
    key, equals, number = text.partition("=")
    if not equals or not number.strip().lstrip("-").isdigit():
        raise SampleSettingsError(f"{text.strip()!r} is not key=integer, e.g. 'burn_in=5,every=100,keep=20'")
    return key.strip(), int(number)
