"""Sweeps: ``[[sweeps]]`` expanded into runs (grid, random, ranges, nested arguments, settings), their
names and labels, every mistake named as FILE: KEY: PROBLEM, the round trip, and one tiny sweep run
end to end through ``lrlab run``."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
import tomli_w

from lrlab.experiments import (ExperimentError, experiment_from_dict, load_experiment, quick_version,
                               with_precision)
from lrlab.experiments.sweeps import MAX_RUNS
from lrlab.schedules import parse

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, as the tomli package
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]


def sweep(params: dict, **keys) -> dict:
    return {"name": "s", "schedule": "constant(0.1)", **keys, "params": params}


def runs_of(*sweeps: dict, runs: list | None = None, defaults: dict | None = None):
    data = {"sweeps": list(sweeps)} | ({"runs": runs} if runs else {}) | ({"defaults": defaults} if defaults else {})
    return experiment_from_dict(data, "exp.toml").runs


def error_of(*sweeps: dict, runs: list | None = None) -> str:
    with pytest.raises(ExperimentError) as caught:
        runs_of(*sweeps, runs=runs)
    return str(caught.value)


# -- expansion -----------------------------------------------------------------------------------


def test_a_grid_is_the_product_in_declaration_order_the_first_varying_slowest():
    runs = runs_of(sweep({"schedule.base_lr": [0.1, 0.3], "momentum": [0.0, 0.5, 0.9]}))
    assert [(r.params["schedule.base_lr"], r.params["momentum"]) for r in runs] == [
        (0.1, 0.0), (0.1, 0.5), (0.1, 0.9), (0.3, 0.0), (0.3, 0.5), (0.3, 0.9)]
    assert [r.config(0).schedule for r in runs] == ["constant(base_lr=0.1)"] * 3 + ["constant(base_lr=0.3)"] * 3
    assert [r.config(0).momentum for r in runs] == [0.0, 0.5, 0.9] * 2
    assert all(r.sweep == "s" for r in runs)


def test_a_log_range_is_geometric_with_both_ends_rounded_to_four_digits():
    runs = runs_of(sweep({"schedule.base_lr": {"log": [0.01, 1.0], "n": 9}}))
    assert [r.params["schedule.base_lr"] for r in runs] == [
        0.01, 0.01778, 0.03162, 0.05623, 0.1, 0.1778, 0.3162, 0.5623, 1.0]
    assert runs[2].config(0).schedule == "constant(base_lr=0.03162)"


@pytest.mark.parametrize("spec, values", [
    ({"range": [0, 10], "step": 2}, [0, 2, 4, 6, 8, 10]),
    ({"range": [0, 9], "step": 4}, [0, 4, 8]),
    ({"range": [0.1, 0.5], "step": 0.1}, [0.1, 0.2, 0.3, 0.4, 0.5]),
    ({"range": [0.1, 0.5], "n": 3}, [0.1, 0.3, 0.5]),
    ({"range": [0, 1], "n": 4}, [0.0, 0.3333, 0.6667, 1.0]),
])
def test_ranges(spec, values):
    assert [r.params["weight_decay"] for r in runs_of(sweep({"weight_decay": spec}))] == values


def test_a_range_of_integers_gives_integers_for_integer_settings():
    runs = runs_of(sweep({"epochs": {"range": [10, 30], "n": 3}, "batch_size": {"range": [64, 128], "step": 64}}))
    assert [(r.config(0).epochs, r.config(0).batch_size) for r in runs] == [
        (10, 64), (10, 128), (20, 64), (20, 128), (30, 64), (30, 128)]


def test_random_search_is_reproducible_and_seeded():
    table = sweep({"schedule.base_lr": {"log": [0.001, 1.0]}, "batch_size": {"range": [64, 256]},
                   "momentum": [0.0, 0.9]}, search="random", samples=12, search_seed=7)
    first, again = runs_of(table), runs_of(dict(table))
    assert first == again and len(first) == 12
    assert [r.params for r in runs_of(table | {"search_seed": 8})] != [r.params for r in first]
    rates = [r.params["schedule.base_lr"] for r in first]
    assert all(0.001 <= rate <= 1.0 and float(f"{rate:.4g}") == rate for rate in rates)
    assert sum(rate < 0.0316 for rate in rates) >= 3  # log-uniform: about half below the geometric middle
    assert all(isinstance(r.config(0).batch_size, int) and 64 <= r.config(0).batch_size <= 256 for r in first)
    assert {r.params["momentum"] for r in first} == {0.0, 0.9}
    assert len({tuple(r.params.values()) for r in first}) == 12


def test_random_search_over_lists_draws_distinct_combinations():
    runs = runs_of(sweep({"schedule.base_lr": [0.1, 0.2, 0.3], "momentum": [0.0, 0.9]}, search="random", samples=6))
    assert sorted(tuple(r.params.values()) for r in runs) == [
        (0.1, 0.0), (0.1, 0.9), (0.2, 0.0), (0.2, 0.9), (0.3, 0.0), (0.3, 0.9)]


def test_a_nested_argument_the_base_rate_of_a_joins_second_phase():
    table = sweep({"schedule.schedules[1].base_lr": [0.1, 0.2], "schedule.boundaries[0]": [3]},
                  schedule="join([linear(0.0, 0.3, 5), cosine(15, 0.3, 0.01)], boundaries=[5])")
    runs = runs_of(table)
    assert [parse(r.schedule) for r in runs] == [
        parse(f"join([linear(0.0, 0.3, 5), cosine(15, {rate}, 0.01)], boundaries=[3])") for rate in (0.1, 0.2)]


def test_nested_tables_are_dotted_paths_through_warmup_and_scale():
    table = sweep({"schedule": {"schedule": {"schedule": {"base_lr": [0.2]}, "factor": [0.5]}, "steps": [2]}},
                  schedule="warmup(0.9 * cosine(20, 0.3), 5)")
    (run,) = runs_of(table)
    assert parse(run.schedule) == parse("warmup(0.5 * cosine(20, 0.2), 2)")
    assert run.params == {"schedule.schedule.schedule.base_lr": 0.2, "schedule.schedule.factor": 0.5, "schedule.steps": 2}


def test_a_schedules_arguments_change_together_so_its_checks_see_the_whole_combination():
    (run,) = runs_of(sweep({"schedule.max_update": [30], "schedule.warmup_steps": [25]}, schedule="cosine(20, 0.3)"))
    assert parse(run.schedule) == parse("cosine(30, 0.3, warmup_steps=25)")


def test_training_settings_and_a_list_argument():
    runs = runs_of(sweep({"schedule.boundaries": [[5], [10]], "optimizer": ["sgd"], "nesterov": [False, True],
                          "weight_decay": [0.0001]},
                         schedule="piecewise([0.3, 0.1], [5])", momentum=0.9))
    assert [parse(r.schedule).boundaries for r in runs] == [(5,), (5,), (10,), (10,)]
    assert [(r.config(0).nesterov, r.config(0).momentum, r.config(0).weight_decay) for r in runs[:2]] == [
        (False, 0.9, 0.0001), (True, 0.9, 0.0001)]


def test_the_sweeps_own_settings_and_defaults_apply_to_every_run():
    runs = runs_of(sweep({"schedule.base_lr": [0.1, 0.2]}, epochs=3, seeds=[4, 5]), defaults={"batch_size": 64})
    assert all((r.seeds, r.config(4).epochs, r.config(4).batch_size) == ((4, 5), 3, 64) for r in runs)


def test_runs_and_sweeps_together_runs_first():
    runs = runs_of(sweep({"schedule.base_lr": [0.1]}), runs=[{"name": "a", "schedule": "constant(0.3)"}])
    assert [(r.name, r.sweep, r.params) for r in runs] == [("a", "", {}), ("s.base_lr-0.1", "s", {"schedule.base_lr": 0.1})]


# -- names and labels ----------------------------------------------------------------------------


def test_names_and_labels_say_the_values():
    runs = runs_of(sweep({"schedule.base_lr": [0.03162, 1e-05], "optimizer": ["sgd"], "nesterov": [False]},
                         name="rate", label="constant"))
    assert [r.name for r in runs] == ["rate.base_lr-0.03162.optimizer-sgd.nesterov-false",
                                      "rate.base_lr-1e-05.optimizer-sgd.nesterov-false"]
    assert runs[0].label == "constant: base_lr 0.03162, optimizer sgd, nesterov false"
    assert runs_of(sweep({"schedule.base_lr": [0.1]}))[0].label == "base_lr 0.1"


def test_two_arguments_of_the_same_name_are_told_apart_by_their_paths():
    runs = runs_of(sweep({"schedule.schedules[0].base_lr": [0.1], "schedule.schedules[1].base_lr": [0.2]},
                         schedule="join([constant(0.3), constant(0.1)], boundaries=[5])"))
    assert runs[0].name == "s.schedules0.base_lr-0.1.schedules1.base_lr-0.2"
    assert runs[0].label == "schedules[0].base_lr 0.1, schedules[1].base_lr 0.2"


def test_names_too_long_or_alike_are_numbered():
    long = runs_of(sweep({"schedule.base_lr": [0.1, 0.2]}, name="a-rather-long-sweep-name-that-leaves-little-room-x"))
    assert [r.name for r in long] == ["a-rather-long-sweep-name-that-leaves-little-room-x.base_lr-0.1",
                                      "a-rather-long-sweep-name-that-leaves-little-room-x.base_lr-0.2"]
    longer = runs_of(sweep({"schedule.base_lr": {"log": [0.001, 0.1], "n": 12}}, name="a" * 55))
    assert [r.name for r in longer] == [f"{'a' * 55}.{i:02d}" for i in range(12)]
    assert longer[3].label == "base_lr 0.003511" and longer[3].params == {"schedule.base_lr": 0.003511}
    alike = runs_of(sweep({"data_dir": ["a b", "a_b"]}))
    assert [(r.name, r.label) for r in alike] == [("s.0", "data_dir a b"), ("s.1", "data_dir a_b")]


def test_every_generated_name_is_a_valid_folder_name():
    from lrlab.experiments.config import NAME

    runs = runs_of(sweep({"schedule.boundaries": [[5, 10]], "schedule.values": [[0.3, 0.1, 0.01]]},
                         schedule="piecewise([0.3, 0.1], [5])"))
    assert [r.name for r in runs] == ["s.boundaries-5_10.values-0.3_0.1_0.01"]
    assert all(NAME.fullmatch(r.name) for r in runs)


# -- every mistake: FILE: KEY: PROBLEM -----------------------------------------------------------


@pytest.mark.parametrize("table, message", [
    (sweep({"schedule.base_lrr": [0.1]}),
     "exp.toml: sweeps[0].params.schedule.base_lrr: constant has no argument 'base_lrr'; did you mean 'base_lr'? "
     "(arguments: base_lr)"),
    (sweep({"base_lr": [0.1]}),
     "exp.toml: sweeps[0].params.base_lr: unknown parameter; did you mean 'schedule.base_lr'?"),
    (sweep({"momentun": [0.1]}), "exp.toml: sweeps[0].params.momentun: unknown parameter; did you mean 'momentum'?"),
    (sweep({"seeds": [0, 1]}), "sweeps[0].params.seeds: seeds are not a parameter"),
    (sweep({"schedule": [0.1]}), "sweeps[0].params.schedule: sweep the schedule's arguments (schedule.base_lr)"),
    (sweep({"schedule.schedule": [0.1]}, schedule="warmup(constant(0.3), 5)"),
     "sweeps[0].params.schedule.schedule: is a schedule (constant(base_lr=0.3)): sweep one of its arguments, "
     "e.g. schedule.schedule.base_lr"),
    (sweep({"schedule.base_lr.x": [0.1]}), "sweeps[0].params.schedule.base_lr.x: 0.1 is not a schedule"),
    (sweep({"schedule.schedules[2].base_lr": [0.1]}, schedule="join([constant(0.3), constant(0.1)], [5])"),
     "sweeps[0].params.schedule.schedules[2].base_lr: join's schedules has 2 items: [2] is not one (0 to 1)"),
    (sweep({"schedule.base_lr[0]": [0.1]}), "constant's base_lr is 0.1, not a list: it has no item [0]"),
    (sweep({"schedule.base-lr": [0.1]}), "'base-lr' is not an argument name"),
    (sweep({"momentum": []}), "exp.toml: sweeps[0].params.momentum: is empty: give at least one value"),
    (sweep({"momentum": [0.1, 0.1]}), "sweeps[0].params.momentum: 0.1 is listed twice"),
    (sweep({"momentum": 0.1}), "sweeps[0].params.momentum: 0.1 is invalid: must be a list of values, a range or a log range"),
    (sweep({"momentum": [-1.0]}), "sweeps[0].params.momentum: momentum=-1.0 is invalid: must be a finite number >= 0"),
    (sweep({"optimizer": ["adam"]}), "sweeps[0].params.optimizer: optimizer='adam' is invalid: must be one of schedule-free-sgd, sgd, sgld"),
    (sweep({"schedule.base_lr": {"log": [0.0, 1.0], "n": 3}}),
     "sweeps[0].params.schedule.base_lr.log: [0.0, 1.0] is invalid: a log range needs ends > 0"),
    (sweep({"schedule.base_lr": {"log": [-1, 1.0], "n": 3}}), "a log range needs ends > 0"),
    (sweep({"schedule.base_lr": {"log": [0.1, 1.0], "n": 1}}),
     "sweeps[0].params.schedule.base_lr.n: 1 is invalid: must be an integer >= 2"),
    (sweep({"schedule.base_lr": {"log": [0.1, 1.0]}}),
     "sweeps[0].params.schedule.base_lr.n: missing: a grid needs the number of values"),
    (sweep({"schedule.base_lr": {"log": [1.0, 0.1], "n": 3}}), "the first end must be below the second"),
    (sweep({"schedule.base_lr": {"log": [0.1], "n": 3}}), "must be two numbers [low, high]"),
    (sweep({"schedule.base_lr": {"log": [1.0, 1.001], "n": 9}}), "its 9 values are not distinct at 4 significant digits"),
    (sweep({"schedule.base_lr": {"log": [0.1, 1.0], "step": 2}}), "a log range takes n (its number of values), not step"),
    (sweep({"schedule.base_lr": {"lgo": [0.1, 1.0], "n": 3}}),
     "sweeps[0].params.schedule.base_lr.lgo: unknown key; did you mean 'log'?"),
    (sweep({"schedule.base_lr": {"log": [0.1, 1.0], "range": [0, 1]}}), "must have one of log or range"),
    (sweep({"schedule.base_lr": {"range": [0, 1]}}), "sweeps[0].params.schedule.base_lr: a grid needs step or n"),
    (sweep({"schedule.base_lr": {"range": [0, 1], "step": 0}}), "step: 0 is invalid: must be a number > 0"),
    (sweep({"schedule.base_lr": {"range": [0, 1], "step": 0.5, "n": 3}}), "give step or n, not both"),
    (sweep({"schedule.base_lr": [0.1]}, search="random"),
     "exp.toml: sweeps[0].samples: missing: random search needs the number of runs to draw, e.g. samples = 20"),
    (sweep({"schedule.base_lr": [0.1]}, search="random", samples=0), "sweeps[0].samples: 0 is invalid: must be an integer >= 1"),
    (sweep({"schedule.base_lr": [0.1, 0.2]}, search="random", samples=3),
     "sweeps[0].samples: 3 is more than the 2 combinations there are"),
    (sweep({"schedule.base_lr": [0.1]}, samples=3), 'sweeps[0].samples: is for search = "random"'),
    (sweep({"schedule.base_lr": [0.1]}, search_seed=3), 'sweeps[0].search_seed: is for search = "random"'),
    (sweep({"schedule.base_lr": [0.1]}, search="bayes"), "sweeps[0].search: 'bayes' is invalid: must be one of 'grid', 'random'"),
    (sweep({"schedule.base_lr": [0.1]}, seed=1), "sweeps[0].seed: unknown key: seeds = [...] for the trainings' seeds"),
    (sweep({"schedule.base_lr": [0.1]}, sedes=[0]), "sweeps[0].sedes: unknown key; did you mean 'seeds'?"),
    (sweep({"schedule.base_lr": [0.1]}, book={"torch": {"test_acc": 0.9}}), "sweeps[0].book: unknown key"),
    (sweep({"momentum": [0.1]}, momentum=0.9), "sweeps[0].momentum: is set here and swept in sweeps[0].params: keep one"),
    (sweep({}), "exp.toml: sweeps[0].params: missing or empty"),
    ({"name": "s", "schedule": "constant(0.1)"}, "sweeps[0].params: missing or empty"),
    ({"name": "s", "params": {"momentum": [0.1]}}, "sweeps[0].schedule: missing"),
    (sweep({"momentum": [0.1]}, name="a/b"), "sweeps[0].name: 'a/b' is invalid"),
    (sweep({"momentum": [0.1]}, name="a" * 63), "sweeps[0].name: 'aaaa"),
    (sweep({"schedule.base_lr": {"log": [0.001, 1.0], "n": 101}, "momentum": {"range": [0, 1], "n": 100}}),
     f"exp.toml: sweeps[0].params: a grid of 10,100 runs is too many (at most {MAX_RUNS:,})"),
    (sweep({"momentum": {"range": [0.0, 0.9]}}, search="random", samples=MAX_RUNS + 1), "sweeps[0].samples: 10,001 runs is too many"),
    (sweep({"schedule.warmup_steps": [0, 30]}, schedule="cosine(20, 0.3)"),
     'exp.toml: sweeps[0].params: "s" at schedule.warmup_steps=30: cosine: warmup_steps=30 is invalid: '
     "must be < max_update (20)"),
    (sweep({"schedule.base_lr": [0.1, -0.5], "momentum": [0.9]}),
     'exp.toml: sweeps[0].params: "s" at schedule.base_lr=-0.5, momentum=0.9: constant: base_lr=-0.5 is invalid: must be >= 0'),
    (sweep({"nesterov": [True]}), 'exp.toml: sweeps[0].params: "s" at nesterov=true: nesterov=True needs momentum > 0'),
])
def test_every_mistake_names_file_key_and_problem(table, message):
    assert message in error_of(table)


def test_names_are_unique_across_runs_and_sweeps():
    clash = error_of(sweep({"schedule.base_lr": [0.1]}), runs=[{"name": "s.base_lr-0.1", "schedule": "constant(0.3)"}])
    assert clash == ("exp.toml: sweeps[0].name: the generated run name 's.base_lr-0.1' is already the name of runs[0]: "
                     "names must be unique")
    twice = error_of(sweep({"schedule.base_lr": [0.1]}), sweep({"schedule.base_lr": [0.1, 0.2]}))
    assert twice.startswith("exp.toml: sweeps[1].name: the generated run name 's.base_lr-0.1' is already the name "
                            "of a run of sweeps[0]")


def test_sweeps_must_be_an_array_of_tables():
    with pytest.raises(ExperimentError, match=r"exp.toml: sweeps: must be an array of tables: write \[\[sweeps\]\]"):
        experiment_from_dict({"sweeps": {"name": "s"}}, "exp.toml")
    with pytest.raises(ExperimentError, match="no runs: add at least one .* or a \\[\\[sweeps\\]\\] table"):
        experiment_from_dict({"sweeps": []}, "exp.toml")


# -- the file, the round trip, quick mode --------------------------------------------------------


SWEEP_FILE = """
[defaults]
epochs = 3
seeds = [0, 1]

