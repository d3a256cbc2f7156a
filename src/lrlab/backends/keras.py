"""The Keras backend: a model from the registry trained in Keras 3 on TensorFlow.

One compiled update (``tf.function``) gathers a batch by index from the data held as
tensors, takes an SGD step and adds the batch's loss and correct count to tensors, so
an epoch never waits on the host. The schedule reaches the optimizer through
:mod:`lrlab.adapters.keras`:

- ``unit="step"``: the optimizer's rate is a :class:`KerasSchedule`, evaluated at its
  ``iterations`` counter, which is set to ``epoch * updates_per_epoch`` at the start of
  each epoch, so it is always the global update index;
- ``unit="epoch"``: the optimizer reads its rate from a float64 variable set to ``s(e)``
  (the scalar path, as :class:`EpochSchedule` does) at the start of epoch ``e``.

Either way the update returns the rate the optimizer read, which the epoch reports (and its
batch's mean loss, which :meth:`KerasBackend.train_update` reports);
SGD casts it once to float32 when it applies it. So the epoch clock reports ``s(e)``
bitwise, as the torch backend does, and the step clock ``float32(s(t))``.

Not compiled with XLA: ``jit_compile=True`` made an update about 3x slower on a 2-core
CPU. Runs are bitwise reproducible on CPU for a seed (the same metrics from separate
processes, and after a resume) without ``enable_op_determinism``.

The optimizer follows torch's conventions for the extras (:mod:`lrlab.optimizers.sgd`):
``weight_decay`` is an L2 term that the update adds to the gradient (Keras's own option
would decay the weights apart from it).

>>> from lrlab.backends import Job, backend_class
>>> backend = backend_class("keras")(Job(data, schedule))  # doctest: +SKIP
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Callable

import numpy as np

from .base import BackendUnavailable, EpochStats, Job, calibration_metrics

try:
    from ..adapters.keras import KerasSchedule
    import keras
    import tensorflow as tf
except ImportError as error:
    raise BackendUnavailable(f"the keras backend needs TensorFlow and Keras 3 ({error}): pip install 'lrlab[keras]'") from None

from .. import models, optimizers

EVAL_BATCH = 1000
INDEX = tf.TensorSpec([None], tf.int64)
LABELS = tf.TensorSpec([None], tf.int64)


class KerasBackend:
    """A model, its optimizer and one compiled update step in Keras 3 on TensorFlow (see the module docstring)."""

    checkpoint_name = "checkpoint.npz"

    def __init__(self, job: Job) -> None:
        _require_tensorflow_backend()
        _set_threads(job.threads)
        keras.utils.set_random_seed(job.seed)
        self.job, self.schedule = job, job.schedule
        self.weight_decay = job.optimizer_settings.get("weight_decay", 0.0)
        self.x_train, self.y_train = _tensors(job.data, "train")
        self.x_test, self.y_test = _tensors(job.data, "test")
        self.updates_per_epoch = job.updates_per_epoch
        self.model = models.build(job.model, "keras", job.data.image_shape, job.data.num_classes, job.init)
        self.epoch_rate = tf.Variable(job.schedule(0), dtype=tf.float64, trainable=False)
        rate = KerasSchedule(job.schedule) if job.unit == "step" else (lambda: self.epoch_rate)
        self.optimizer = optimizers.build(job.optimizer, "keras", rate, **job.optimizer_settings)
        self.optimizer.build(self.model.trainable_variables)
        self.loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        self.totals = tf.Variable(tf.zeros(2, tf.float64), trainable=False)  # loss sum, correct
        self._update = tf.function(self._update_step, input_signature=[INDEX])
        images = tf.TensorSpec([None, *self.x_test.shape[1:]], tf.float32)
        self._test_sums = tf.function(self._test_sums_of, input_signature=[images, LABELS])

    def train_epoch(self, epoch: int, order: np.ndarray, on_batch: Callable[[], None]) -> EpochStats:
        self._start_epoch(epoch)
        size = self.job.batch_size
        first = last = None
        for start in range(0, len(order), size):
            last, _ = self._update(order[start:start + size])
            first = last if first is None else first
            on_batch()
        loss_sum, correct = self.totals.numpy()
        return EpochStats(float(loss_sum) / len(order), float(correct) / len(order), float(first), float(last))

    def train_update(self, batch: np.ndarray) -> float:
        # The optimizer's own counter goes on from where it was: 0 in a new backend.
        return float(self._update(batch)[1])

    def evaluate(self) -> dict[str, float]:
        n = int(self.y_test.shape[0])
        results = [self._test_sums(self.x_test[i:i + EVAL_BATCH], self.y_test[i:i + EVAL_BATCH])
                   for i in range(0, n, EVAL_BATCH)]
        correct, loss = sum(sums.numpy() for sums, _ in results)
        logits = np.concatenate([logits.numpy() for _, logits in results])
        return {"test_acc": int(correct) / n, "test_loss": float(loss) / n} | \
            calibration_metrics(logits, self.y_test.numpy())

    def logits(self, images: np.ndarray) -> np.ndarray:
        images = np.ascontiguousarray(images.transpose(0, 2, 3, 1))  # Keras takes channels last
        return np.concatenate([self.model(images[i:i + EVAL_BATCH], training=False).numpy()
                               for i in range(0, len(images), EVAL_BATCH)])

    def save(self, path: Path, epochs_done: int) -> None:
        arrays = {f"model/{i}": w for i, w in enumerate(self.model.get_weights())}
        arrays |= {f"optimizer/{i}": v.numpy() for i, v in enumerate(self.optimizer.variables)}
        buffer = io.BytesIO()
        np.savez(buffer, epochs_done=epochs_done, **arrays)
        Path(path).write_bytes(buffer.getvalue())

    def load(self, path: Path) -> int:
        with np.load(path, allow_pickle=False) as arrays:  # arrays only: a pickled object could run code
            self.model.set_weights([arrays[f"model/{i}"] for i in range(len(self.model.weights))])
            for i, variable in enumerate(self.optimizer.variables):
                variable.assign(arrays[f"optimizer/{i}"])
            return int(arrays["epochs_done"])

    def versions(self) -> dict[str, str]:
        return {"tensorflow": tf.__version__, "keras": keras.__version__}

    def close(self) -> None:
        """Nothing to release: the backend starts no threads or files of its own (TensorFlow's
        thread pools belong to the process, and stay as ``threads`` set them)."""

    # -- inside the epoch -----------------------------------------------------------

    def _start_epoch(self, epoch: int) -> None:
        self.totals.assign(tf.zeros(2, tf.float64))
        if self.job.unit == "step":
            self.optimizer.iterations.assign(epoch * self.updates_per_epoch)
        else:
            self.epoch_rate.assign(self.schedule(epoch))

    def _update_step(self, index):
        x, y = tf.gather(self.x_train, index), tf.gather(self.y_train, index)
        rate = tf.identity(self.optimizer.learning_rate)  # read before the update moves the counter
        variables = self.model.trainable_variables
        with tf.GradientTape() as tape:
            logits = self.model(x, training=True)
            loss = self.loss(y, logits)
        gradients = tape.gradient(loss, variables)
        if self.weight_decay:
            gradients = [g + self.weight_decay * v for g, v in zip(gradients, variables)]
        self.optimizer.apply(gradients, variables)
        n = tf.cast(tf.shape(index)[0], tf.float64)
        self.totals.assign_add(tf.stack([tf.cast(loss, tf.float64) * n, _correct(logits, y)]))
        return rate, loss

    def _test_sums_of(self, x, y):
        """The correct count and the summed cross-entropy of a test batch, and its logits."""
        logits = self.model(x, training=False)
        n = tf.cast(tf.shape(y)[0], tf.float64)
        return tf.stack([_correct(logits, y), tf.cast(self.loss(y, logits), tf.float64) * n]), logits


def _correct(logits, labels):
    return tf.reduce_sum(tf.cast(tf.argmax(logits, axis=1) == labels, tf.float64))


def _tensors(data, split: str):
    x, y = data.as_float32(split, channels_last=True)
    return tf.constant(x), tf.constant(y)


def _require_tensorflow_backend() -> None:
    if keras.backend.backend() != "tensorflow":
        raise BackendUnavailable(
            f"the keras backend runs Keras on TensorFlow, but Keras is set to {keras.backend.backend()!r} "
            "(KERAS_BACKEND or ~/.keras/keras.json)"
        )


def _set_threads(threads: int | None) -> None:
    # TensorFlow fixes its thread pools when it first runs an op; later changes raise.
    if threads is None or tf.config.threading.get_intra_op_parallelism_threads() == threads:
        return
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        warnings.warn(f"threads={threads} is ignored: TensorFlow already runs in this process with its own "
                      "thread pools", RuntimeWarning, stacklevel=3)


BACKEND = KerasBackend
