"""Adapters: each framework's step counter -> ``s(step)``, one small file per framework.

Importing ``lrlab.adapters`` imports no framework; import the module you need:
``lrlab.adapters.torch``, ``lrlab.adapters.keras``, ``lrlab.adapters.mxnet``,
``lrlab.adapters.optax``.
"""
