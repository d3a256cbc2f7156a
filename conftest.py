"""Doctests of src/lrlab run with the tests; modules whose framework is absent here are left out."""

import importlib.util

FRAMEWORK_MODULES = {
    "mxnet": ["src/lrlab/adapters/mxnet.py", "src/lrlab/backends/mxnet.py", "src/lrlab/models/lenet_mxnet.py"],
    "tensorflow": ["src/lrlab/adapters/keras.py", "src/lrlab/backends/keras.py", "src/lrlab/models/lenet_keras.py"],
    "torch": ["src/lrlab/adapters/torch.py", "src/lrlab/backends/torch.py", "src/lrlab/models/lenet_torch.py"],
    "jax": ["src/lrlab/adapters/optax.py"],
}

collect_ignore = [path for framework, paths in FRAMEWORK_MODULES.items()
                  if importlib.util.find_spec(framework) is None for path in paths]
