"""Example schedules shared by the tests: at least one of every registered schedule.

A test that takes an ``example`` argument runs once per spec in :data:`EXAMPLES`; the
``examples`` fixture is the whole list.
"""

import pytest

EXAMPLES = [
    "constant(0.3)",
    "power(base_lr=0.1, beta=0.5)",
    "factor(base_lr=2.0, factor=0.9, min_lr=0.01)",
    "multifactor(base_lr=0.5, steps=[15, 30], factor=0.5)",
    "multifactor(base_lr=0.5, steps=[15, 30], factor=0.5, boundary='after')",
    "cosine(max_update=20, base_lr=0.3, final_lr=0.01)",
    "cosine(max_update=20, base_lr=0.3, final_lr=0.01, warmup_steps=5, warmup_begin_lr=0.05)",
    "cosine(max_update=20, base_lr=0.3, warmup_steps=5, warmup_begin_lr=0.05, warmup_mode='constant')",
    "poly(max_update=30, base_lr=0.5, power=2.0, final_lr=0.01, warmup_steps=4)",
    "linear(base_lr=0.0, final_lr=0.3, max_update=5)",
    "geometric(base_lr=1e-5, final_lr=10.0, max_update=99)",
    "join([linear(0.0, 0.3, 5), cosine(15, 0.3, 0.01)], boundaries=[5])",
    "warmup(cosine(max_update=15, base_lr=0.3, final_lr=0.01), steps=5, start=0.01)",
    "0.5 * cosine(max_update=20, base_lr=0.3)",
    "exponential(base_lr=0.2, factor=0.9)",
    "exponential(base_lr=1.0, factor=0.5, step_size=10, staircase=True, min_lr=0.1)",
    "inverse_time(base_lr=0.5, rate=0.3, step_size=4)",
    "inverse_time(base_lr=0.5, rate=2.0, step_size=3, staircase=True)",
    "step(base_lr=1.0, step_size=10, factor=0.5)",
    "step(base_lr=1.0, step_size=10, factor=0.5, boundary='after', min_lr=0.2)",
    "piecewise(values=[1.0, 0.5, 0.1], boundaries=[10, 20])",
    "piecewise(values=[1.0, 0.5, 0.1], boundaries=[0, 20], boundary='after')",
    "onecycle(max_update=100, base_lr=1.0)",
    "onecycle(max_update=50, base_lr=0.5, pct_start=0.25, anneal='linear', three_phase=True)",
    "cyclic(min_lr=0.01, max_lr=0.5, step_size_up=10)",
    "cyclic(min_lr=0.01, max_lr=0.5, step_size_up=3, step_size_down=7, mode='triangular2')",
    "cyclic(min_lr=0.01, max_lr=0.5, step_size_up=5, mode='exp_range', gamma=0.99)",
    "sgdr(base_lr=0.1, period=10)",
    "sgdr(base_lr=0.1, period=7, period_mult=2.0, final_lr=0.001, decay=0.8)",
    "sgdr(base_lr=0.1, period=3, period_mult=1.5)",
    "sgld(a=0.01, b=100.0)",
    "sgld(a=2.0, b=1.0, gamma=1.0)",
    "inverse_sqrt(base_lr=0.5)",
    "inverse_sqrt(base_lr=0.5, warmup_steps=10, warmup_begin_lr=0.01)",
    "inverse_sqrt(base_lr=0.5, warmup_steps=10, timescale=3.0)",
    "wsd(max_update=100, base_lr=0.5, decay_steps=20, warmup_steps=10)",
    "wsd(max_update=100, base_lr=0.5, decay_steps=100, final_lr=0.05, decay='cosine')",
    "wsd(max_update=50, base_lr=0.5, decay_steps=10, warmup_steps=40, decay='1-sqrt')",
    "stretch(multifactor(base_lr=0.5, steps=[15, 30], factor=0.5), by=7)",
    "stretch(cosine(max_update=20, base_lr=0.3, final_lr=0.01, warmup_steps=5), by=4, mode='continuous')",
]


@pytest.fixture
def examples():
    return list(EXAMPLES)


def pytest_generate_tests(metafunc):
    if "example" in metafunc.fixturenames:
        metafunc.parametrize("example", EXAMPLES, ids=range(len(EXAMPLES)))
