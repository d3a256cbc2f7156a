"""Properties of every registered schedule, on random valid (and invalid) arguments.

:data:`ARGUMENTS` holds a hypothesis strategy of valid keyword arguments for every registered
schedule; a schedule registered without one fails :func:`test_every_schedule_has_a_strategy`.
"""

import dataclasses
import json
import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrlab.schedules import REGISTRY, ScheduleError, from_dict, parse

settings.register_profile("lrlab-schedules", max_examples=100, deadline=None)
settings.load_profile("lrlab-schedules")

RATES = st.floats(0.0, 10.0)
FACTORS = st.floats(0.0, 1.0, exclude_min=True)
FRACTIONS = st.floats(0.0, 1.0, exclude_min=True, exclude_max=True)
STEPS = st.integers(0, 10**4)
POSITIVE_STEPS = st.integers(1, 10**4)
BOUNDARY = st.sampled_from(["at", "after"])
WARMUP_MODE = st.sampled_from(["linear", "constant"])


def increasing(elements, min_size=1, max_size=5):
    return st.lists(elements, min_size=min_size, max_size=max_size, unique=True).map(sorted)


@st.composite
def horizon_and_warmup(draw, max_update="max_update"):
    total = draw(POSITIVE_STEPS)
    return {max_update: total, "warmup_steps": draw(st.integers(0, total - 1))}


@st.composite
def multifactor(draw, children):
    return {"base_lr": draw(RATES), "steps": draw(increasing(POSITIVE_STEPS)), "factor": draw(FACTORS),
            "boundary": draw(BOUNDARY), "min_lr": draw(RATES)}


@st.composite
def cosine_or_poly(draw, power=False):
    kwargs = draw(horizon_and_warmup())
    kwargs.update(base_lr=draw(RATES), final_lr=draw(RATES), warmup_begin_lr=draw(RATES),
                  warmup_mode=draw(WARMUP_MODE))
    if power:
        kwargs["power"] = draw(st.floats(0.01, 8.0))
    return kwargs


@st.composite
def piecewise(draw, children):
    boundaries = draw(increasing(STEPS))
    values = draw(st.lists(RATES, min_size=len(boundaries) + 1, max_size=len(boundaries) + 1))
    return {"values": values, "boundaries": boundaries, "boundary": draw(BOUNDARY)}


@st.composite
def join(draw, children):
    schedules = draw(st.lists(children, min_size=2, max_size=3))
    boundaries = draw(increasing(POSITIVE_STEPS, len(schedules) - 1, len(schedules) - 1))
    return {"schedules": schedules, "boundaries": boundaries}


@st.composite
def cyclic(draw, children):
    low, high = sorted([draw(RATES), draw(RATES)])
    return {"min_lr": low, "max_lr": high, "step_size_up": draw(POSITIVE_STEPS),
            "step_size_down": draw(st.none() | POSITIVE_STEPS),
            "mode": draw(st.sampled_from(["triangular", "triangular2", "exp_range"])), "gamma": draw(FACTORS)}


@st.composite
def wsd(draw, children):
    total = draw(POSITIVE_STEPS)
    decay = draw(st.integers(1, total))
    return {"max_update": total, "base_lr": draw(RATES), "decay_steps": decay,
            "warmup_steps": draw(st.integers(0, total - decay)), "final_lr": draw(RATES),
            "decay": draw(st.sampled_from(["linear", "cosine", "1-sqrt"])), "warmup_begin_lr": draw(RATES)}


