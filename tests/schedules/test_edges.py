"""Every schedule at its edges (step 0, end of warmup, last step, after it), against its formula;
sampling equals calling; calling never mutates; horizons."""

import copy
import dataclasses
import math

import pytest

from lrlab.schedules import REGISTRY, parse

FAR = 10**6


def cos_anneal(start, end, p):
    return end + (start - end) * (1 + math.cos(math.pi * p)) / 2


EDGES = {
    "constant(0.3)": {0: 0.3, 1: 0.3, FAR: 0.3},
    "power(base_lr=0.1, beta=0.5)": {0: 0.1, 3: 0.05, 99: 0.01},
    "power(base_lr=0.1, beta=2.0)": {0: 0.1, 1: 0.025, 9: 0.001},
    "factor(base_lr=2.0, factor=0.9, min_lr=0.01)": {0: 1.8, 1: 2.0 * 0.9**2, 49: 2.0 * 0.9**50, 60: 0.01, FAR: 0.01},
    # torch MultiStepLR: from the milestone on; MXNet MultiFactorScheduler: one step later.
    "multifactor(base_lr=0.5, steps=[15, 30], factor=0.5)": {0: 0.5, 14: 0.5, 15: 0.25, 29: 0.25, 30: 0.125, FAR: 0.125},
    "multifactor(base_lr=0.5, steps=[15, 30], factor=0.5, boundary='after')": {0: 0.5, 15: 0.5, 16: 0.25, 30: 0.25, 31: 0.125},
    "multifactor(base_lr=0.5, steps=[1, 2, 3], factor=0.1, min_lr=0.001)": {0: 0.5, 1: 0.05, 2: 0.005, 3: 0.001},
    "cosine(max_update=20, base_lr=0.3, final_lr=0.01)": {
        0: 0.3, 10: cos_anneal(0.3, 0.01, 0.5), 19: cos_anneal(0.3, 0.01, 19 / 20), 20: 0.01, 21: 0.01, FAR: 0.01},
    "cosine(max_update=20, base_lr=0.3, final_lr=0.01, warmup_steps=5, warmup_begin_lr=0.05)": {
        0: 0.05, 1: 0.05 + 0.25 / 5, 4: 0.05 + 0.25 * 4 / 5, 5: 0.3, 6: cos_anneal(0.3, 0.01, 1 / 15), 20: 0.01, 21: 0.01},
    "cosine(max_update=20, base_lr=0.3, warmup_steps=5, warmup_begin_lr=0.05, warmup_mode='constant')": {
        0: 0.05, 4: 0.05, 5: 0.3, 20: 0.0, 21: 0.0},
    "poly(max_update=30, base_lr=0.5, power=2.0, final_lr=0.01, warmup_steps=4)": {
        0: 0.0, 2: 0.25, 4: 0.5, 17: 0.01 + 0.49 * 0.25, 29: 0.01 + 0.49 / 26**2, 30: 0.01, 31: 0.01},
    "linear(base_lr=0.0, final_lr=0.3, max_update=5)": {0: 0.0, 1: 0.06, 4: 0.24, 5: 0.3, 6: 0.3},
    "linear(base_lr=1.0, final_lr=0.0, max_update=4)": {0: 1.0, 1: 0.75, 3: 0.25, 4: 0.0, FAR: 0.0},
    "geometric(base_lr=1e-5, final_lr=10.0, max_update=6)": {0: 1e-5, 1: 1e-4, 3: 1e-2, 6: 10.0, FAR: 10.0},
    "geometric(base_lr=0.5, final_lr=0.125, max_update=2)": {0: 0.5, 1: 0.25, 2: 0.125, 3: 0.125},
    "join([linear(0.0, 0.3, 5), cosine(15, 0.3, 0.01)], boundaries=[5])": {
        0: 0.0, 4: 0.24, 5: 0.3, 6: cos_anneal(0.3, 0.01, 1 / 15), 20: 0.01, 21: 0.01},
    "join([constant(1.0), constant(0.5), linear(0.5, 0.0, 10)], boundaries=[3, 5])": {
        0: 1.0, 2: 1.0, 3: 0.5, 4: 0.5, 5: 0.5, 10: 0.25, 15: 0.0, 16: 0.0},
    "warmup(cosine(max_update=15, base_lr=0.3, final_lr=0.01), steps=5, start=0.01)": {
        0: 0.01, 4: 0.01 + 0.29 * 4 / 5, 5: 0.3, 20: 0.01, 21: 0.01},
    "0.5 * cosine(max_update=20, base_lr=0.3)": {0: 0.15, 10: 0.075, 20: 0.0, 21: 0.0},
    "inverse_time(base_lr=0.5, rate=0.3, step_size=4)": {0: 0.5, 4: 0.5 / 1.3, 10: 0.5 / 1.75, 400: 0.5 / 31.0},
    "inverse_time(base_lr=0.5, rate=2.0, step_size=3, staircase=True)": {0: 0.5, 2: 0.5, 3: 0.5 / 3, 8: 0.5 / 5},
    "exponential(base_lr=0.2, factor=0.9)": {0: 0.2, 1: 0.18, 10: 0.2 * 0.9**10, 300: 0.2 * 0.9**300},
    "exponential(base_lr=1.0, factor=0.5, step_size=10)": {0: 1.0, 5: 0.5**0.5, 10: 0.5, 15: 0.5**1.5},
    "exponential(base_lr=1.0, factor=0.5, step_size=10, staircase=True, min_lr=0.1)": {
        0: 1.0, 9: 1.0, 10: 0.5, 19: 0.5, 20: 0.25, 30: 0.125, 40: 0.1, FAR: 0.1},
    "step(base_lr=1.0, step_size=10, factor=0.5)": {0: 1.0, 9: 1.0, 10: 0.5, 11: 0.5, 20: 0.25, 30: 0.125},
    # MXNet FactorScheduler(step=10) halves at t = 11, 21, 31.
    "step(base_lr=1.0, step_size=10, factor=0.5, boundary='after', min_lr=0.2)": {
        0: 1.0, 1: 1.0, 10: 1.0, 11: 0.5, 20: 0.5, 21: 0.25, 30: 0.25, 31: 0.2, FAR: 0.2},
    "step(base_lr=1.0, step_size=1, factor=0.5, boundary='after')": {0: 1.0, 1: 1.0, 2: 0.5, 3: 0.25},
    "piecewise(values=[1.0, 0.5, 0.1], boundaries=[10, 20])": {0: 1.0, 9: 1.0, 10: 0.5, 19: 0.5, 20: 0.1, FAR: 0.1},
    "piecewise(values=[1.0, 0.5, 0.1], boundaries=[0, 20], boundary='after')": {0: 1.0, 1: 0.5, 20: 0.5, 21: 0.1},
    "piecewise(values=[1.0, 0.5], boundaries=[0])": {0: 0.5, 1: 0.5},
    # OneCycle: phase ends at pct_start * T - 1 = 29 and T - 1 = 99; low = 1/25, final = low / 1e4.
    "onecycle(max_update=100, base_lr=1.0)": {
        0: 0.04, 14: cos_anneal(0.04, 1.0, 14 / 29), 29: 1.0, 64: cos_anneal(1.0, 4e-6, 35 / 70),
        99: 4e-6, 100: 4e-6, FAR: 4e-6},
    # Three phases end at 11.5, 23 and 49 (pct_start * T = 12.5 is not a whole step).
    "onecycle(max_update=50, base_lr=0.5, pct_start=0.25, anneal='linear', three_phase=True)": {
        0: 0.02, 11: 0.02 + 0.48 * 11 / 11.5, 12: 0.5 - 0.48 * 0.5 / 11.5, 23: 0.02,
        36: 0.02 + (2e-6 - 0.02) * 13 / 26, 49: 2e-6, 50: 2e-6},
    # Where torch divides by zero (pct_start * T = 1), step 0 takes the phase's start value.
    "onecycle(max_update=10, base_lr=1.0, pct_start=0.1)": {0: 0.04, 1: cos_anneal(1.0, 4e-6, 1 / 9), 9: 4e-6},
    "cyclic(min_lr=0.01, max_lr=0.5, step_size_up=10)": {
        0: 0.01, 5: 0.255, 10: 0.5, 15: 0.255, 20: 0.01, 30: 0.5, FAR: 0.01},
    "cyclic(min_lr=0.01, max_lr=0.5, step_size_up=3, step_size_down=7, mode='triangular2')": {
        0: 0.01, 3: 0.5, 10: 0.01, 13: 0.01 + 0.49 / 2, 23: 0.01 + 0.49 / 4, 20: 0.01},
    "cyclic(min_lr=0.01, max_lr=0.5, step_size_up=5, mode='exp_range', gamma=0.99)": {
        0: 0.01, 5: 0.01 + 0.49 * 0.99**5, 10: 0.01, 15: 0.01 + 0.49 * 0.99**15},
    "sgdr(base_lr=0.1, period=10)": {0: 0.1, 5: 0.05, 9: cos_anneal(0.1, 0.0, 0.9), 10: 0.1, 20: 0.1, FAR: 0.1},
    "sgdr(base_lr=0.1, period=7, period_mult=2.0, final_lr=0.001, decay=0.8)": {
        0: 0.1, 6: cos_anneal(0.1, 0.001, 6 / 7), 7: 0.08, 14: cos_anneal(0.08, 0.001, 0.5),
        21: 0.064, 49: 0.1 * 0.8**3, 105: 0.1 * 0.8**4},
    # Cycle starts of period_mult 1.5 from 4: 0, 4, 10, 19, 32.5 (not a step), 52.75.
    "sgdr(base_lr=0.1, period=4, period_mult=1.5)": {
        0: 0.1, 4: 0.1, 10: 0.1, 19: 0.1, 32: cos_anneal(0.1, 0.0, 13 / 13.5), 33: cos_anneal(0.1, 0.0, 0.5 / 20.25)},
    "sgld(a=2.0, b=1.0, gamma=1.0)": {0: 2.0, 1: 1.0, 3: 0.5, 99: 0.02},
    "sgld(a=0.01, b=100.0)": {0: 0.01 * 100**-0.55, 1: 0.01 * 101**-0.55, 9900: 0.01 * 10**-2.2},
    "inverse_sqrt(base_lr=0.5)": {0: 0.5, 3: 0.25, 99: 0.05},
    "inverse_sqrt(base_lr=0.5, warmup_steps=10, warmup_begin_lr=0.01)": {
        0: 0.01, 5: 0.255, 9: 0.01 + 0.49 * 0.9, 10: 0.5, 40: 0.25, 100: 0.5 * math.sqrt(10 / 100)},
    "inverse_sqrt(base_lr=0.5, warmup_steps=10, timescale=3.0)": {0: 0.0, 10: 0.5, 19: 0.25},
    "wsd(max_update=100, base_lr=0.5, decay_steps=20, warmup_steps=10)": {
        0: 0.0, 5: 0.25, 10: 0.5, 50: 0.5, 80: 0.5, 90: 0.25, 99: 0.025, 100: 0.0, 101: 0.0},
    "wsd(max_update=100, base_lr=0.5, decay_steps=100, final_lr=0.05, decay='cosine')": {
        0: 0.5, 50: 0.275, 100: 0.05, FAR: 0.05},
    "wsd(max_update=50, base_lr=0.5, decay_steps=10, warmup_steps=40, decay='1-sqrt')": {
        0: 0.0, 20: 0.25, 40: 0.5, 41: 0.5 * (1 - math.sqrt(0.1)), 50: 0.0, 51: 0.0},
    "stretch(multifactor(base_lr=0.5, steps=[15, 30], factor=0.5), by=7)": {
        0: 0.5, 104: 0.5, 105: 0.25, 209: 0.25, 210: 0.125, FAR: 0.125},
    "stretch(cosine(max_update=20, base_lr=0.3, final_lr=0.01, warmup_steps=5), by=4, mode='continuous')": {
        0: 0.0, 1: 0.3 / 5 / 4, 20: 0.3, 22: cos_anneal(0.3, 0.01, 0.5 / 15), 80: 0.01, 81: 0.01},
    "stretch(cosine(max_update=20, base_lr=0.3, final_lr=0.01, warmup_steps=5), by=4)": {
        0: 0.0, 3: 0.0, 4: 0.06, 20: 0.3, 23: 0.3, 24: cos_anneal(0.3, 0.01, 1 / 15), 80: 0.01},
}


