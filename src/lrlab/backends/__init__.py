"""Backends: one framework's LeNet trainer each, found by name (``BACKEND`` in each module).

Importing ``lrlab.backends`` imports no framework; the training loop imports the
module it needs through :func:`lrlab.training.backend.backend_class`:
``lrlab.backends.torch``, ``lrlab.backends.keras``, ``lrlab.backends.mxnet``.
"""