[[runs]]
name = "plain"
schedule = "constant(0.3)"

[[sweeps]]
name = "phase"
schedule = "join([linear(0.0, 0.3, 5), cosine(15, 0.3, 0.01)], boundaries=[5])"
search = "random"
samples = 3
search_seed = 1

[sweeps.params]
"schedule.schedules[1].base_lr" = { log = [0.01, 1.0] }
schedule.boundaries = [[3], [5]]
momentum = [0.0, 0.9]
epochs = [2, 4]
"""


def test_a_toml_file_with_dotted_and_quoted_paths_round_trips(tmp_path):
    path = tmp_path / "sweep.toml"
    path.write_text(SWEEP_FILE)
    experiment = load_experiment(path)
    assert [r.name for r in experiment.runs][0] == "plain" and len(experiment.runs) == 4
    assert list(experiment.runs[1].params) == ["schedule.schedules[1].base_lr", "schedule.boundaries", "momentum", "epochs"]
    again = experiment_from_dict(tomllib.loads(tomli_w.dumps(experiment.to_dict())))
    assert again == experiment and experiment_from_dict(experiment.to_dict()) == experiment
    quick = quick_version(experiment)
    assert experiment_from_dict(tomllib.loads(tomli_w.dumps(quick.to_dict()))) == quick
    assert with_precision(experiment, "bf16") == experiment_from_dict(with_precision(experiment, "bf16").to_dict())


def test_quick_mode_keeps_a_swept_settings_value_true_to_the_run():
    runs = quick_version(experiment_from_dict({"sweeps": [sweep({"epochs": [10, 50]})]})).runs
    assert [(r.config(0).epochs, r.params["epochs"]) for r in runs] == [(10, 10), (30, 30)]


def test_the_shipped_sweeps():
    constant = load_experiment(REPO / "experiments" / "sweep-constant-rate.toml").runs
    assert [r.params["schedule.base_lr"] for r in constant] == [
        0.01, 0.01778, 0.03162, 0.05623, 0.1, 0.1778, 0.3162, 0.5623, 1.0]
    assert all(r.seeds == (0, 1, 2) and r.config(0).epochs == 30 and r.config(0).batch_size == 256 and
               r.config(0).model == "lenet" and r.config(0).momentum == 0.0 for r in constant)
    power = load_experiment(REPO / "experiments" / "sweep-power-beta.toml").runs
    assert {parse(r.schedule).beta for r in power} == {0.125, 0.25, 0.5, 0.75, 1.0}
    assert "power-beta.base_lr-0.1.beta-0.5" in [r.name for r in power]
    warmup = load_experiment(REPO / "experiments" / "sweep-warmup.toml").runs
    assert [(parse(r.schedule).base_lr, parse(r.schedule).warmup_steps) for r in warmup] == [
        (rate, steps) for rate in (0.3, 0.5) for steps in (0, 2, 5, 10)]
    assert {(parse(r.schedule).max_update, parse(r.schedule).final_lr) for r in warmup} == {(20, 0.01)}
    cosine = load_experiment(REPO / "experiments" / "sweep-cosine.toml").runs
    assert [(r.params["schedule.base_lr"], r.params["schedule.final_lr"]) for r in cosine] == [
        (rate, final) for rate in (0.1, 0.2, 0.4) for final in (0.0, 0.01, 0.03)]
    assert {parse(r.schedule).max_update for r in cosine} == {20}
    for run in constant + power + warmup + cosine:  # the chapter's settings, 3 seeds
        config = run.config(0)
        assert run.seeds == (0, 1, 2) and (config.epochs, config.batch_size, config.unit) == (30, 256, "epoch")


def test_the_readme_sweep_example_is_valid():
    text = next(block for block in re.findall(r"```toml\n(.*?)```", (REPO / "README.md").read_text(), flags=re.S)
                if "[[sweeps]]" in block)
    runs = experiment_from_dict(tomllib.loads(text), "README.md").runs
    assert len(runs) == 18 and runs[1].name == "constant-rate.base_lr-0.01.momentum-0.9"
    assert runs[1].label == "constant: base_lr 0.01, momentum 0.9"


# -- end to end ----------------------------------------------------------------------------------


TINY_SWEEP = """
[defaults]
epochs = 1
train_subset = 500
test_subset = 200
batch_size = 100
threads = 1
seeds = [0]

