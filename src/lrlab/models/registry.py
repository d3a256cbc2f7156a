"""The model registry: a name -> :class:`ModelEntry`, built per framework on demand.

An entry may take an initialisation (:data:`INITS`): its builders then take ``init=`` and
``build`` passes it on; a model registered without ``inits`` initialises itself and takes
only :data:`DEFAULT_INIT`, the name it is recorded under.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Mapping

from ..registry import Registry, load


INITS = ("xavier", "default")
"""The initialisations a model may offer: ``"xavier"``, Xavier/Glorot-uniform weights (the book's
``init_cnn``; lrlab's LeNets), and ``"default"``, the framework's own initialisation of every layer
(PyTorch: weights and biases uniform in +-1/sqrt(fan_in), i.e. kaiming_uniform(a=sqrt(5));
Keras: glorot_uniform weights, zero biases; MXNet: weights uniform in +-0.07, zero biases)."""

DEFAULT_INIT = "xavier"


class ModelError(ValueError):
    """An unknown model, or a model that cannot take the data's images."""


@dataclasses.dataclass(frozen=True)
class ModelEntry:
    """A model: ``builders`` maps a framework (``torch``, ``keras``, ``mxnet``) to a
    ``builder(image_shape, classes)`` (or its ``"module:function"`` name) returning a fresh,
    initialised model from the framework's global seed; ``input_shape`` (channels, height,
    width) is the only image shape it takes, None for any of at least ``min_size`` x ``min_size``;
    ``inits`` are the initialisations (of :data:`INITS`) its builders take as ``init=``, none when
    they take no ``init``; ``settings`` the training settings its builders take as keywords
    (``resnet20``: depth, width); ``runs_per_gpu`` how many of its trainings may share one GPU (a
    LeNet uses a sliver of one)."""

    name: str
    description: str
    builders: Mapping[str, str | Callable[..., Any]]
    input_shape: tuple[int, int, int] | None = None
    inits: tuple[str, ...] = ()
    min_size: int = 1
    settings: tuple[str, ...] = ()
    runs_per_gpu: int = 1

    def init_problem(self, init: str) -> str | None:
        """Why this model cannot be initialised as ``init``, in one line; None when it can.

        >>> ModelEntry("mlp", "", {}).init_problem("default")
        "init='default' is invalid for model 'mlp': it initialises itself (init='xavier' only)"
        """
        if init in self.inits or (not self.inits and init == DEFAULT_INIT):
            return None
        if not self.inits:
            return (f"init={init!r} is invalid for model {self.name!r}: it initialises itself "
                    f"(init={DEFAULT_INIT!r} only)")
        return f"init={init!r} is invalid for model {self.name!r}: it takes {', '.join(self.inits)}"


REGISTRY: Registry[ModelEntry] = Registry("model", ModelError)


def register_model(name: str, description: str, *, input_shape: tuple[int, int, int] | None = None,
                   inits: tuple[str, ...] = (), min_size: int = 1, settings: tuple[str, ...] = (),
                   runs_per_gpu: int = 1, **builders: str | Callable[..., Any]) -> ModelEntry:
    """Register a model under ``name`` with one builder per framework (keyword = framework);
    ``inits``: the initialisations (of :data:`INITS`) its builders take as ``init=``; ``input_shape``
    the only image shape it takes, or ``min_size`` the smallest height and width; ``settings``: the
    training settings (``depth``, ``width``) its builders take as keywords."""
    unknown = [init for init in inits if init not in INITS]
    if unknown:
        raise ModelError(f"model {name!r}: unknown init(s) {', '.join(unknown)} (known: {', '.join(INITS)})")
    return REGISTRY.add(name, ModelEntry(name, description, dict(builders), input_shape, tuple(inits), min_size,
                                         tuple(settings), runs_per_gpu))


def get(name: str) -> ModelEntry:
    return REGISTRY.get(name)


def names() -> list[str]:
    return REGISTRY.names()


def build(name: str, framework: str, image_shape: tuple[int, int, int], classes: int,
          init: str = DEFAULT_INIT, **settings: Any) -> Any:
    """A fresh ``name`` model in ``framework`` for images of ``image_shape`` (channels first)
    and ``classes`` classes, initialised as ``init`` (one of the entry's ``inits``), with the
    entry's ``settings`` (keywords; those it does not read are not passed).

    >>> build("lenet", "torch", (3, 8, 8), 10)
    Traceback (most recent call last):
    lrlab.models.registry.ModelError: model 'lenet' takes images of 12x12 or larger; this data set's are 3x8x8
    """
    entry = get(name)
    if framework not in entry.builders:
        raise ModelError(f"model {name!r} has no {framework} version (it has: {', '.join(sorted(entry.builders))})")
    check_input(name, image_shape)
    problem = entry.init_problem(init)
    if problem:
        raise ModelError(problem)
    builder = load(entry.builders[framework])
    keywords = {name: value for name, value in settings.items() if name in entry.settings}
    if entry.inits:
        keywords["init"] = init
    return builder(tuple(image_shape), classes, **keywords)


def check_input(name: str, image_shape: tuple[int, int, int]) -> None:
    """:class:`ModelError` unless model ``name`` takes images of ``image_shape`` (channels first)."""
    entry = get(name)
    shape = entry.input_shape
    if shape is not None and tuple(image_shape) != shape:
        raise ModelError(f"model {name!r} takes {_shape(shape)} images; this data set's are {_shape(image_shape)}")
    if min(image_shape[1:]) < entry.min_size:
        raise ModelError(f"model {name!r} takes images of {entry.min_size}x{entry.min_size} or larger; "
                         f"this data set's are {_shape(image_shape)}")


def _shape(shape) -> str:
    return "x".join(str(n) for n in shape)
