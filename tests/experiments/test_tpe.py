"""TPE as a sweep's search (``search = "tpe"``, needs ``lrlab[optuna]``): the table and its refusals,
the study in the run folder on the fake executor (the same sweep asks the same values; a rerun after
a kill continues the same study, never asking or training a trial twice; told in trial order), and
through ``lrlab run``: a runner killed by its pid, then resumed, and a tiny sweep with its report."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import tomli_w

from lrlab.experiments import ExperimentError, experiment_from_dict, quick_version, runner
from lrlab.runfolder import RunDir
from test_runner import COMPLETED, FakeExecutor
from test_run_command import kill_after_first_epoch

optuna = pytest.importorskip("optuna")

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, as the tomli package
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]
RATES = {"schedule": {"base_lr": {"log": [0.01, 1.0]}}}


def tpe(params=None, trials=6, seeds=(0,), **keys) -> dict:
    return {"defaults": {"epochs": 2, "train_subset": 1000, "seeds": list(seeds)},
            "sweeps": [{"name": "t", "schedule": "constant(0.1)", "search": "tpe", "trials": trials, **keys,
                        "params": RATES if params is None else params}]}


def peak_at_0_2(task, epoch: int) -> float:
    """A test accuracy that is best at the rate 0.2 (and a little better with momentum 0.9)."""
    params = task.run.params
    rate = params.get("schedule.base_lr", 0.2)
    return 0.9 - 0.1 * abs(math.log10(rate / 0.2)) + 0.01 * (params.get("momentum") == 0.9)


def trials_of(out: Path) -> list[dict]:
    return json.loads((out / "t.trials.json").read_text())["trials"]


def journal(out: Path) -> list:
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(out / "t.optuna.journal")))
    return optuna.load_study(study_name="t", storage=storage).get_trials()


# -- the table ---------------------------------------------------------------------------------


def test_a_tpe_sweep_has_no_runs_until_it_runs_and_round_trips():
    experiment = experiment_from_dict(tpe({**RATES, "momentum": [0.0, 0.9],
                                           "batch_size": {"range": [64, 256], "step": 64}}, search_seed=3))
    assert experiment.runs == ()
    sweep = experiment.tpe_sweeps[0]
    assert (sweep.trials, sweep.seed, sweep.metric) == (6, 3, "test_acc")
    momentum, rate, batch = sweep.params  # lists first, as experiment.toml gives them back
    assert (rate.low, rate.high, rate.log, rate.values) == (0.01, 1.0, True, ())
    assert momentum.values == (0.0, 0.9) and (batch.low, batch.high, batch.step) == (64, 256, 64)
    written = tomllib.loads(tomli_w.dumps(experiment.to_dict()))  # the run folder's experiment.toml
    assert experiment_from_dict(written) == experiment
    assert quick_version(experiment).tpe_sweeps[0].settings["train_subset"] == 1000


def test_a_grids_log_range_with_n_is_an_interval_for_tpe():
    sweep = experiment_from_dict(tpe({"schedule.base_lr": {"log": [0.01, 1.0], "n": 9}})).tpe_sweeps[0]
    assert (sweep.params[0].low, sweep.params[0].high, sweep.params[0].values) == (0.01, 1.0, ())


@pytest.mark.parametrize("change, message", [
    ({"trials": None}, "sweeps[0].trials: missing: TPE needs the number of trials to train, e.g. trials = 20"),
    ({"trials": 0}, "sweeps[0].trials: 0 is invalid: must be an integer >= 1"),
    ({"trials": 2.5}, "sweeps[0].trials: 2.5 is invalid: must be an integer >= 1"),
    ({"samples": 3}, "sweeps[0].samples: is for search = \"random\", not 'tpe'"),
    ({"metric": "accuracy"}, "sweeps[0].metric: 'accuracy' is invalid: must be one of"),
    ({"early_stopping": {"grace": 1, "reduction": 2}},
     'sweeps[0].early_stopping: is for search = "grid" or "random": TPE trains each trial to its end (no pruning)'),
    ({"search": "grid", "trials": 3}, "sweeps[0].trials: is for search = \"tpe\", not 'grid'"),
    ({"search": "random", "samples": 1, "trials": None, "metric": "test_loss"}, "sweeps[0].metric: is for search = \"tpe\", not 'random'"),
])
def test_a_bad_tpe_sweep_is_one_line_naming_the_key(change, message):
    data = tpe()
    data["sweeps"][0].update(change)
    data["sweeps"][0] = {key: value for key, value in data["sweeps"][0].items() if value is not None}
    with pytest.raises(ExperimentError) as error:
        experiment_from_dict(data, "exp.toml")
    assert str(error.value).startswith(f"exp.toml: {message}") and "\n" not in str(error.value)


def test_a_run_named_like_the_tpe_sweeps_runs_is_refused():
    data = tpe()
    data["runs"] = [{"name": "t.base_lr-0.1", "schedule": "constant(0.1)"}]
    with pytest.raises(ExperimentError, match=r"sweeps\[0\].name: 't' names the runs of this TPE sweep"):
        experiment_from_dict(data)


def test_without_optuna_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)  # import optuna raises ImportError
    with pytest.raises(ExperimentError) as error:
        experiment_from_dict(tpe(), "exp.toml")
    assert str(error.value) == "exp.toml: sweeps[0].search: \"tpe\" needs Optuna: pip install 'lrlab[optuna]'"


# -- the study, on the fake executor ---------------------------------------------------------------


def test_the_trials_train_as_runs_named_by_their_values_and_are_told_in_order(tmp_path):
    executor = FakeExecutor(accuracy=peak_at_0_2)
    statuses = runner.run_experiment(experiment_from_dict(tpe(seeds=(0, 1))), tmp_path, jobs=4, executor=executor)
    trials = trials_of(tmp_path)
    assert [t["trial"] for t in trials] == list(range(6)) and {t["state"] for t in trials} == {"told"}
    for t in trials:
        rate = t["params"]["schedule.base_lr"]
        assert 0.01 <= rate <= 1.0 and rate == float(f"{rate:.4g}")  # drawn, rounded to 4 digits
        assert t["run"] == f"t.base_lr-{rate!r}"
        assert t["score"] == pytest.approx(0.9 - 0.1 * abs(math.log10(rate / 0.2)))
    best = [max(t["score"] for t in trials[:k + 1]) for k in range(6)]
    assert [t["best_so_far"] for t in trials] == best
    assert [(t.number, t.value) for t in journal(tmp_path)] == [(t["trial"], t["score"]) for t in trials]
    assert set(statuses) == {f"{t['run']}/seed-{k}" for t in trials for k in (0, 1)}
    assert set(statuses.values()) == {"completed"}
    index = json.loads((tmp_path / "index.json").read_text())
    assert [(run["name"], run["sweep"], run["params"]) for run in index["runs"]] == \
           [(t["run"], "t", t["params"]) for t in trials]
    # 4 jobs, 2 seeds: 2 trials at a time; trial 2 is asked only once trials 0 and 1 are told
    assert [name for name, _ in executor.submitted][:4] == [f"{trials[i]['run']}/seed-{k}" for i in (0, 1) for k in (0, 1)]


def test_the_same_sweep_asks_the_same_values_whatever_the_timing(tmp_path):
    experiment = experiment_from_dict(tpe(trials=8))
    runner.run_experiment(experiment, tmp_path / "a", jobs=2, executor=FakeExecutor(accuracy=peak_at_0_2))
    runner.run_experiment(experiment, tmp_path / "b", jobs=2, executor=FakeExecutor(accuracy=peak_at_0_2, polls=3))
    assert trials_of(tmp_path / "a") == trials_of(tmp_path / "b")
    other = experiment_from_dict(tpe(trials=8, search_seed=1))
    runner.run_experiment(other, tmp_path / "c", jobs=2, executor=FakeExecutor(accuracy=peak_at_0_2))
    assert [t["params"] for t in trials_of(tmp_path / "c")] != [t["params"] for t in trials_of(tmp_path / "a")]


@pytest.mark.parametrize("kill_at_poll", [2, 3, 6])
def test_a_rerun_after_a_kill_continues_the_same_study(tmp_path, kill_at_poll):
    """The runner dies at some poll, mid-batch; the rerun trains the asked trials again (asking none
    anew in their place), never retrains a told one, and ends as an uninterrupted sweep."""
    experiment = experiment_from_dict(tpe(trials=6))
    killer = FakeExecutor(accuracy=peak_at_0_2, polls=2,
                          on_poll=lambda ex, count: _raise(RuntimeError("killed")) if count == kill_at_poll else None)
    with pytest.raises(RuntimeError, match="killed"):
        runner.run_experiment(experiment, tmp_path / "killed", jobs=2, executor=killer)
    told_before = [t["run"] for t in trials_of(tmp_path / "killed") if t["state"] == "told"]
    asked_before = [t for t in trials_of(tmp_path / "killed") if t["state"] == "asked"]
    assert asked_before, "the kill should leave a batch asked"
    again = FakeExecutor(accuracy=peak_at_0_2)
    runner.run_experiment(experiment, tmp_path / "killed", jobs=2, executor=again)
    runner.run_experiment(experiment, tmp_path / "straight", jobs=2, executor=FakeExecutor(accuracy=peak_at_0_2))
    assert trials_of(tmp_path / "killed") == trials_of(tmp_path / "straight")
    assert [(t.number, t.state.name) for t in journal(tmp_path / "killed")] == [(n, "COMPLETE") for n in range(6)]
    retrained = {name.split("/")[0] for name, _ in again.submitted}
    assert not retrained & set(told_before)
    assert {t["run"] for t in asked_before} <= retrained
    nothing = FakeExecutor(accuracy=peak_at_0_2)
    runner.run_experiment(experiment, tmp_path / "killed", jobs=2, executor=nothing)
    assert nothing.submitted == [] and len(journal(tmp_path / "killed")) == 6


def _raise(error):
    raise error


def test_a_list_only_space_trains_each_value_once_however_often_it_is_asked(tmp_path):
    executor = FakeExecutor(accuracy=peak_at_0_2)
    runner.run_experiment(experiment_from_dict(tpe({"momentum": [0.0, 0.9]}, trials=5)), tmp_path, jobs=1,
                          executor=executor)
    trials = trials_of(tmp_path)
    assert len(trials) == 5 and {t["run"] for t in trials} <= {"t.momentum-0.0", "t.momentum-0.9"}
    assert sorted(name for name, _ in executor.submitted) == sorted({f"{t['run']}/seed-0" for t in trials})


def test_values_a_check_refuses_score_the_worst_without_a_run(tmp_path):
    data = tpe({"schedule.warmup_steps": {"range": [0, 30]}}, trials=6)
    data["sweeps"][0]["schedule"] = "cosine(max_update=20, base_lr=0.3)"
    executor = FakeExecutor()
    runner.run_experiment(experiment_from_dict(data), tmp_path, jobs=2, executor=executor)
    trials = trials_of(tmp_path)
    refused = [t for t in trials if t["params"]["schedule.warmup_steps"] >= 20]
    assert refused, "the seed should draw some warmup of 20 or more"
    assert all(t["run"] is None and "must be < max_update (20)" in t["refused"] and t["score"] is None for t in refused)
    assert {v.value for v in journal(tmp_path) if v.params["schedule.warmup_steps"] >= 20} == {-math.inf}
    assert sorted(name for name, _ in executor.submitted) == sorted({f"{t['run']}/seed-0" for t in trials if t["run"]})


def test_a_batch_with_a_failed_training_stays_asked_until_the_next_run(tmp_path):
    failing = True
    executor = FakeExecutor(accuracy=peak_at_0_2, outcome=lambda task: 1 if failing else COMPLETED)
    experiment = experiment_from_dict(tpe(trials=4))
    statuses = runner.run_experiment(experiment, tmp_path, jobs=2, executor=executor)
    assert set(statuses.values()) == {"failed"} and len(executor.submitted) == 2
    assert [t["state"] for t in trials_of(tmp_path)] == ["asked", "asked"]
    failing = False
    runner.run_experiment(experiment, tmp_path, jobs=2, executor=FakeExecutor(accuracy=peak_at_0_2))
    assert [t["state"] for t in trials_of(tmp_path)] == ["told"] * 4


# -- through lrlab run -----------------------------------------------------------------------------


TINY_TPE = """
title = "tiny tpe"
[defaults]
epochs = {epochs}
train_subset = 1000
test_subset = 500
batch_size = 100
threads = 1
[[sweeps]]
name = "t"
schedule = "constant(0.1)"
search = "tpe"
trials = {trials}
[sweeps.params]
schedule.base_lr = {{ log = [0.01, 1.0] }}
"""


@pytest.mark.processes
def test_a_runner_killed_by_its_pid_mid_sweep_is_resumed_without_duplicated_trials(tmp_path, fashion_mnist):
    if not Path("/proc/self/cmdline").is_file():
        pytest.skip("needs /proc (Linux) to find the trainings")
    path = tmp_path / "tiny-tpe.toml"
    path.write_text(TINY_TPE.format(epochs=3, trials=4))
    out = tmp_path / "runs" / "tiny-tpe"
    command = [sys.executable, "-m", "lrlab", "run", str(path), "--jobs", "2", "--out", str(out)]
    kill_after_first_epoch(command[3:], tmp_path, out, timeout=240)
    asked = [t["run"] for t in trials_of(out)]
    assert len(asked) == 2 and {t["state"] for t in trials_of(out)} == {"asked"}

    again = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    trials = trials_of(out)
    assert [t["run"] for t in trials][:2] == asked and [t["state"] for t in trials] == ["told"] * 4
    assert [(t.number, t.state.name) for t in journal(out)] == [(n, "COMPLETE") for n in range(4)]
    for t in trials:
        run = RunDir(out / t["run"] / "seed-0")
        assert [row.epoch for row in run.read_metrics()][-1] == 2 or run.status() != "completed"
        assert t["score"] == (run.read_metrics()[-1].test_acc if run.status() == "completed" else None)  # stuck: worst


def test_lrlab_run_searches_a_tiny_sweep_with_tpe_and_reports_its_trials(lrlab_run):
    out = lrlab_run("tiny-tpe", TINY_TPE.format(epochs=1, trials=3), "--jobs", "2", "--report")
    trials = trials_of(out)
    assert [t["state"] for t in trials] == ["told"] * 3
    report = (out / "report" / "report.md").read_text()
    assert "Trials of `t`, in the order TPE asked for them" in report
    for t in trials:
        assert t["run"] in report
    assert (out / "report" / "sweep-t-trials.png").is_file()


def test_the_shipped_tpe_sweep_searches_the_grids_interval():
    grid = experiment_from_dict(tomllib.loads((REPO / "experiments" / "sweep-constant-rate.toml").read_text()))
    searched = experiment_from_dict(tomllib.loads((REPO / "experiments" / "sweep-constant-rate-tpe.toml").read_text()))
    sweep = searched.tpe_sweeps[0]
    rates = [run.params["schedule.base_lr"] for run in grid.runs]
    assert (sweep.params[0].low, sweep.params[0].high, sweep.params[0].log) == (min(rates), max(rates), True)
    assert sweep.trials == len(rates) and sweep.seeds == grid.runs[0].seeds
    assert {k: v for k, v in sweep.settings.items()} == grid.runs[0].settings