ARGUMENTS = {
    "constant": lambda children: st.fixed_dictionaries({"base_lr": RATES}),
    "power": lambda children: st.fixed_dictionaries({"base_lr": RATES, "beta": st.floats(0.01, 8.0)}),
    "factor": lambda children: st.fixed_dictionaries({"base_lr": RATES, "factor": FACTORS, "min_lr": RATES}),
    "multifactor": multifactor,
    "cosine": lambda children: cosine_or_poly(),
    "poly": lambda children: cosine_or_poly(power=True),
    "linear": lambda children: st.fixed_dictionaries(
        {"base_lr": RATES, "final_lr": RATES, "max_update": POSITIVE_STEPS}),
    "geometric": lambda children: st.fixed_dictionaries(
        {"base_lr": st.floats(1e-8, 10.0), "final_lr": st.floats(1e-8, 10.0), "max_update": POSITIVE_STEPS}),
    "join": join,
    "warmup": lambda children: st.fixed_dictionaries(
        {"schedule": children, "steps": POSITIVE_STEPS, "start": RATES}),
    "scale": lambda children: st.fixed_dictionaries({"schedule": children, "factor": st.floats(0.0, 10.0)}),
    "exponential": lambda children: st.fixed_dictionaries(
        {"base_lr": RATES, "factor": FACTORS, "step_size": POSITIVE_STEPS, "staircase": st.booleans(),
         "min_lr": RATES}),
    "inverse_time": lambda children: st.fixed_dictionaries(
        {"base_lr": RATES, "rate": RATES, "step_size": POSITIVE_STEPS, "staircase": st.booleans()}),
    "step": lambda children: st.fixed_dictionaries(
        {"base_lr": RATES, "step_size": POSITIVE_STEPS, "factor": FACTORS, "boundary": BOUNDARY, "min_lr": RATES}),
    "piecewise": piecewise,
    "onecycle": lambda children: st.fixed_dictionaries(
        {"max_update": POSITIVE_STEPS, "base_lr": RATES, "pct_start": FRACTIONS,
         "div_factor": st.floats(1.0, 1e4), "final_div_factor": st.floats(1.0, 1e5),
         "anneal": st.sampled_from(["cos", "linear"]), "three_phase": st.booleans()}),
    "cyclic": cyclic,
    "sgdr": lambda children: st.fixed_dictionaries(
        {"base_lr": RATES, "period": POSITIVE_STEPS, "period_mult": st.just(1.0) | st.floats(1.0, 8.0),
         "final_lr": RATES, "decay": FACTORS}),
    "inverse_sqrt": lambda children: st.fixed_dictionaries(
        {"base_lr": RATES, "warmup_steps": STEPS, "timescale": st.none() | st.floats(1e-3, 1e5),
         "warmup_begin_lr": RATES}),
    "wsd": wsd,
    "sgld": lambda children: st.fixed_dictionaries(
        {"a": RATES, "b": st.floats(1e-3, 1e6), "gamma": st.floats(0.5, 1.0, exclude_min=True)}),
    "stretch": lambda children: st.fixed_dictionaries(
        {"schedule": children, "by": st.integers(1, 1000), "mode": st.sampled_from(["hold", "continuous"])}),
}

COMBINATORS = {"join", "warmup", "scale", "stretch"}


def arguments(name, children):
    """A strategy of ``(name, kwargs)`` for one registered schedule."""
    return ARGUMENTS[name](children).map(lambda kwargs: (name, kwargs))


def build(name_and_kwargs):
    name, kwargs = name_and_kwargs
    return REGISTRY[name](**kwargs)


def schedules_of(names, children):
    return st.one_of([arguments(name, children) for name in names]).map(build)


LEAVES = schedules_of(sorted(set(ARGUMENTS) - COMBINATORS), st.nothing())
SCHEDULES = st.recursive(LEAVES, lambda children: schedules_of(sorted(COMBINATORS), children), max_leaves=4)
ANY_ARGUMENTS = st.sampled_from(sorted(ARGUMENTS)).flatmap(lambda name: arguments(name, LEAVES))
STEPS_TO_TRY = st.lists(st.integers(0, 10**6), min_size=1, max_size=20)


def test_every_schedule_has_a_strategy():
    missing = set(REGISTRY) - set(ARGUMENTS)
    assert not missing, f"add a strategy of valid arguments to ARGUMENTS for {sorted(missing)}"


@given(st.sampled_from(sorted(ARGUMENTS)).flatmap(lambda name: arguments(name, LEAVES).map(build)))
def test_every_schedule_builds(s):
    assert isinstance(s, REGISTRY[s.name])


