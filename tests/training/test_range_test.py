"""The range test's arithmetic on synthetic loss curves: rates, smoothing, the stop rule, suggestions."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrlab.training.range_test import RangeTest, RangeTestError, smooth, steepest, suggest, valley

FINITE_LOSSES = st.lists(st.floats(0.0, 100.0), min_size=1, max_size=60)


def valley_curve(n=100):
    """A loss curve against rates 1e-5 .. 10 that is flat (and noisy, as a real one), falls fastest at
    1e-2, bottoms out at 10 ** -1.5 and then climbs: what a range test of a network that learns looks like."""
    rates = np.geomspace(1e-5, 10.0, n)
    x = np.log10(rates)
    noise = 0.01 * np.random.default_rng(0).standard_normal(n)
    return rates, 2.3 - np.tanh(2 * (x + 2)) + 4 * np.maximum(0.0, x + 1.5) ** 2 + noise


# -- rates ------------------------------------------------------------------------------------------


def test_the_exponential_ramp_multiplies_by_the_same_ratio_every_update_and_ends_on_both_rates():
    rates = RangeTest(min_lr=1e-5, max_lr=10.0, steps=100).rates()
    assert rates[0] == 1e-5 and rates[-1] == pytest.approx(10.0, rel=1e-12)
    ratios = rates[1:] / rates[:-1]
    assert np.allclose(ratios, 1e6 ** (1 / 99), rtol=1e-12)


def test_the_linear_ramp_adds_the_same_amount_every_update():
    rates = RangeTest(min_lr=0.1, max_lr=1.0, steps=10, mode="linear").rates()
    assert rates[0] == 0.1 and rates[-1] == pytest.approx(1.0) and np.allclose(np.diff(rates), 0.1)


@pytest.mark.parametrize("settings, needle", [
    (dict(min_lr=1.0, max_lr=1.0), "min_lr=1.0 must be below max_lr=1.0"),
    (dict(min_lr=0.0), "min_lr=0.0 must be a finite number > 0"),
    (dict(max_lr=math.inf), "max_lr=inf"),
    (dict(steps=1), "steps=1 must be an integer >= 2"),
    (dict(mode="log"), "mode='log' must be one of exp, linear"),
    (dict(beta=1.0), "beta=1.0 must be in [0, 1)"),
    (dict(stop_factor=1.0), "stop_factor=1.0 must be > 1"),
])
def test_bad_settings_are_named(settings, needle):
    with pytest.raises(RangeTestError) as error:
        RangeTest(**settings)
    assert needle in str(error.value)


# -- smoothing and stopping ----------------------------------------------------------------------------


@given(FINITE_LOSSES, st.floats(0.0, 0.99))
def test_the_smoothed_loss_is_a_weighted_mean_of_the_losses_so_far(losses, beta):
    smoothed = smooth(losses, beta)
    assert smoothed[0] == pytest.approx(losses[0])  # debiased: no pull towards 0 at the start
    for i, value in enumerate(smoothed):
        assert min(losses[:i + 1]) - 1e-9 <= value <= max(losses[:i + 1]) + 1e-9


def test_the_smoothing_is_fastais_debiased_moving_average():
    losses, beta = [2.0, 1.0, 4.0, 3.0], 0.9
    average, expected = 0.0, []
    for i, loss in enumerate(losses):
        average = beta * average + (1 - beta) * loss
        expected.append(average / (1 - beta ** (i + 1)))
    assert smooth(losses, beta).tolist() == expected


def test_an_exploding_curve_stops_where_the_smoothed_loss_passes_four_times_its_best():
    losses = [2.0, 1.0, 0.5] + [0.5 * 2 ** k for k in range(1, 10)]
    test = RangeTest(beta=0.5)
    stops = [test.stops(losses[:n]) for n in range(1, len(losses) + 1)]
    first = stops.index(True)
    smoothed = smooth(losses[:first + 1], 0.5)
    assert smoothed[first] > 4 * smoothed[:first].min() and smoothed[first - 1] <= 4 * smoothed[:first - 1].min()


def test_a_loss_that_is_not_finite_stops_the_test_and_a_falling_one_never_does():
    test = RangeTest()
    assert test.stops([2.0, 1.9, float("nan")]) and test.stops([2.0, float("inf")])
    falling = list(np.linspace(2.3, 0.5, 200))
    assert not any(test.stops(falling[:n]) for n in range(1, 201))


# -- suggestions ------------------------------------------------------------------------------------------


def test_a_known_valley():
    rates, loss = valley_curve()
    tips = suggest(rates, loss, 100)
    lowest = rates[np.argmin(loss)]
    assert tips["min_div_10"] == pytest.approx(lowest / 10)
    assert 10 ** -2.1 <= tips["steep"] <= 10 ** -1.9  # the steepest fall, against log(rate), is at 1e-2
    assert 10 ** -3 < tips["valley"] < lowest  # in the fall, where it is real (not the noisy flat start), before the bottom


def test_slopes_are_taken_against_the_log_of_the_rate():
    # Against the rate itself the first segment would be the steepest (-0.1 over 0.001); against
    # log(rate) the last one is (-0.8 over log 2, the first -0.1 over log 2).
    rates = np.array([0.001, 0.002, 1.0, 2.0])
    losses = np.array([2.0, 1.9, 1.8, 1.0])
    assert steepest(rates, losses) == 1.0


def test_a_curve_that_explodes_into_nan_is_read_up_to_its_first_nan():
    rates, loss = valley_curve()
    loss[70:] = np.nan
    tips = suggest(rates, loss, 100)
    assert all(rates[0] / 10 <= rate <= rates[69] for rate in tips.values())


def test_a_curve_that_never_falls_suggests_only_its_minimum():
    rates = np.geomspace(1e-5, 10.0, 100)
    tips = suggest(rates, np.linspace(2.3, 5.0, 100), 100)
    assert tips["valley"] is None and tips["steep"] is None
    assert tips["min_div_10"] == pytest.approx(rates[10] / 10)  # the window's first point


def test_too_short_a_curve_suggests_nothing():
    assert suggest([1e-3, 1e-2, 1e-1], [2.0, 1.0, 0.5], 100) == {"valley": None, "steep": None, "min_div_10": None}
    assert suggest(np.geomspace(1e-5, 1, 20), [np.nan] * 20, 20) == {"valley": None, "steep": None, "min_div_10": None}


def test_valley_is_fastais_longest_falling_run():
    losses = [5, 4, 3, 2, 1, 6, 9, 8, 7, 6, 5, 4, 3, 2, 7]
    rates = list(range(100, 100 + len(losses)))
    # The longest falling sequence is 9 > 8 > ... > 2 (indices 6 to 13, length 8; the first fall has 5):
    # start 6, span 7, suggestion at 6 + 7 // 3 + 7 // 6 = 9.
    assert valley(rates, losses) == rates[9]


@settings(max_examples=50)
@given(st.lists(st.floats(0.01, 50.0), min_size=12, max_size=80))
def test_suggestions_are_rates_the_test_tried_or_a_tenth_of_one(losses):
    rates = np.geomspace(1e-4, 1.0, len(losses))
    tips = suggest(rates, smooth(losses, 0.9), len(losses))
    for name in ("valley", "steep"):
        assert tips[name] is None or tips[name] in rates
    assert tips["min_div_10"] is None or np.isclose(tips["min_div_10"] * 10, rates, rtol=1e-12, atol=0).any()
