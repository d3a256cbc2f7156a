"""The configuration of one training run, shared by every backend."""

from __future__ import annotations

import dataclasses
from typing import Any

from ..schedules import ScheduleError, parse

BACKENDS = ("torch", "keras", "mxnet")
UNITS = ("epoch", "step")
MODELS = ("lenet", "lenet-d2l-tf")
PRECISIONS = ("fp32", "bf16")


class ConfigError(ValueError):
    """A run's configuration is invalid; the message names the argument."""


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a run's numbers.

    ``unit`` is the schedule clock: ``"epoch"`` applies ``s(e)`` to every update of
    epoch ``e`` (0-based); ``"step"`` applies ``s(t)`` at update ``t`` (0-based,
    counted over the whole run). ``model`` is ``"lenet"`` (the chapter's modern
    LeNet: ReLU, max pooling) or ``"lenet-d2l-tf"`` (the book's TensorFlow variant:
    average pooling, sigmoid on the 84 layer). ``train_subset``/``test_subset`` keep
    the first N examples, for quick runs and tests. With ``precision="bf16"`` (torch only)
    the convolutions and the first dense layer (97% of the multiply-adds) multiply in
    bfloat16; weights, their updates and the last two layers stay float32: faster on a
    CPU with AVX-512 BF16 or AMX, accuracy within seed noise (benchmarks/README.md).

    >>> TrainConfig(schedule="constant(0.3)", epochs=2).unit
    'epoch'
    """

    schedule: str
    epochs: int = 30
    unit: str = "epoch"
    backend: str = "torch"
    seed: int = 0
    batch_size: int = 256
    momentum: float = 0.0
    weight_decay: float = 0.0
    model: str = "lenet"
    train_subset: int | None = None
    test_subset: int | None = None
    data_dir: str | None = None
    threads: int | None = None
    precision: str = "fp32"

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "schedule", repr(parse(self.schedule)))
        except ScheduleError as error:
            raise ConfigError(f"schedule: {error}") from None
        _choice("unit", self.unit, UNITS)
        _choice("backend", self.backend, BACKENDS)
        _choice("model", self.model, MODELS)
        _choice("precision", self.precision, PRECISIONS)
        if self.precision != "fp32" and self.backend != "torch":
            raise ConfigError(f"precision={self.precision!r} is invalid for the {self.backend} backend: only torch has it")
        _integer("epochs", self.epochs, minimum=1)
        _integer("seed", self.seed, minimum=0)
        _integer("batch_size", self.batch_size, minimum=1)
        for name in ("train_subset", "test_subset", "threads"):
            if getattr(self, name) is not None:
                _integer(name, getattr(self, name), minimum=1)
        for name in ("momentum", "weight_decay"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < float("inf"):
                raise ConfigError(f"{name}={value!r} is invalid: must be a finite number >= 0")
            object.__setattr__(self, name, float(value))

    @property
    def schedule_obj(self):
        """The parsed schedule."""
        return parse(self.schedule)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TrainConfig":
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ConfigError(f"unknown run option(s) {', '.join(unknown)} (known: {', '.join(sorted(names))})")
        return cls(**data)


def _choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"{name}={value!r} is invalid: must be one of {', '.join(choices)}")


def _integer(name: str, value: Any, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{name}={value!r} is invalid: must be an integer >= {minimum}")
