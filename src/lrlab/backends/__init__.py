"""Backends: one framework's trainer each, and what each one supports.

Importing ``lrlab.backends`` imports no framework: :data:`BACKENDS` declares, for each
backend, its module and what it supports, so a config can be checked without loading
TensorFlow or MXNet. The models and optimizers a backend supports are those of the
registries (:mod:`lrlab.models`, :mod:`lrlab.optimizers`) that have a builder for its
framework; :func:`backend_class` imports the module (``BACKEND`` in it) when a run needs it.

>>> info = backend_info("torch")
>>> info.precisions, info.supports_model("lenet"), info.supports_optimizer("sgd")
(('fp32', 'bf16'), True, True)
>>> backend_info("keras").problem(model="lenet", optimizer="sgd", precision="bf16")
"precision='bf16' is invalid for the keras backend: it supports fp32"
>>> backend_info("keras").problem(model="lenet", optimizer="sgd", precision="fp32", device="cuda")
"device='cuda' is invalid for the keras backend: it trains on cpu (device='auto' picks one)"
"""

from __future__ import annotations

import dataclasses
import importlib

from .. import models, optimizers
from .base import Backend, BackendUnavailable, EpochStats, Job, updates_per_epoch


@dataclasses.dataclass(frozen=True)
class BackendInfo:
    """What a backend is and supports, known without importing its framework."""

    name: str
    module: str
    precisions: tuple[str, ...] = ("fp32",)
    devices: tuple[str, ...] = ("cpu",)
    max_threads: int | None = None
    """The most threads one training uses (None: as many as it is given); a runner gives no more."""
    samples: bool = False
    """Whether it keeps parameter samples for a posterior predictive (the ``samples`` setting)."""

    def supports_model(self, name: str) -> bool:
        return self.name in models.get(name).builders

    def supports_optimizer(self, name: str) -> bool:
        return self.name in optimizers.get(name).builders

    def problem(self, *, model: str, optimizer: str, precision: str, device: str = "cpu") -> str | None:
        """Why this backend cannot train that combination, in one line; None when it can.
        The names must be registered (their own checks say so otherwise)."""
        for kind, name, supported, names in (
            ("model", model, self.supports_model, models.names),
            ("optimizer", optimizer, self.supports_optimizer, optimizers.names),
        ):
            if not supported(name):
                known = [other for other in names() if supported(other)]
                return f"{kind}={name!r} is invalid for the {self.name} backend: it supports {', '.join(known)}"
        if precision not in self.precisions:
            return (f"precision={precision!r} is invalid for the {self.name} backend: "
                    f"it supports {', '.join(self.precisions)}")
        if device not in ("auto", *self.devices):
            return (f"device={device!r} is invalid for the {self.name} backend: it trains on "
                    f"{', '.join(self.devices)} (device='auto' picks one)")
        return None


BACKENDS = {info.name: info for info in (
    BackendInfo("torch", "lrlab.backends.torch", precisions=("fp32", "bf16"), devices=("cpu", "cuda"),
                max_threads=2, samples=True),  # max_threads: MICRO_BATCHES
    BackendInfo("keras", "lrlab.backends.keras"),
    BackendInfo("mxnet", "lrlab.backends.mxnet"),
)}


def backend_info(name: str) -> BackendInfo:
    """The backend called ``name``; KeyError for an unknown one (configs check names first)."""
    return BACKENDS[name]


def backend_class(name: str) -> type[Backend]:
    """The backend class called ``name``, its framework imported now (and only now)."""
    return importlib.import_module(BACKENDS[name].module).BACKEND


__all__ = ["BACKENDS", "Backend", "BackendInfo", "BackendUnavailable", "EpochStats", "Job",
           "backend_class", "backend_info", "updates_per_epoch"]
