"""Where an experiment's trainings run: the :class:`Executor` interface and its implementations.

The runner's scheduling loop (:mod:`lrlab.experiments.runner`) decides what starts when and
with how many threads; an executor only starts, watches and stops trainings.
:class:`LocalProcessExecutor` runs each as an ``lrlab train`` process on this machine;
:class:`~lrlab.experiments.executors.ray.RayExecutor` (``pip install 'lrlab[ray]'``, imported from
its module, since Ray is optional) runs each as a task on a Ray cluster.
"""

from .base import Ended, Executor
from .local import LocalProcessExecutor

__all__ = ["Ended", "Executor", "LocalProcessExecutor"]