@pytest.mark.parametrize("spec", EDGES)
def test_edges(spec):
    s = parse(spec)
    for t, expected in EDGES[spec].items():
        assert s(t) == pytest.approx(expected, rel=1e-12, abs=1e-15), f"{spec} at t={t}"


def test_every_schedule_has_edges_and_examples(examples):
    assert {parse(spec).name for spec in EDGES} == set(REGISTRY)
    assert {parse(spec).name for spec in examples} == set(REGISTRY)


def test_sgdr_cycle_starts_are_peaks():
    # Starts of period_mult 3 from 1 (1, 4, 13, ...) are where a log-based cycle index rounds.
    for period, mult in [(1, 3.0), (10, 2.0), (5, 1.1), (3, 7.0)]:
        s = parse(f"sgdr(base_lr=1.0, period={period}, period_mult={mult}, decay=0.5)")
        start, length = 0.0, float(period)
        for i in range(30):
            if start.is_integer() and start < 2**52:
                assert s(int(start)) == 0.5**i, (period, mult, i)
            start, length = start + length, length * mult


def test_sample_equals_calls(example):
    s = parse(example)
    n = (s.horizon or 300) + 50
    assert s.sample(n).tolist() == pytest.approx([s(t) for t in range(n)], rel=1e-12, abs=1e-300)


