"""The optax adapter: closed-form schedules under jax.jit, and in a real optax optimizer."""

import numpy as np
import pytest

jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")
import jax.numpy as jnp  # noqa: E402

from lrlab.adapters.optax import to_optax  # noqa: E402
from lrlab.schedules import parse  # noqa: E402

SPECS = [
    "constant(0.3)",
    "power(base_lr=0.1, beta=0.5)",
    "factor(base_lr=2.0, factor=0.9, min_lr=0.01)",
    "multifactor(base_lr=0.5, steps=[15, 30], factor=0.5, boundary='after')",
    "cosine(max_update=20, base_lr=0.3, final_lr=0.01, warmup_steps=5)",
    "cosine(max_update=20, base_lr=0.3, final_lr=0.01, warmup_steps=5, warmup_mode='constant', warmup_begin_lr=0.1)",
    "poly(max_update=30, base_lr=0.3, power=2, final_lr=0.01, warmup_steps=4)",
    "join([linear(0.0, 0.3, 5), cosine(15, 0.3, 0.01)], boundaries=[5])",
    "warmup(0.5 * cosine(max_update=15, base_lr=0.3), steps=5, start=0.01)",
]


@pytest.mark.parametrize("spec", SPECS)
def test_matches_the_scalar_path_under_jit(spec):
    schedule = parse(spec)
    steps = jnp.arange(60)
    values = jax.jit(jax.vmap(to_optax(schedule)))(steps)
    assert values.dtype == jnp.float32
    expected = np.array([schedule(t) for t in range(60)], dtype=np.float32)
    np.testing.assert_allclose(np.asarray(values), expected, rtol=1e-6, atol=1e-7)


def test_accepts_a_spec_string_and_a_traced_scalar_count():
    schedule = to_optax("cosine(max_update=20, base_lr=0.3, final_lr=0.01)")
    assert float(jax.jit(schedule)(jnp.int32(20))) == pytest.approx(0.01, rel=1e-6)


def test_drives_a_real_optax_sgd_with_the_first_update_at_step_0():
    schedule = parse("multifactor(base_lr=0.5, steps=[2, 4], factor=0.5)")
    optimizer = optax.sgd(learning_rate=to_optax(schedule))
    params = jnp.zeros(())
    state = optimizer.init(params)

    @jax.jit
    def update(params, state):
        updates, state = optimizer.update(jnp.ones(()), state, params)  # gradient 1: update = -lr
        return optax.apply_updates(params, updates), state, -updates

    applied = []
    for _ in range(6):
        params, state, lr = update(params, state)
        applied.append(float(lr))
    np.testing.assert_allclose(applied, [schedule(t) for t in range(6)], rtol=1e-6)
