"""Any lrlab schedule in Keras 3 on TensorFlow: per update, or per epoch.

- :class:`KerasSchedule` is a Keras ``LearningRateSchedule``: the optimizer calls it
  with its ``iterations`` counter (0 for the first update), and it evaluates the
  schedule's formula in graph with ``tf.experimental.numpy`` in float64, cast once to
  float32. It works inside ``tf.function``, matches ``s(step)`` to float32 rounding, and
  saves and loads with a model (its config is the spec string).
- :class:`EpochSchedule` is a callback that sets the optimizer's rate to ``s(e)`` (the
  float64 scalar path) at the start of epoch ``e`` (0-based), as Keras's
  ``LearningRateScheduler`` does.

>>> import keras                                                      # doctest: +SKIP
>>> from lrlab.adapters.keras import EpochSchedule, KerasSchedule
>>> spec = "cosine(max_update=20, base_lr=0.3, final_lr=0.01, warmup_steps=5)"
>>> per_update = keras.optimizers.SGD(learning_rate=KerasSchedule(spec))  # doctest: +SKIP
>>> model.fit(x, y, epochs=30, callbacks=[EpochSchedule(spec)])       # doctest: +SKIP
"""

from __future__ import annotations

import keras  # pip install 'lrlab[keras]'
import tensorflow as tf

from ..schedules import Schedule, parse

__all__ = ["EpochSchedule", "KerasSchedule"]


@keras.saving.register_keras_serializable(package="lrlab")
class KerasSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """``schedule`` (a Schedule or a spec string) as a Keras per-update schedule.

    ``KerasSchedule(s)(step)`` is ``float32(s(step))``, computed in graph.

    >>> schedule = KerasSchedule("multifactor(base_lr=0.5, steps=[2], factor=0.5)")
    >>> [float(schedule(t)) for t in (0, 1, 2)], schedule.get_config()
    ([0.5, 0.5, 0.25], {'spec': 'multifactor(base_lr=0.5, steps=[2], factor=0.5)'})
    """

    def __init__(self, schedule: Schedule | str):
        self.schedule = parse(schedule)

    def __call__(self, step):
        t = tf.cast(step, tf.float64)
        return tf.cast(self.schedule.value(t, tf.experimental.numpy), tf.float32)

    def get_config(self) -> dict:
        return {"spec": repr(self.schedule)}

    @classmethod
    def from_config(cls, config: dict) -> "KerasSchedule":
        return cls(config["spec"])

    def __repr__(self) -> str:
        return f"KerasSchedule({self.schedule!r})"


class EpochSchedule(keras.callbacks.Callback):
    """A callback: at the start of epoch ``e`` (0-based) the optimizer's rate becomes ``s(e)``.

    The optimizer must have a float learning rate (not a schedule of its own).

    >>> callback = EpochSchedule("cosine(max_update=20, base_lr=0.3, final_lr=0.01)")
    >>> model.fit(x, y, epochs=30, callbacks=[callback])      # doctest: +SKIP
    """

    def __init__(self, schedule: Schedule | str):
        super().__init__()
        self.schedule = parse(schedule)

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        self.model.optimizer.learning_rate = self.schedule(epoch)
