"""Every formula inside a compiled step: ``jax.jit`` (as optax runs it) and ``tf.function``
(as Keras does), where the step is a traced tensor and a Python branch on it would fail.

JAX runs in float32 here (its default), so the values agree with ``s.sample`` to float32
rounding; the Keras adapter evaluates in float64 and casts once, and so does this test. All
examples are traced in one function: one compilation instead of one per example.
"""

import numpy as np
import pytest

from lrlab.schedules import parse

STEPS = 400


def assert_float32_close(examples, traced):
    wrong = []
    for spec, values in zip(examples, traced):
        values = np.broadcast_to(np.asarray(values, dtype=np.float64), (STEPS,))
        if not np.allclose(values, parse(spec).sample(STEPS), rtol=1e-6, atol=1e-7):
            wrong.append(spec)
    assert not wrong, f"differ from s.sample beyond float32 rounding: {wrong}"


def test_under_jax_jit(examples):
    jax = pytest.importorskip("jax")
    schedules = [parse(spec) for spec in examples]
    traced = jax.jit(lambda t: [s.value(t, jax.numpy) for s in schedules])
    assert_float32_close(examples, traced(jax.numpy.arange(STEPS, dtype=jax.numpy.float32)))


def test_in_tf_function(examples):
    tf = pytest.importorskip("tensorflow")
    schedules = [parse(spec) for spec in examples]
    traced = tf.function(lambda t: [tf.cast(s.value(t, tf.experimental.numpy), tf.float32) for s in schedules])
    assert_float32_close(examples, [v.numpy() for v in traced(tf.range(STEPS, dtype=tf.float64))])
