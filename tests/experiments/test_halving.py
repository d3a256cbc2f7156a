"""Early stopping across a sweep (successive halving): the rule in the experiment file, the rungs'
decisions through the runner's loop on the fake executor (who is promoted, ties, diverged seeds,
a rerun after a kill, the same decisions whatever the timing), and one tiny sweep end to end
through ``lrlab run``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from lrlab.experiments import ExperimentError, experiment_from_dict, runner
from lrlab.experiments.halving import EarlyStopping, halve
from lrlab.runfolder import MetricsRow, RunDir, Status, Summary
from test_runner import COMPLETED, FakeExecutor, index_statuses

DIVERGED = 3

ACCURACY = {  # run -> test accuracy after each epoch: the fast starter (0.4) is not the best at the end
    "s.base_lr-0.1": [0.60, 0.70, 0.80, 0.85] + [0.85] * 6,
    "s.base_lr-0.2": [0.65, 0.72, 0.83, 0.90] + [0.90] * 6,
    "s.base_lr-0.3": [0.70, 0.71, 0.82, 0.84] + [0.84] * 6,
    "s.base_lr-0.4": [0.75, 0.69, 0.70, 0.71] + [0.71] * 6,
}


def halved(rates=(0.1, 0.2, 0.3, 0.4), seeds=(0,), grace=1, reduction=2, epochs=4, **defaults) -> object:
    return experiment_from_dict({
        "defaults": {"epochs": epochs, "train_subset": 1000, "seeds": list(seeds)} | defaults,
        "sweeps": [{"name": "s", "schedule": "constant(0.1)", "params": {"schedule.base_lr": list(rates)},
                    "early_stopping": {"grace": grace, "reduction": reduction}}],
    }, "exp.toml")


def from_table(task, epoch: int) -> float:
    return ACCURACY[task.run.name][epoch]


def rungs_of(out: Path) -> list[tuple[int, list[str], list[str]]]:
    record = json.loads((out / "s.rungs.json").read_text())
    return [(d["epoch"], [r["run"] for r in d["ranked"]], d["promoted"]) for d in record["decisions"]]


def epochs_trained(out: Path) -> dict[str, int]:
    return {folder: RunDir(out / folder).read_summary().epochs_completed for folder in index_statuses(out)}


# -- the rule ----------------------------------------------------------------------------------


def test_the_rungs_promote_the_best_half_and_stop_the_others_for_good(tmp_path, capsys):
    executor = FakeExecutor(accuracy=from_table)
    statuses = runner.run_experiment(halved(), tmp_path, executor=executor)
    printed = capsys.readouterr().out
    assert "s: rung 1 (epoch 1 of 4): 2 of 4 go on: s.base_lr-0.4, s.base_lr-0.3\n" in printed
    assert printed.count("s: rung 2 (epoch 2 of 4): 1 of 2 go on: s.base_lr-0.3\n") == 1
    # rung 1 after epoch 1: 0.4 (0.75) and 0.3 (0.70) go on; rung 2 after epoch 2: 0.3 (0.71) beats 0.4 (0.69)
    assert rungs_of(tmp_path) == [
        (1, ["s.base_lr-0.4", "s.base_lr-0.3", "s.base_lr-0.2", "s.base_lr-0.1"], ["s.base_lr-0.4", "s.base_lr-0.3"]),
        (2, ["s.base_lr-0.3", "s.base_lr-0.4"], ["s.base_lr-0.3"])]
    assert executor.targets == [("s.base_lr-0.1/seed-0", 1), ("s.base_lr-0.2/seed-0", 1), ("s.base_lr-0.3/seed-0", 1),
                                ("s.base_lr-0.4/seed-0", 1), ("s.base_lr-0.3/seed-0", 2), ("s.base_lr-0.4/seed-0", 2),
                                ("s.base_lr-0.3/seed-0", None)]
    assert statuses == {"s.base_lr-0.1/seed-0": "stopped", "s.base_lr-0.2/seed-0": "stopped",
                        "s.base_lr-0.3/seed-0": "completed", "s.base_lr-0.4/seed-0": "stopped"}
    assert epochs_trained(tmp_path) == {"s.base_lr-0.1/seed-0": 1, "s.base_lr-0.2/seed-0": 1,
                                        "s.base_lr-0.3/seed-0": 4, "s.base_lr-0.4/seed-0": 2}
    assert RunDir(tmp_path / "s.base_lr-0.4" / "seed-0").read_summary().message == (
        "stopped early by successive halving at epoch 2 of 4: rung 2 ranked it 2nd of 2 by mean test acc "
        "(0.6900; the best 1 went on)")
    index = {run["name"]: run["early_stopping"] for run in json.loads((tmp_path / "index.json").read_text())["runs"]}
    assert index["s.base_lr-0.4"] == {"grace": 1, "reduction": 2, "metric": "test_acc", "judged_at": [1, 2],
                                      "stopped_at": 2, "judged": "judged at epochs 1, 2 of 4; stopped at epoch 2"}
    assert index["s.base_lr-0.1"]["judged"] == "judged at epoch 1 of 4; stopped at epoch 1"
    assert index["s.base_lr-0.3"]["judged"] == "judged at epochs 1, 2 of 4; went on"
    again = FakeExecutor(accuracy=from_table)
    assert runner.run_experiment(halved(), tmp_path, executor=again) == statuses and again.submitted == []


def test_a_rung_decides_only_once_every_run_has_reached_it(tmp_path):
    """One run is slow (it ends 6 polls after it starts, the others after 1): nothing trains past
    rung 1 before it has got there."""
    executor, real_submit, seen = FakeExecutor(accuracy=from_table), None, []
    real_submit = executor.submit

    def submit(task, threads, until=None):
        if until != 1:
            seen.append(RunDir(tmp_path / "s.base_lr-0.1" / "seed-0").read_summary().epochs_completed)
        real_submit(task, threads, until)
        if task.name == "s.base_lr-0.1/seed-0":
            executor.running[task][1] = 6

    executor.submit = submit
    runner.run_experiment(halved(), tmp_path, jobs=4, executor=executor)
    assert seen and set(seen) == {1}
    assert rungs_of(tmp_path)[0][2] == ["s.base_lr-0.4", "s.base_lr-0.3"]


def test_the_last_run_left_trains_to_the_end_past_the_rungs_still_ahead(tmp_path):
    """Rungs after epochs 1, 3 and 9 of 10; the first leaves one run (3 // 3), which trains straight on."""
    executor = FakeExecutor(accuracy=from_table)
    runner.run_experiment(halved(rates=(0.1, 0.2, 0.3), reduction=3, epochs=10), tmp_path, executor=executor)
    assert executor.targets[3:] == [("s.base_lr-0.3/seed-0", None)] and len(rungs_of(tmp_path)) == 1
    index = {run["name"]: run["early_stopping"] for run in json.loads((tmp_path / "index.json").read_text())["runs"]}
    assert index["s.base_lr-0.3"]["judged"] == "judged at epoch 1 of 10; went on"


def test_ties_go_to_the_run_listed_first(tmp_path):
    executor = FakeExecutor(accuracy=lambda task, epoch: 0.8)
    runner.run_experiment(halved(), tmp_path, executor=executor)
    assert rungs_of(tmp_path) == [
        (1, ["s.base_lr-0.1", "s.base_lr-0.2", "s.base_lr-0.3", "s.base_lr-0.4"], ["s.base_lr-0.1", "s.base_lr-0.2"]),
        (2, ["s.base_lr-0.1", "s.base_lr-0.2"], ["s.base_lr-0.1"])]


def diverge_at(epoch: int):
    """An outcome: the seed's loss is not finite in ``epoch`` (its test accuracy there is the best)."""
    def write(task) -> int:
        run = RunDir(task.folder)
        rows = run.read_metrics()
        for e in range(len(rows), epoch + 1):
            rows.append(MetricsRow(e, 0.4, 0.4, train_loss=None if e == epoch else 1.0, train_acc=0.9, test_acc=0.99))
            run.append_metrics(rows[-1])
        run.write_summary(Summary.of_rows(Status.DIVERGED, rows, task.config.epochs, "diverged", 1.0))
        return DIVERGED
    return write


def test_a_seed_that_diverged_gives_its_run_the_worst_score(tmp_path):
    """0.4 is the best at rung 1 on seed 0, but its seed 1 diverged in epoch 0: it ranks last (its score
    is null in the record); 0.3's seed 1, which diverges after rung 2, never reaches it and is last there."""
    def outcome(task):
        if task.name == "s.base_lr-0.4/seed-1":
            return diverge_at(0)(task)
        if task.name == "s.base_lr-0.3/seed-1" and executor.until[task] == 2:
            return diverge_at(1)(task)
        return COMPLETED

    executor = FakeExecutor(accuracy=from_table, outcome=outcome)
    statuses = runner.run_experiment(halved(seeds=(0, 1)), tmp_path, executor=executor)
    assert rungs_of(tmp_path) == [
        (1, ["s.base_lr-0.3", "s.base_lr-0.2", "s.base_lr-0.1", "s.base_lr-0.4"], ["s.base_lr-0.3", "s.base_lr-0.2"]),
        (2, ["s.base_lr-0.2", "s.base_lr-0.3"], ["s.base_lr-0.2"])]
    record = json.loads((tmp_path / "s.rungs.json").read_text())
    assert record["decisions"][0]["ranked"][-1] == {"run": "s.base_lr-0.4", "score": None}
    assert statuses["s.base_lr-0.4/seed-1"] == "diverged" and statuses["s.base_lr-0.4/seed-0"] == "stopped"
    assert statuses["s.base_lr-0.3/seed-1"] == "diverged" and statuses["s.base_lr-0.2/seed-1"] == "completed"
    assert ("s.base_lr-0.4/seed-1", 2) not in executor.targets  # a diverged seed is never trained again


@pytest.mark.parametrize("jobs, polls", [(1, 1), (3, 2), (8, 3)])
def test_the_same_sweep_promotes_the_same_runs_whatever_the_timing(tmp_path, jobs, polls):
    executor = FakeExecutor(cores=4, accuracy=from_table, polls=polls)
    runner.run_experiment(halved(seeds=(0, 1)), tmp_path, jobs=jobs, executor=executor)
    assert rungs_of(tmp_path) == [
        (1, ["s.base_lr-0.4", "s.base_lr-0.3", "s.base_lr-0.2", "s.base_lr-0.1"], ["s.base_lr-0.4", "s.base_lr-0.3"]),
        (2, ["s.base_lr-0.3", "s.base_lr-0.4"], ["s.base_lr-0.3"])]
    assert sum(epochs_trained(tmp_path).values()) == 2 * (1 + 1 + 2 + 4)


@pytest.mark.parametrize("kill_at_poll", [2, 5, 7])
def test_a_rerun_after_a_kill_makes_the_same_decisions(tmp_path, kill_at_poll):
    """The runner dies (an error; SIGTERM and Ctrl-C stop the trainings the same way) at some poll;
    the rerun resumes the half-done sweep and ends as an uninterrupted one."""
    executor = FakeExecutor(accuracy=from_table, polls=2,
                            on_poll=lambda ex, count: _raise(RuntimeError("killed")) if count == kill_at_poll else None)
    with pytest.raises(RuntimeError, match="killed"):
        runner.run_experiment(halved(seeds=(0, 1)), tmp_path / "killed", jobs=3, executor=executor)
    assert "completed" not in index_statuses(tmp_path / "killed").values()
    runner.run_experiment(halved(seeds=(0, 1)), tmp_path / "killed", jobs=3, executor=FakeExecutor(accuracy=from_table))
    runner.run_experiment(halved(seeds=(0, 1)), tmp_path / "straight", executor=FakeExecutor(accuracy=from_table))
    assert rungs_of(tmp_path / "killed") == rungs_of(tmp_path / "straight")
    assert epochs_trained(tmp_path / "killed") == epochs_trained(tmp_path / "straight")
    assert index_statuses(tmp_path / "killed") == index_statuses(tmp_path / "straight")


def _raise(error):
    raise error


def test_a_training_that_fails_holds_its_rung_until_the_next_run(tmp_path):
    """A seed that fails before rung 1 is not started again in the same lrlab run: the rung waits,
    nothing is promoted, and the next lrlab run trains it and decides."""
    failing = {"s.base_lr-0.2/seed-0"}
    executor = FakeExecutor(accuracy=from_table, outcome=lambda task: 1 if task.name in failing else COMPLETED)
    statuses = runner.run_experiment(halved(), tmp_path, executor=executor)
    assert statuses["s.base_lr-0.2/seed-0"] == "failed" and rungs_of(tmp_path) == []
    assert [until for _, until in executor.targets] == [1, 1, 1, 1]
    failing.clear()
    runner.run_experiment(halved(), tmp_path, executor=FakeExecutor(accuracy=from_table))
    assert rungs_of(tmp_path)[-1] == (2, ["s.base_lr-0.3", "s.base_lr-0.4"], ["s.base_lr-0.3"])


def test_halve_reads_the_state_from_the_folders(tmp_path):
    """Nothing trained: every seed trains to rung 1; the rule's rungs for 30 epochs."""
    folders = [(name, [tmp_path / name / "seed-0"]) for name in "abc"]
    state = halve(EarlyStopping(3, 3), folders, 30)
    assert state.rungs == () and state.train == {tmp_path / n / "seed-0": 3 for n in "abc"} and state.stopped == {}
    assert EarlyStopping(3, 3).rungs(30) == [3, 9, 27] and EarlyStopping(3, 3, "test_loss").worst == float("inf")


# -- the experiment file -----------------------------------------------------------------------


def test_runs_without_a_sweep_with_early_stopping_are_trained_as_before(tmp_path):
    experiment = experiment_from_dict({
        "defaults": {"epochs": 4, "seeds": [0]},
        "runs": [{"name": "plain", "schedule": "constant(0.1)"}],
        "sweeps": [{"name": "s", "schedule": "constant(0.1)", "params": {"schedule.base_lr": [0.1, 0.2]},
                    "early_stopping": {"grace": 2, "reduction": 2}}],
    })
    executor = FakeExecutor()
    statuses = runner.run_experiment(experiment, tmp_path, executor=executor)
    assert executor.targets[0] == ("plain/seed-0", None) and statuses["plain/seed-0"] == "completed"
    assert sorted(statuses.values()) == ["completed", "completed", "stopped"]
    assert json.loads((tmp_path / "index.json").read_text())["runs"][0]["early_stopping"] is None


@pytest.mark.parametrize("change, message", [
    ({"early_stopping": {"grace": 0, "reduction": 3}}, "sweeps[0].early_stopping: grace=0 is invalid: must be an integer >= 1"),
    ({"early_stopping": {"grace": 1}}, "sweeps[0].early_stopping: reduction=None is invalid: must be an integer >= 2 (missing)"),
    ({"early_stopping": {"grace": 1, "reduction": 2, "metric": "acc"}}, "metric='acc' is invalid: must be one of"),
    ({"early_stopping": {"grace": 1, "reduction": 2, "patience": 3}}, "unknown key 'patience'"),
    ({"early_stopping": 3}, "must be a table, e.g. early_stopping = { grace = 3, reduction = 3 }"),
    ({"early_stopping": {"grace": 4, "reduction": 2}}, "grace=4 is invalid: must be < the runs' epochs (4)"),
    ({"params": {"schedule.base_lr": [0.1, 0.2], "epochs": [4, 8]}},
     "sweeps[0].early_stopping: needs the same epochs for every run of sweep 's' (they have 4, 8)"),
    ({"params": {"schedule.base_lr": [0.1]}}, "sweep 's' has one run: successive halving needs two or more"),
])
def test_a_bad_early_stopping_is_one_line_naming_the_key(change, message):
    table = {"name": "s", "schedule": "constant(0.1)", "params": {"schedule.base_lr": [0.1, 0.2]},
             "early_stopping": {"grace": 1, "reduction": 2}} | change
    with pytest.raises(ExperimentError) as caught:
        experiment_from_dict({"defaults": {"epochs": 4}, "sweeps": [table]}, "exp.toml")
    assert message in str(caught.value) and str(caught.value).startswith("exp.toml: ") and "\n" not in str(caught.value)


def test_early_stopping_round_trips_through_the_run_folders_experiment_toml():
    experiment = halved(grace=1, reduction=3)
    again = experiment_from_dict(experiment.to_dict())
    assert again == experiment and again.runs[0].early_stopping == EarlyStopping(1, 3)
    with pytest.raises(ExperimentError, match=r"runs\[0\].early_stopping: needs a sweep"):
        experiment_from_dict({"runs": [{"name": "a", "schedule": "constant(0.1)",
                                        "early_stopping": {"grace": 1, "reduction": 2}}]})


# -- end to end --------------------------------------------------------------------------------


TINY_HALVING = """
[defaults]
epochs = 4
train_subset = 1000
test_subset = 500
batch_size = 100
threads = 1
seeds = [0]

[[sweeps]]
name = "rate"
schedule = "constant(0.1)"
early_stopping = { grace = 1, reduction = 2 }
[sweeps.params]
schedule.base_lr = [0.01, 0.05, 0.2, 0.5]
"""


def test_lrlab_run_halves_a_tiny_sweep_end_to_end(lrlab_run):
    out = lrlab_run("tiny-halving", TINY_HALVING, "--jobs", "2", "--report")
    names = [f"rate.base_lr-{rate}" for rate in ("0.01", "0.05", "0.2", "0.5")]
    first = {name: RunDir(out / name / "seed-0").read_metrics()[0].test_acc for name in names}
    record = json.loads((out / "rate.rungs.json").read_text())
    rung1, rung2 = record["decisions"]
    assert [r["run"] for r in rung1["ranked"]] == sorted(names, key=lambda n: (-first[n], names.index(n)))
    assert [r["score"] for r in rung1["ranked"]] == [first[r["run"]] for r in rung1["ranked"]]
    assert rung1["promoted"] == [r["run"] for r in rung1["ranked"][:2]] and len(rung2["promoted"]) == 1
    winner = rung2["promoted"][0]
    epochs = {name: len(RunDir(out / name / "seed-0").read_metrics()) for name in names}
    assert epochs == {name: 4 if name == winner else 2 if name in rung1["promoted"] else 1 for name in names}
    assert RunDir(out / winner / "seed-0").status() == "completed"
    report = (out / "report" / "report.md").read_text()
    assert "trained 8 of 16 epochs (50%)" in report and "stopped at epoch 1" in report


def test_the_shipped_halved_sweep_is_the_grid_with_early_stopping():
    repo = Path(__file__).resolve().parents[2]
    grid = experiment_from_dict(_toml(repo / "experiments" / "sweep-constant-rate.toml"))
    halved_sweep = experiment_from_dict(_toml(repo / "experiments" / "sweep-constant-rate-asha.toml"))
    assert [run.early_stopping for run in halved_sweep.runs] == [EarlyStopping(3, 3)] * 9
    assert [(run.name, run.config(0), run.seeds) for run in halved_sweep.runs] == \
           [(run.name, run.config(0), run.seeds) for run in grid.runs]
    assert EarlyStopping(3, 3).rungs(30) == [3, 9, 27]  # 9 x 3 + 3 x 6 + 1 x 21 = 66 epochs a seed, of 270


def _toml(path: Path) -> dict:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10: the same parser, as the tomli package
        import tomli as tomllib
    return tomllib.loads(path.read_text(encoding="utf-8"))
