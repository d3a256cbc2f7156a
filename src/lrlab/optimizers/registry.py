"""The optimizer registry: a name -> :class:`OptimizerEntry`, built per framework on demand."""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Mapping

from ..registry import Registry, load


class OptimizerError(ValueError):
    """An unknown optimizer, or settings it cannot take together."""


@dataclasses.dataclass(frozen=True)
class OptimizerEntry:
    """An optimizer: the training settings it reads, a check between them (a one-line
    problem or None), ``builders``: framework -> a builder (or ``"module:function"``)
    whose arguments each backend documents (torch: ``(parameters, lr, **settings, **inputs)``),
    and ``inputs``: what the backend hands the builder from the run beside the settings, by
    name (:data:`INPUTS`)."""

    name: str
    description: str
    settings: tuple[str, ...]
    builders: Mapping[str, str | Callable[..., Any]]
    check: Callable[[Mapping[str, Any]], str | None] = lambda settings: None
    inputs: tuple[str, ...] = ()

    def problem(self, settings: Mapping[str, Any]) -> str | None:
        return self.check(settings)


INPUTS = ("dataset_size", "seed")
"""What a backend can hand an optimizer from the run: the training examples (after
``train_subset``) and the run's seed (for an optimizer that draws random numbers)."""

REGISTRY: Registry[OptimizerEntry] = Registry("optimizer", OptimizerError)


def register_optimizer(name: str, description: str, *, settings: tuple[str, ...] = (),
                       check: Callable[[Mapping[str, Any]], str | None] | None = None,
                       inputs: tuple[str, ...] = (),
                       **builders: str | Callable[..., Any]) -> OptimizerEntry:
    """Register an optimizer under ``name`` with one builder per framework (keyword = framework)."""
    unknown = sorted(set(inputs) - set(INPUTS))
    if unknown:
        raise OptimizerError(f"optimizer {name!r}: unknown input(s) {', '.join(unknown)} (known: {', '.join(INPUTS)})")
    entry = OptimizerEntry(name, description, tuple(settings), dict(builders), inputs=tuple(inputs),
                           **({"check": check} if check else {}))
    return REGISTRY.add(name, entry)


def get(name: str) -> OptimizerEntry:
    return REGISTRY.get(name)


def names() -> list[str]:
    return REGISTRY.names()


def build(name: str, framework: str, *args: Any, **settings: Any) -> Any:
    """The ``framework`` optimizer ``name``, from its builder called with ``args`` and ``settings``."""
    entry = get(name)
    if framework not in entry.builders:
        raise OptimizerError(f"optimizer {name!r} has no {framework} version "
                             f"(it has: {', '.join(sorted(entry.builders))})")
    return load(entry.builders[framework])(*args, **settings)