@given(SCHEDULES)
def test_spec_round_trip(s):
    again = parse(repr(s))
    assert again == s and repr(again) == repr(s) and hash(again) == hash(s)


@given(SCHEDULES)
def test_dict_round_trip_through_json(s):
    data = s.to_dict()
    assert from_dict(data) == s
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text) == data
    assert from_dict(json.loads(text)) == s


@given(SCHEDULES)
def test_pickle_round_trip(s):
    again = pickle.loads(pickle.dumps(s))
    assert again == s and hash(again) == hash(s) and repr(again) == repr(s)


@given(SCHEDULES, STEPS_TO_TRY)
def test_values_finite_and_non_negative(s, steps):
    values = [s(t) for t in steps]
    assert all(math.isfinite(v) and v >= 0 for v in values)
    # Underflow to 0 is fine; overflow, 0/0 or x/0 in any branch (xp.where evaluates both) is not.
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        vector = np.broadcast_to(s.value(np.array(steps, dtype=np.float64), np), (len(steps),))
    assert np.allclose(vector, values, rtol=1e-9, atol=0)


@given(SCHEDULES, STEPS_TO_TRY)
def test_calling_never_mutates(s, steps):
    before = dataclasses.asdict(s)
    first = [s(t) for t in steps]
    assert [s(t) for t in steps] == first
    assert dataclasses.asdict(s) == before


# Each of these is invalid for every kind of argument: rates, factors, step counts, choices,
# flags, lists and schedules (None is not: optional arguments take it).
BAD = [float("nan"), float("inf"), -float("inf"), -1, -0.5, "bogus", [], {}, object()]


@given(ANY_ARGUMENTS, st.data())
def test_bad_argument_names_schedule_and_argument(name_and_kwargs, data):
    name, kwargs = name_and_kwargs
    argument = data.draw(st.sampled_from(sorted(kwargs)))
    bad = data.draw(st.sampled_from(BAD))
    kwargs = {**kwargs, argument: bad}
    for make in (lambda: REGISTRY[name](**kwargs), lambda: from_dict({"name": name, **kwargs})):
        with pytest.raises(ScheduleError) as error:
            make()
        assert f"{name}: {argument}=" in str(error.value)


@given(st.sampled_from(sorted(REGISTRY)), st.data())
def test_unknown_names_suggest_close_ones(name, data):
    i = data.draw(st.integers(0, len(name) - 1))
    typo = name[:i] + name[i + 1:]
    if typo in REGISTRY or not typo:
        return
    with pytest.raises(ScheduleError, match="unknown schedule") as error:
        parse(f"{typo}(1.0)")
    assert "did you mean" in str(error.value) and name in str(error.value).split("(known")[0]
    with pytest.raises(ScheduleError, match="unknown schedule"):
        from_dict({"name": typo})


@given(ANY_ARGUMENTS, st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12))
def test_unknown_arguments_name_schedule_and_argument(name_and_kwargs, extra):
    name, kwargs = name_and_kwargs
    if extra in kwargs or extra == "name":
        return
    with pytest.raises(ScheduleError) as error:
        from_dict({"name": name, **kwargs, extra: 1})
    assert str(error.value).startswith(f"{name}: unknown argument {extra!r}")