[[sweeps]]
name = "rate"
schedule = "constant(0.1)"
[sweeps.params]
schedule.base_lr = [0.05, 0.2]
"""


def test_lrlab_run_trains_a_sweeps_runs_with_their_values(lrlab_run):
    out = lrlab_run("tiny-sweep", TINY_SWEEP, "--jobs", "1", "--report", timeout=300)
    for name, rate in (("rate.base_lr-0.05", 0.05), ("rate.base_lr-0.2", 0.2)):
        config = json.loads((out / name / "seed-0" / "config.json").read_text())
        assert config["schedule"] == {"name": "constant", "base_lr": rate}
        assert config["config"]["schedule"] == f"constant(base_lr={rate})"
        assert json.loads((out / name / "seed-0" / "summary.json").read_text())["status"] == "completed"
    index = json.loads((out / "index.json").read_text())
    assert [(r["name"], r["label"], r["sweep"], r["params"]) for r in index["runs"]] == [
        ("rate.base_lr-0.05", "base_lr 0.05", "rate", {"schedule.base_lr": 0.05}),
        ("rate.base_lr-0.2", "base_lr 0.2", "rate", {"schedule.base_lr": 0.2})]
    assert load_experiment(out / "experiment.toml") == load_experiment(out.parents[1] / "tiny-sweep.toml")
    report = (out / "report" / "report.md").read_text()
    assert "| base_lr 0.05 |" in report and "### Sweep `rate`" in report  # the sweep section, its table as CSV
    assert (out / "report" / "sweep-rate.csv").is_file() and (out / "report" / "sweep-base_lr.png").is_file()
