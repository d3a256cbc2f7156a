"""Models by name: each entry says what it is, which input it takes, and how each framework builds it.

Naming a model imports no framework; :func:`build` imports the builder of the framework
asked for. A model of your own is one call (in a module that ``imports = [...]`` in an
experiment file, or ``lrlab train --import``, loads)::

    from lrlab.models import register_model
    register_model("mlp", "a small dense network", torch="mypkg.models:mlp")  # mlp(image_shape, classes)

>>> names()
['lenet', 'lenet-d2l-tf', 'resnet20']
>>> get("lenet").min_size, sorted(get("lenet").builders), get("lenet").inits
(12, ['keras', 'mxnet', 'torch'], ('xavier', 'default'))
"""

from .registry import DEFAULT_INIT, INITS, ModelEntry, ModelError, build, check_input, get, names, register_model
from . import lenet  # noqa: F401  (registers the chapter's LeNets)
from . import resnet  # noqa: F401  (registers resnet20)

__all__ = ["DEFAULT_INIT", "INITS", "ModelEntry", "ModelError", "build", "check_input", "get", "names",
           "register_model"]