INVALID = [
    # negative rates
    ("constant(-0.1)", "constant", "base_lr"),
    ("cosine(20, -0.3)", "cosine", "base_lr"),
    ("cyclic(min_lr=-0.1, max_lr=0.5, step_size_up=10)", "cyclic", "min_lr"),
    ("piecewise([1.0, -0.5], [10])", "piecewise", "values"),
    ("warmup(constant(0.3), steps=5, start=-1.0)", "warmup", "start"),
    ("inverse_sqrt(0.5, warmup_begin_lr=-0.1)", "inverse_sqrt", "warmup_begin_lr"),
    # NaN and infinities
    ({"name": "exponential", "base_lr": float("nan"), "factor": 0.5}, "exponential", "base_lr"),
    ({"name": "sgdr", "base_lr": 0.1, "period": 10, "final_lr": float("inf")}, "sgdr", "final_lr"),
    ({"name": "onecycle", "max_update": 100, "base_lr": 1.0, "div_factor": float("inf")}, "onecycle", "div_factor"),
    ({"name": "inverse_sqrt", "base_lr": 1.0, "timescale": float("nan")}, "inverse_sqrt", "timescale"),
    # factors outside (0, 1]
    ("factor(1.0, 1.5)", "factor", "factor"),
    ("exponential(1.0, 0.0)", "exponential", "factor"),
    ("step(1.0, 10, -0.5)", "step", "factor"),
    ("multifactor(0.5, [15, 30], 2.0)", "multifactor", "factor"),
    ("sgdr(0.1, 10, decay=1.5)", "sgdr", "decay"),
    ("cyclic(0.1, 1.0, 10, mode='exp_range', gamma=0.0)", "cyclic", "gamma"),
    # warmups longer than the horizon
    ("cosine(20, 0.3, warmup_steps=20)", "cosine", "warmup_steps"),
    ("poly(20, 0.3, warmup_steps=25)", "poly", "warmup_steps"),
    ("wsd(100, 0.5, decay_steps=20, warmup_steps=81)", "wsd", "warmup_steps"),
    ("wsd(100, 0.5, decay_steps=101)", "wsd", "decay_steps"),
    # empty or unsorted steps and boundaries
    ("multifactor(0.5, [], 0.5)", "multifactor", "steps"),
    ("multifactor(0.5, [30, 15], 0.5)", "multifactor", "steps"),
    ("multifactor(0.5, [15, 15], 0.5)", "multifactor", "steps"),
    ("multifactor(0.5, [0, 15], 0.5)", "multifactor", "steps"),
    ("piecewise([1.0], [])", "piecewise", "boundaries"),
    ("piecewise([1.0, 0.5, 0.1], [20, 10])", "piecewise", "boundaries"),
    ("join([constant(1.0), constant(0.5)], [])", "join", "boundaries"),
    ("join([constant(1.0), constant(0.5), constant(0.1)], [10, 5])", "join", "boundaries"),
    ("join([constant(1.0)], [])", "join", "schedules"),
    # arguments that disagree
    ("piecewise([1.0, 0.5], [10, 20])", "piecewise", "values"),
    ("join([constant(1.0), constant(0.5)], [10, 20])", "join", "boundaries"),
    ("cyclic(0.5, 0.1, 10)", "cyclic", "max_lr"),
    # wrong types and values
    ("cosine('20', 0.3)", "cosine", "max_update"),
    ("cosine(20.5, 0.3)", "cosine", "max_update"),
    ("cosine(0, 0.3)", "cosine", "max_update"),
    ("constant('0.3')", "constant", "base_lr"),
    ("constant(True)", "constant", "base_lr"),
    ("constant([0.3])", "constant", "base_lr"),
    ("exponential(1.0, 0.5, staircase=1)", "exponential", "staircase"),
    ("exponential(1.0, 0.5, step_size=0)", "exponential", "step_size"),
    ("inverse_time(1.0, -0.5)", "inverse_time", "rate"),
    ("inverse_time(1.0, 0.5, staircase='no')", "inverse_time", "staircase"),
    ("onecycle(100, 1.0, three_phase='yes')", "onecycle", "three_phase"),
    ("onecycle(100, 1.0, anneal='cosine')", "onecycle", "anneal"),
    ("onecycle(100, 1.0, pct_start=1.0)", "onecycle", "pct_start"),
    ("onecycle(100, 1.0, div_factor=0.5)", "onecycle", "div_factor"),
    ("step(1.0, 10, 0.5, boundary='before')", "step", "boundary"),
    ("wsd(100, 0.5, 20, decay='exp')", "wsd", "decay"),
    ("cyclic(0.1, 1.0, 10, mode='sawtooth')", "cyclic", "mode"),
    ("cyclic(0.1, 1.0, 10, step_size_down=0)", "cyclic", "step_size_down"),
    ("sgdr(0.1, 10, period_mult=0.5)", "sgdr", "period_mult"),
    ("sgdr(0.1, 0)", "sgdr", "period"),
    ("sgld(1.0, 1.0, gamma=0.5)", "sgld", "gamma"),
    ("sgld(1.0, 1.0, gamma=1.01)", "sgld", "gamma"),
    ("sgld(1.0, 0.0)", "sgld", "b"),
    ("sgld(1.0, 1e-310, gamma=1.0)", "sgld", "b"),
    ("inverse_sqrt(0.5, timescale=0)", "inverse_sqrt", "timescale"),
    ("inverse_sqrt(0.5, warmup_steps=-1)", "inverse_sqrt", "warmup_steps"),
    ("stretch(0.3, by=2)", "stretch", "schedule"),
    ("stretch(constant(0.3), by=0)", "stretch", "by"),
    ("stretch(constant(0.3), by=2, mode='linear')", "stretch", "mode"),
    ("warmup(constant(0.3), steps=0)", "warmup", "steps"),
    ("scale(constant(0.3), -2.0)", "scale", "factor"),
    ("-2.0 * constant(0.3)", "scale", "factor"),
    ("join(constant(1.0), [5])", "join", "schedules"),
    # a bad schedule inside a dict names both schedules and both arguments
    ({"name": "warmup", "schedule": {"name": "cosine", "max_update": 0, "base_lr": 0.3}, "steps": 5},
     "warmup", "schedule"),
    ({"name": "stretch", "schedule": {"base_lr": 0.3}, "by": 5}, "stretch", "schedule"),
]


