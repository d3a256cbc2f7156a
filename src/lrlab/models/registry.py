"""The model registry: a name -> :class:`ModelEntry`, built per framework on demand."""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Mapping

from ..registry import Registry, load


class ModelError(ValueError):
    """An unknown model, or a model that cannot take the data's images."""


@dataclasses.dataclass(frozen=True)
class ModelEntry:
    """A model: ``builders`` maps a framework (``torch``, ``keras``, ``mxnet``) to a
    ``builder(image_shape, classes)`` (or its ``"module:function"`` name) returning a fresh,
    initialised model from the framework's global seed; ``input_shape`` (channels, height,
    width) is the only image shape it takes, None for any."""

    name: str
    description: str
    builders: Mapping[str, str | Callable[..., Any]]
    input_shape: tuple[int, int, int] | None = None


REGISTRY: Registry[ModelEntry] = Registry("model", ModelError)


def register_model(name: str, description: str, *, input_shape: tuple[int, int, int] | None = None,
                   **builders: str | Callable[..., Any]) -> ModelEntry:
    """Register a model under ``name`` with one builder per framework (keyword = framework)."""
    return REGISTRY.add(name, ModelEntry(name, description, dict(builders), input_shape))


def get(name: str) -> ModelEntry:
    return REGISTRY.get(name)


def names() -> list[str]:
    return REGISTRY.names()


def build(name: str, framework: str, image_shape: tuple[int, int, int], classes: int) -> Any:
    """A fresh ``name`` model in ``framework`` for images of ``image_shape`` (channels first)
    and ``classes`` classes.

    >>> build("lenet", "torch", (3, 32, 32), 10)
    Traceback (most recent call last):
    lrlab.models.registry.ModelError: model 'lenet' takes 1x28x28 images; this data set's are 3x32x32
    """
    entry = get(name)
    if framework not in entry.builders:
        raise ModelError(f"model {name!r} has no {framework} version (it has: {', '.join(sorted(entry.builders))})")
    check_input(name, image_shape)
    return load(entry.builders[framework])(tuple(image_shape), classes)


def check_input(name: str, image_shape: tuple[int, int, int]) -> None:
    """:class:`ModelError` unless model ``name`` takes images of ``image_shape`` (channels first)."""
    shape = get(name).input_shape
    if shape is not None and tuple(image_shape) != shape:
        raise ModelError(f"model {name!r} takes {_shape(shape)} images; this data set's are {_shape(image_shape)}")


def _shape(shape) -> str:
    return "x".join(str(n) for n in shape)
