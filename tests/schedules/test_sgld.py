"""The SGLD step size ``a * (b + t) ** -gamma``: its constructor from a first and a last rate hits
both exactly (to float64 rounding), and refuses what has no solution."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrlab.schedules import SGLD, ScheduleError, parse

RATES = st.floats(1e-8, 10.0)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(RATES, st.floats(1.0001, 1e4), st.integers(1, 10**6), st.floats(0.5, 1.0, exclude_min=True))
def test_from_rates_starts_at_the_first_rate_and_reaches_the_last_at_the_horizon(first, ratio, horizon, gamma):
    last = first / ratio
    s = SGLD.from_rates(first, last, horizon, gamma)
    assert s(0) == pytest.approx(first, rel=1e-9)
    assert s(horizon) == pytest.approx(last, rel=1e-9)
    assert s(horizon + 1) < s(horizon) < s(horizon - 1) <= s(0)  # decreasing, and on after the horizon
    assert parse(repr(s)) == s and s.gamma == gamma


def test_the_decay_exponent_sets_the_tail():
    """Welling and Teh's conditions: the steps sum to infinity, their squares do not; gamma = 1 halves
    the rate each time b + t doubles."""
    s = SGLD(a=1.0, b=10.0, gamma=1.0)
    assert s(10) == pytest.approx(s(0) / 2) and s(30) == pytest.approx(s(0) / 4)
    assert SGLD(a=1.0, b=1.0)(0) == 1.0 and SGLD(a=1.0, b=1.0).gamma == 0.55


@pytest.mark.parametrize("args, message", [
    ((1e-5, 1e-5, 100), "final_lr=1e-05 is invalid: must be < base_lr"),
    ((1e-6, 1e-5, 100), "final_lr=1e-05 is invalid: must be < base_lr"),
    ((1e-5, 0.0, 100), "final_lr=0.0 is invalid: must be a finite number > 0"),
    ((math.inf, 1e-5, 100), "base_lr=inf is invalid"),
    ((1e-5, 1e-6, 0), "max_update=0 is invalid: must be an integer >= 1"),
    ((1e-5, 1e-6, 10.5), "max_update=10.5 is invalid"),
    ((1e-5, 1e-6, 100, 0.5), "sgld: gamma=0.5 is invalid: must be in (0.5, 1]"),
    ((1.0, 1e-300, 100, 0.51), "too large"),
])
def test_from_rates_refuses_what_has_no_solution(args, message):
    with pytest.raises(ScheduleError) as error:
        SGLD.from_rates(*args)
    assert message in str(error.value)
