"""Fuzzing the three parsers of user text (hypothesis): whatever they are given, only their documented
error comes out, never another exception.

- the schedule spec parser :func:`lrlab.schedules.parse`: :class:`ScheduleError`;
- the experiment file loader :func:`lrlab.experiments.load_experiment`, with ``[[runs]]`` and
  ``[[sweeps]]`` tables (a sweep's mistakes are :class:`SweepProblem` inside, reported as the
  file's error): :class:`ExperimentError`.

Deterministic (``derandomize=True``, no example database), so they cannot flake; a few seconds each.
"""

from __future__ import annotations

import string
import tempfile
from pathlib import Path

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrlab.experiments import load_experiment
from lrlab.experiments.config import ExperimentError
from lrlab.schedules import ScheduleError, parse
from lrlab.schedules.base import REGISTRY

FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])

NAMES = sorted(REGISTRY)
ARGUMENTS = ["base_lr", "final_lr", "max_update", "warmup_steps", "warmup_begin_lr", "factor", "step_size",
             "milestones", "boundaries", "schedules", "schedule", "gamma", "power", "beta", "period", "min_lr",
             "max_lr", "cycle_length", "decay", "bogus"]
numbers = st.one_of(st.integers(0, 40), st.floats(0, 1), st.integers(-5, 10**6),
                    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(["1e400", "-0.0", "1_0", "0x10", "1j"]))


def number_text(value) -> str:
    return value if isinstance(value, str) else repr(value)


def calls(depth: int = 2):
    """Spec-like text: a known or unknown name, numbers, keywords, lists and nested calls."""
    leaf = st.one_of(numbers.map(number_text), st.sampled_from(["True", "None", "'x'", "[]", "x", "1 + 2"]))
    value = leaf if depth == 0 else st.one_of(leaf, calls(depth - 1), st.lists(leaf | calls(depth - 1), max_size=3)
                                                 .map(lambda items: "[" + ", ".join(items) + "]"))
    name = st.one_of(st.sampled_from(NAMES), st.text(string.ascii_letters + "_", min_size=1, max_size=8))
    positional = st.lists(value, max_size=3)
    keywords = st.lists(st.tuples(st.sampled_from(ARGUMENTS), value), max_size=4)
    return st.builds(lambda n, p, k, scale: (f"{scale} * " if scale else "") + f"{n}(" +
                     ", ".join(p + [f"{key}={v}" for key, v in k]) + ")",
                     name, positional, keywords, st.one_of(st.none(), numbers.map(number_text)))


@FUZZ
@given(st.one_of(st.text(max_size=60), calls()))
def test_the_spec_parser_raises_only_schedule_errors(text):
    try:
        schedule = parse(text)
    except ScheduleError:
        return
    assert parse(repr(schedule)) == schedule  # what parses, prints as a spec that parses back to it
    schedule(0)


FOLDER = Path(tempfile.mkdtemp(prefix="lrlab-fuzz-"))

settings_values = st.one_of(numbers.filter(lambda v: not isinstance(v, str)), st.booleans(), st.text(max_size=8),
                            st.lists(st.integers(-2, 5), max_size=3), st.sampled_from(["torch", "sgd", "epoch", "step"]))
SETTINGS = ["epochs", "batch_size", "momentum", "seeds", "unit", "backend", "optimizer", "train_subset", "threads",
            "precision", "label", "book", "bogus", "weight_decay", "nesterov", "model"]
GOOD_SCHEDULES = ["constant(0.3)", "cosine(max_update=20, base_lr=0.3)",
                  "join([linear(0.0, 0.3, 5), constant(0.3)], boundaries=[5])", "0.5 * warmup(constant(0.3), 5)"]
schedules = st.one_of(st.sampled_from(GOOD_SCHEDULES), calls(1), settings_values)
names = st.one_of(st.sampled_from(["a", "b-1", "c.d", "a"]), st.text("ab-./ ", max_size=4))
defaults = st.dictionaries(st.sampled_from(SETTINGS), settings_values, max_size=4)
run_tables = st.builds(lambda base, extra: extra | base, st.fixed_dictionaries({"name": names, "schedule": schedules}),
                       st.dictionaries(st.sampled_from(SETTINGS), settings_values, max_size=2))
sweep_values = st.one_of(
    st.lists(settings_values, max_size=4),
    st.fixed_dictionaries({}, optional={"log": st.lists(numbers.filter(lambda v: not isinstance(v, str)), max_size=3),
                                        "range": st.lists(numbers.filter(lambda v: not isinstance(v, str)), max_size=3),
                                        "n": st.integers(-2, 50), "step": numbers.filter(lambda v: not isinstance(v, str))}),
    settings_values,
)
PARAMS = ["schedule.base_lr", "schedule.max_update", "momentum", "batch_size", "schedule.schedules[1].base_lr",
          "schedule.boundaries[0]", "schedule.nope", "epochs", "seeds", "schedule"]
sweep_tables = st.fixed_dictionaries(
    {"name": names, "schedule": schedules},
    optional={"search": st.sampled_from(["grid", "random", "other"]), "samples": st.integers(-1, 20),
              "search_seed": st.integers(-1, 3),
              "params": st.dictionaries(st.sampled_from(PARAMS), sweep_values, max_size=3)})
experiments = st.fixed_dictionaries({}, optional={
    "title": st.text(max_size=5), "defaults": defaults,
    "runs": st.lists(run_tables, max_size=3), "sweeps": st.lists(sweep_tables, max_size=2)})


def toml_or_garbage(data: dict) -> str:
    try:
        return tomli_w.dumps(data)
    except (TypeError, ValueError):  # a value TOML cannot hold (nan is fine; a nested None is not)
        return str(data)


@FUZZ
@given(st.one_of(experiments.map(toml_or_garbage), st.text(max_size=80)))
def test_the_experiment_loader_raises_only_experiment_errors(text):
    path = FOLDER / "fuzz.toml"
    path.write_bytes(text.encode("utf-8", errors="replace"))  # lone surrogates: not UTF-8, replaced
    try:
        load_experiment(path)
    except ExperimentError as error:
        assert str(error).startswith(f"{path}: ")