def test_calling_never_mutates(example):
    s = parse(example)
    before = copy.deepcopy(dataclasses.asdict(s))
    twin = parse(example)
    first = [s(t) for t in range(0, 400, 3)]
    s.sample(400)
    assert [s(t) for t in range(0, 400, 3)] == first
    assert dataclasses.asdict(s) == before
    assert s == twin and hash(s) == hash(twin)


def test_constant_after_horizon(example):
    s = parse(example)
    if s.horizon is None:
        return
    at_horizon = s(s.horizon)
    assert [s(t) for t in range(s.horizon, s.horizon + 60)] == [at_horizon] * 60
    assert s(10 * s.horizon + 7) == at_horizon == s(FAR)


HORIZONS = {
    "constant(0.3)": 0,
    "power(0.1)": None,
    "factor(2.0, 0.9)": None,
    "multifactor(0.5, [15, 30], 0.5)": 30,
    "multifactor(0.5, [15, 30], 0.5, 'after')": 31,
    "cosine(20, 0.3, warmup_steps=5)": 20,
    "poly(30, 0.5)": 30,
    "linear(0.3, 0.0, 7)": 7,
    "geometric(1e-5, 10.0, 99)": 99,
    "join([linear(0.0, 0.3, 5), cosine(15, 0.3)], [5])": 20,
    "join([cosine(15, 0.3), power(0.1)], [15])": None,
    "warmup(cosine(15, 0.3), 5)": 20,
    "warmup(power(0.1), 5)": None,
    "0.5 * cosine(20, 0.3)": 20,
    "exponential(0.2, 0.9)": None,
    "inverse_time(0.5, 0.3)": None,
    "step(1.0, 10, 0.5)": None,
    "piecewise([1.0, 0.1], [10])": 10,
    "piecewise([1.0, 0.1], [10], 'after')": 11,
    "onecycle(100, 1.0)": 100,
    "cyclic(0.01, 0.5, 10)": None,
    "sgdr(0.1, 10)": None,
    "inverse_sqrt(0.5, 10)": None,
    "wsd(100, 0.5, 20)": 100,
    "stretch(multifactor(0.5, [15, 30], 0.5), 7)": 210,
    "stretch(power(0.1), 7)": None,
}


@pytest.mark.parametrize("spec, horizon", HORIZONS.items())
def test_horizon(spec, horizon):
    assert parse(spec).horizon == horizon