@pytest.mark.parametrize("spec, name, argument", INVALID)
def test_invalid_arguments(spec, name, argument):
    with pytest.raises(ScheduleError) as error:
        from_dict(spec) if isinstance(spec, dict) else parse(spec)
    message = str(error.value)
    assert message.startswith(f"{name}: {argument}=") and "is invalid" in message


@pytest.mark.parametrize("data", [{"name": 1}, {"name": ["cosine"]}, {"name": None}, {"base_lr": 0.3}, [], "cosine"])
def test_malformed_dicts(data):
    with pytest.raises(ScheduleError):
        from_dict(data)


def test_nested_error_names_the_inner_schedule_too():
    with pytest.raises(ScheduleError, match=r"^warmup: schedule=.* is invalid: cosine: max_update=0 is invalid"):
        from_dict({"name": "warmup", "schedule": {"name": "cosine", "max_update": 0, "base_lr": 0.3}, "steps": 5})


@pytest.mark.parametrize("spec, suggestion", [
    ("cosin(20, 0.3)", "cosine"), ("expnential(0.1, 0.5)", "exponential"), ("onecylce(100, 1.0)", "onecycle"),
    ("sgd(0.1, 10)", "sgld or sgdr"), ("inverse_sqrtt(0.5)", "inverse_sqrt"), ("strech(constant(0.1), 2)", "stretch"),
])
def test_unknown_name_suggestions(spec, suggestion):
    with pytest.raises(ScheduleError, match=f"did you mean {suggestion}"):
        parse(spec)


@pytest.mark.parametrize("spec, argument, suggestion", [
    ("cosine(20, 0.3, warmup_step=5)", "warmup_step", "warmup_steps"),
    ("onecycle(100, 1.0, max_lr=1.0)", "max_lr", "base_lr"),
    ("cyclic(0.1, 1.0, step_size=10)", "step_size", "step_size_up"),
    ("stretch(constant(0.1), per=2)", "per", None),
])
def test_unknown_argument_suggestions(spec, argument, suggestion):
    with pytest.raises(ScheduleError) as error:
        parse(spec)
    message = str(error.value)
    assert message.startswith(f"{spec.split('(')[0]}: unknown argument {argument!r}")
    assert suggestion is None or f"did you mean {suggestion!r}" in message
