"""Our schedules against optax's.

optax computes in float32, so the comparisons are to float32 rounding: rtol 1e-6, atol 1e-7.
"""

import itertools
import operator

import numpy as np
import pytest

jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")
import jax.numpy as jnp  # noqa: E402

from lrlab.schedules import parse  # noqa: E402

FLOAT32 = dict(rtol=1e-6, atol=1e-7)


def optax_rates(schedule, steps):
    return np.asarray(schedule(jnp.arange(steps)), dtype=np.float64)


def assert_same(spec, schedule, steps):
    np.testing.assert_allclose(parse(spec).sample(steps), optax_rates(schedule, steps), **FLOAT32)


@pytest.mark.parametrize("init, peak, warmup, decay, end", [
    (0.0, 0.3, 5, 20, 0.01),      # the chapter's cosine with warmup (optax counts warmup in decay_steps)
    (0.01, 1.0, 100, 1000, 0.0),
    (0.0, 0.5, 0, 50, 0.05),
])
def test_warmup_cosine_decay(init, peak, warmup, decay, end):
    spec = f"cosine(max_update={decay}, base_lr={peak}, final_lr={end}, warmup_steps={warmup}, warmup_begin_lr={init})"
    assert_same(spec, optax.warmup_cosine_decay_schedule(init, peak, warmup, decay, end), decay + 50)


@pytest.mark.parametrize("init, boundaries_and_scales", [
    (0.5, {15: 0.5, 30: 0.5}),
    (1.0, {10: 0.1, 100: 0.1, 250: 0.5}),
])
def test_piecewise_constant(init, boundaries_and_scales):
    boundaries = sorted(boundaries_and_scales)
    values = list(itertools.accumulate([boundaries_and_scales[b] for b in boundaries], operator.mul, initial=init))
    spec = f"piecewise(values={values}, boundaries={boundaries})"
    assert_same(spec, optax.piecewise_constant_schedule(init, boundaries_and_scales), 300)


@pytest.mark.parametrize("power", [1.0, 2.0, 0.5])
def test_polynomial(power):
    spec = f"poly(max_update=100, base_lr=0.5, power={power}, final_lr=0.01)"
    assert_same(spec, optax.polynomial_schedule(0.5, 0.01, power, transition_steps=100), 150)


def test_polynomial_with_transition_begin_is_a_join():
    spec = "join([constant(0.5), poly(max_update=100, base_lr=0.5, power=2.0, final_lr=0.01)], boundaries=[20])"
    schedule = optax.polynomial_schedule(0.5, 0.01, 2.0, transition_steps=100, transition_begin=20)
    assert_same(spec, schedule, 170)


@pytest.mark.parametrize("staircase", [False, True])
@pytest.mark.parametrize("steps, rate, end", [(1, 0.99, None), (10, 0.5, None), (25, 0.9, 0.05)])
def test_exponential_decay(staircase, steps, rate, end):
    spec = f"exponential(base_lr=0.3, factor={rate}, step_size={steps}, staircase={staircase}, min_lr={end or 0.0})"
    schedule = optax.exponential_decay(0.3, steps, rate, staircase=staircase, end_value=end)
    assert_same(spec, schedule, 400)


def test_sgdr_is_a_join_of_warmup_cosines():
    kwargs = [dict(init_value=0.0, peak_value=0.3, warmup_steps=5, decay_steps=50, end_value=0.01),
              dict(init_value=0.01, peak_value=0.2, warmup_steps=10, decay_steps=100, end_value=0.001),
              dict(init_value=0.0, peak_value=0.1, warmup_steps=0, decay_steps=30, end_value=0.0)]
    cosines = [f"cosine(max_update={k['decay_steps']}, base_lr={k['peak_value']}, final_lr={k['end_value']},"
               f" warmup_steps={k['warmup_steps']}, warmup_begin_lr={k['init_value']})" for k in kwargs]
    boundaries = list(itertools.accumulate(k["decay_steps"] for k in kwargs))[:-1]
    spec = f"join([{', '.join(cosines)}], boundaries={boundaries})"
    assert_same(spec, optax.sgdr_schedule(kwargs), 220)

