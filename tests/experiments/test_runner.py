"""The runner's scheduling loop, on a fake executor (no processes, no waiting): order, the jobs limit,
threads, reruns, statuses, Ctrl-C, SIGTERM and errors; then the local executor's own processes."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import signal
import sys
import time

import pytest

from lrlab.experiments import experiment_from_dict, runner
from lrlab.experiments.config import ExperimentError
from lrlab.experiments.executors import Ended, LocalProcessExecutor
from lrlab.experiments.executors import local
from lrlab.experiments.executors.local import interpreter
from lrlab.runfolder import MetricsRow, RunDir, Status, Summary
from lrlab.backends import BackendUnavailable

COMPLETED, INTERRUPTED = 0, 130


class FakeExecutor:
    """Trains nothing. A submitted task runs for ``polls`` polls (``None``: until interrupted), then
    writes its folder as ``lrlab train`` would (up to the ``until`` it was given, at test accuracy
    ``accuracy(task, epoch)``, 0.5 by default) and ends with ``outcome(task)`` (0 by default); the
    loop never waits on the clock. The first ``deaf`` interrupts change nothing (a training slow to
    stop); what :meth:`stop` still finds running it kills. ``on_poll(executor, polls_so_far)`` acts at
    each poll (a signal, an error); everything the loop asked for is recorded."""

    def __init__(self, cores: int = 2, *, polls: int | None = 1, outcome=None, on_poll=None, deaf: int = 0,
                 accuracy=None) -> None:
        self.cores, self.polls, self.outcome, self.on_poll, self.deaf = cores, polls, outcome, on_poll, deaf
        self.accuracy = accuracy
        self.running: dict[runner.Task, list] = {}  # task -> [threads, polls left, return code when it ends]
        self.until: dict[runner.Task, int | None] = {}
        self.submitted: list[tuple[str, int]] = []
        self.targets: list[tuple[str, int | None]] = []  # each submission's task and until
        self.running_at_submit: list[set[str]] = []
        self.peak_jobs = self.peak_threads = self.poll_count = self.interrupts = self.stops = 0

    def check(self, tasks) -> None:
        self.checked = [task.name for task in tasks]

    def submit(self, task, threads: int, until: int | None = None) -> None:
        assert task not in self.running
        self.running_at_submit.append({t.name for t in self.running})
        self.submitted.append((task.name, threads))
        self.targets.append((task.name, until))
        self.until[task] = until
        self.running[task] = [threads, self.polls, None]
        self.peak_jobs = max(self.peak_jobs, len(self.running))
        self.peak_threads = max(self.peak_threads, sum(threads for threads, _, _ in self.running.values()))
        run = RunDir(task.folder)
        if not run.holds_run():
            run.create()
            run.write_config({"config": dataclasses.replace(task.config, threads=threads).to_dict()})
        run.write_summary(Summary(Status.RUNNING, len(run.read_metrics()), task.config.epochs, None, ""))

    def poll(self, timeout: float) -> list[Ended]:
        self.poll_count += 1
        if self.on_poll:
            self.on_poll(self, self.poll_count)
        ended = []
        for task, state in list(self.running.items()):
            threads, left, code = state
            if code is None and left is not None:
                state[1] = left = left - 1
                if left <= 0:
                    code = self._train(task)
            if code is not None:
                del self.running[task]
                ended.append(Ended(task, code))
        return ended

    def progress(self, task) -> int:
        return task.epochs_done()

    def interrupt(self) -> None:
        self.interrupts += 1
        if self.interrupts <= self.deaf:
            return
        for task, state in self.running.items():
            if state[2] is None:
                state[2] = self._interrupted(task)

    def stop(self) -> list[Ended]:
        self.stops += 1
        self.interrupt()
        ended = [Ended(task, -signal.SIGKILL if code is None else code) for task, (_, _, code) in self.running.items()]
        self.running.clear()
        return ended

    def _train(self, task) -> int:
        code = self.outcome(task) if self.outcome else COMPLETED
        if code == COMPLETED:
            acc = (lambda epoch: self.accuracy(task, epoch)) if self.accuracy else 0.5
            write_trained(task, Status.COMPLETED, lr=0.1, loss=1.0, acc=acc, message="trained", until=self.until[task])
        return code

    def _interrupted(self, task) -> int:
        run = RunDir(task.folder)
        run.write_summary(dataclasses.replace(run.read_summary(), status=Status.INTERRUPTED, message="interrupted"))
        return INTERRUPTED


def write_trained(task, status: Status, *, lr: float, loss: float, acc, message: str, until: int | None = None) -> None:
    """``task``'s folder as ``lrlab train`` leaves it after training on from its last epoch to the end (or
    up to ``until``, then "stopped") at these numbers (``acc``: a number, or a function of the epoch),
    ending ``status``."""
    run, epochs = RunDir(task.folder), task.config.epochs
    rows, stop = run.read_metrics(), epochs if until is None else min(until, epochs)
    for e in range(len(rows), stop):
        value = acc(e) if callable(acc) else acc
        rows.append(MetricsRow(e, lr, lr, train_loss=loss, train_acc=value, test_acc=value, test_loss=loss))
        run.append_metrics(rows[-1])
    run.write_summary(Summary.of_rows(status if stop == epochs else Status.STOPPED, rows, epochs, message, 1.0))


def small_runs(*names: str, seeds=(0,), **settings):
    """Runs of one epoch of 1,000 images each, one per name (a, b, c by default)."""
    return experiment_from_dict({
        "defaults": {"epochs": 1, "train_subset": 1000, "test_subset": 500, "seeds": list(seeds)} | settings,
        "runs": [{"name": name, "schedule": "constant(0.1)"} for name in names or ("a", "b", "c")],
    })


def index_statuses(out) -> dict[str, str]:
    index = json.loads((out / "index.json").read_text())
    return {s["folder"]: s["status"] for run in index["runs"] for s in run["seeds"]}


# -- order, jobs and threads ------------------------------------------------------------------


def test_trainings_start_in_order_at_most_jobs_at_once(tmp_path):
    executor = FakeExecutor(cores=2, polls=2)
    statuses = runner.run_experiment(small_runs("a", "b", "c", "d", "e"), tmp_path, executor=executor)
    assert [name for name, _ in executor.submitted] == [f"{n}/seed-0" for n in "abcde"]
    assert executor.peak_jobs == 3  # default_jobs(5, cores=2): 3, then 2, each on one thread
    assert [threads for _, threads in executor.submitted] == [1, 1, 1, 1, 1]
    assert set(statuses.values()) == {Status.COMPLETED} and executor.checked == [n for n, _ in executor.submitted]
    assert set(index_statuses(tmp_path).values()) == {"completed"}
    assert json.loads((tmp_path / "a" / "seed-0" / "config.json").read_text())["config"]["threads"] == 1


def test_the_last_training_gets_the_cores_the_others_have_freed(tmp_path):
    """Three trainings, two at a time on two cores: one thread each for the first two; the third
    (alone at the end) gets both cores, and starts only once both others have ended."""
    executor = FakeExecutor(cores=2, polls=1)
    runner.run_experiment(small_runs(), tmp_path, jobs=2, executor=executor)
    assert executor.submitted == [("a/seed-0", 1), ("b/seed-0", 1), ("c/seed-0", 2)]
    assert executor.running_at_submit == [set(), {"a/seed-0"}, set()]


def test_by_default_three_trainings_share_two_cores_at_once(tmp_path):
    executor = FakeExecutor(cores=2)
    runner.run_experiment(small_runs(), tmp_path, executor=executor)
    assert executor.submitted == [("a/seed-0", 1), ("b/seed-0", 1), ("c/seed-0", 1)]
    assert executor.running_at_submit[-1] == {"a/seed-0", "b/seed-0"}


def test_a_training_waits_until_its_threads_have_cores_of_their_own(tmp_path):
    """Two at a time on two cores: a run that fixes threads = 2 after a one-thread training starts
    only once that one has ended, though the jobs limit would allow it; the next ones wait their
    turn (in order) until it has ended."""
    experiment = experiment_from_dict({
        "defaults": {"epochs": 1, "train_subset": 1000, "seeds": [0]},
        "runs": [{"name": "a", "schedule": "constant(0.1)"}, {"name": "wide", "schedule": "constant(0.1)", "threads": 2},
                 {"name": "c", "schedule": "constant(0.1)"}, {"name": "d", "schedule": "constant(0.1)"}],
    })
    executor = FakeExecutor(cores=2, polls=2)
    runner.run_experiment(experiment, tmp_path, jobs=2, executor=executor)
    assert executor.submitted == [("a/seed-0", 1), ("wide/seed-0", 2), ("c/seed-0", 1), ("d/seed-0", 1)]
    assert executor.running_at_submit == [set(), set(), set(), {"c/seed-0"}]
    assert executor.peak_threads == 2 and executor.peak_jobs == 2


def test_no_training_gets_more_threads_than_its_backend_uses(tmp_path):
    """On 8 cores one at a time, the plan offers each training all 8; a torch training uses two
    (its batches' parts), a keras training all it is given."""
    experiment = experiment_from_dict({
        "defaults": {"epochs": 1, "seeds": [0]},
        "runs": [{"name": "t", "schedule": "constant(0.1)"},
                 {"name": "k", "schedule": "constant(0.1)", "backend": "keras"}],
    })
    executor = FakeExecutor(cores=8)
    runner.run_experiment(experiment, tmp_path, jobs=1, executor=executor)
    assert executor.submitted == [("t/seed-0", 2), ("k/seed-0", 8)]


def test_more_jobs_than_cores_is_the_users_choice(tmp_path):
    executor = FakeExecutor(cores=2, polls=3)
    runner.run_experiment(small_runs("a", "b", "c", "d"), tmp_path, jobs=4, executor=executor)
    assert executor.peak_jobs == 4 and executor.peak_threads == 4


# -- reruns -----------------------------------------------------------------------------------


def test_a_rerun_skips_finished_trainings_and_resumes_the_others_on_their_own_threads(tmp_path):
    executor = FakeExecutor(cores=2, polls=None)  # they run until stopped
    experiment = small_runs()
    with pytest.raises(RuntimeError, match="boom"):
        executor.on_poll = lambda ex, count: _raise(RuntimeError("boom")) if count == 1 else None
        runner.run_experiment(experiment, tmp_path, jobs=3, executor=executor)
    finish = RunDir(tmp_path / "b" / "seed-0")
    finish.write_summary(dataclasses.replace(finish.read_summary(), status=Status.DIVERGED))
    again = FakeExecutor(cores=8)
    statuses = runner.run_experiment(experiment, tmp_path, executor=again)
    # a and c resume with the threads their config.json holds (1), not the new plan's (2 each on 8 cores)
    assert again.submitted == [("a/seed-0", 1), ("c/seed-0", 1)]
    assert statuses == {"a/seed-0": "completed", "b/seed-0": "diverged", "c/seed-0": "completed"}


def test_a_folder_written_before_a_setting_existed_is_no_other_setting(tmp_path):
    """config.json written by hand without precision (added later, with a default): the rerun
    resumes it; a setting that really differs is refused, naming it."""
    experiment = small_runs("a")
    folder = tmp_path / "a" / "seed-0"
    folder.mkdir(parents=True)
    stored = experiment.runs[0].config(0).to_dict()
    del stored["precision"]
    (folder / "config.json").write_text(json.dumps({"config": stored | {"threads": 1}}))
    (folder / "metrics.jsonl").write_text("")
    (folder / "summary.json").write_text(json.dumps(
        {"status": "interrupted", "epochs_completed": 0, "epochs": 1, "final": None, "message": "", "wall_seconds": 0}))
    executor = FakeExecutor()
    assert runner.run_experiment(experiment, tmp_path, executor=executor) == {"a/seed-0": "completed"}
    assert executor.submitted == [("a/seed-0", 1)]
    with pytest.raises(ExperimentError, match=r"holds a run with other settings \(precision 'fp32' -> 'bf16'\)"):
        runner.run_experiment(small_runs("a", precision="bf16"), tmp_path, executor=FakeExecutor())


# -- statuses ---------------------------------------------------------------------------------


def test_a_training_that_fails_before_writing_anything_is_failed_not_pending(tmp_path):
    def crash_at_start(task):
        for name in ("config.json", "summary.json", "metrics.jsonl"):
            (task.folder / name).unlink(missing_ok=True)  # as if it died while loading the data
        return 1

    executor = FakeExecutor(outcome=lambda task: crash_at_start(task) if task.run.name == "b" else COMPLETED)
    statuses = runner.run_experiment(small_runs(), tmp_path, executor=executor)
    assert statuses == {"a/seed-0": "completed", "b/seed-0": "failed", "c/seed-0": "completed"}
    assert index_statuses(tmp_path) == {"a/seed-0": "completed", "b/seed-0": "failed", "c/seed-0": "completed"}
    summary = RunDir(tmp_path / "b" / "seed-0").read_summary()
    assert summary.epochs == 1 and summary.epochs_completed == 0 and "exited with status 1" in summary.message


@pytest.mark.parametrize("code, status", [(-signal.SIGKILL, "failed"), (1, "failed"), (130, "interrupted"),
                                          (-signal.SIGINT, "interrupted")])
def test_a_training_that_dies_while_running_leaves_no_running_summary(tmp_path, code, status):
    executor = FakeExecutor(outcome=lambda task: code)
    assert runner.run_experiment(small_runs("a"), tmp_path, executor=executor) == {"a/seed-0": status}


def test_a_final_summary_is_left_alone(tmp_path):
    executor = FakeExecutor(outcome=lambda task: 3 if _diverge(task) else 0)
    assert runner.run_experiment(small_runs("a"), tmp_path, executor=executor) == {"a/seed-0": "diverged"}
    assert RunDir(tmp_path / "a" / "seed-0").read_summary().message == "diverged"


def _diverge(task) -> bool:
    RunDir(task.folder).write_summary(Summary(Status.DIVERGED, 1, 1, None, "diverged"))
    return True


def _raise(error):
    raise error


# -- Ctrl-C, SIGTERM and errors ---------------------------------------------------------------


@pytest.mark.processes
def test_ctrl_c_is_forwarded_once_per_press_and_every_training_stops_first(tmp_path):
    before = signal.getsignal(signal.SIGINT)
    pressed = []

    def press(executor, count):
        if count in (2, 3):  # twice: the second press is forwarded again
            pressed.append(count)
            signal.raise_signal(signal.SIGINT)

    executor = FakeExecutor(cores=2, polls=None, on_poll=press, deaf=1)  # they stop at the second press
    with pytest.raises(KeyboardInterrupt):
        runner.run_experiment(small_runs("a", "b", "c", "d"), tmp_path, jobs=2, executor=executor)
    assert pressed == [2, 3] and executor.interrupts == 2 and executor.stops == 0
    assert [name for name, _ in executor.submitted] == ["a/seed-0", "b/seed-0"]  # nothing starts after Ctrl-C
    assert not executor.running
    assert index_statuses(tmp_path) == {"a/seed-0": "interrupted", "b/seed-0": "interrupted",
                                        "c/seed-0": "pending", "d/seed-0": "pending"}
    assert signal.getsignal(signal.SIGINT) is before


@pytest.mark.processes
def test_sigterm_stops_every_training_then_exits_143(tmp_path):
    before = signal.getsignal(signal.SIGTERM)
    executor = FakeExecutor(cores=2, polls=None,
                            on_poll=lambda ex, count: signal.raise_signal(signal.SIGTERM) if count == 2 else None)
    with pytest.raises(SystemExit) as stopped:
        runner.run_experiment(small_runs(), tmp_path, jobs=2, executor=executor)
    assert stopped.value.code == 143
    assert executor.stops == 1 and not executor.running
    assert index_statuses(tmp_path) == {"a/seed-0": "interrupted", "b/seed-0": "interrupted", "c/seed-0": "pending"}
    assert signal.getsignal(signal.SIGTERM) is before


@pytest.mark.processes
def test_sigterm_during_ctrl_c_stops_the_rest(tmp_path):
    def signals(executor, count):
        if count == 1:
            signal.raise_signal(signal.SIGINT)
        if count == 3:
            signal.raise_signal(signal.SIGTERM)

    executor = FakeExecutor(cores=2, polls=None, on_poll=signals, deaf=99)  # they ignore Ctrl-C
    with pytest.raises(SystemExit):
        runner.run_experiment(small_runs(), tmp_path, jobs=2, executor=executor)
    assert executor.interrupts == 2 and executor.stops == 1 and not executor.running  # the second by stop()
    assert index_statuses(tmp_path) == {"a/seed-0": "failed", "b/seed-0": "failed", "c/seed-0": "pending"}  # killed


def test_an_error_in_the_loop_stops_every_training_and_is_raised(tmp_path, monkeypatch):
    executor = FakeExecutor(cores=2, polls=None)
    calls = []

    def failing_threads(task):
        calls.append(task.name)
        if len(calls) == 3:
            raise OSError("disk gone")
        return 1

    monkeypatch.setattr(runner, "_threads", failing_threads)
    with pytest.raises(OSError, match="disk gone"):
        runner.run_experiment(small_runs("a", "b", "c", "d"), tmp_path, jobs=3, executor=executor)
    assert executor.stops == 1 and not executor.running
    assert index_statuses(tmp_path)["a/seed-0"] == "interrupted"


# -- the local executor -----------------------------------------------------------------------


def test_torch_and_keras_run_in_this_python():
    assert interpreter("torch") == interpreter("keras") == sys.executable


@pytest.fixture
def no_mxnet_here():
    if importlib.util.find_spec("mxnet") is not None:
        pytest.skip("MXNet imports here: its runs need no other interpreter")


def test_mxnet_runs_in_its_own_environment(monkeypatch, tmp_path, no_mxnet_here):
    python = tmp_path / "mxnet-venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.touch()
    monkeypatch.setenv("LRLAB_MXNET_PYTHON", str(python))
    assert interpreter("mxnet") == str(python)


def test_an_experiment_with_mxnet_but_no_environment_fails_before_training(monkeypatch, tmp_path, no_mxnet_here):
    monkeypatch.setenv("LRLAB_MXNET_PYTHON", str(tmp_path / "missing" / "python"))
    experiment = experiment_from_dict({"runs": [{"name": "a", "schedule": "constant(0.3)", "backend": "mxnet"}]})
    with pytest.raises(BackendUnavailable, match="make mxnet-env"):
        runner.run_experiment(experiment, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def wait_for_end(executor: LocalProcessExecutor, timeout: float = 240) -> list[Ended]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ended = executor.poll(1.0)
        if ended:
            return ended
    raise AssertionError("the training did not end in time")


@pytest.mark.processes
def test_the_local_executor_trains_a_task_in_a_process_of_its_own(tmp_path, fashion_mnist):
    task = runner.Task(small_runs("a", epochs=2).runs[0], 0, tmp_path / "a" / "seed-0")
    with LocalProcessExecutor(cores=2) as executor:
        executor.submit(task, threads=1)
        [end] = wait_for_end(executor)
        assert end.task is task and end.returncode == 0, (task.folder / "train.log").read_text()
        assert task.status() == "completed" and executor.progress(task) == task.epochs_done() == 2
        assert executor.poll(10) == []  # nothing running: no wait
    assert json.loads((task.folder / "config.json").read_text())["config"]["threads"] == 1
    assert "epoch 1: lr 0.1" in (task.folder / "train.log").read_text()


@pytest.mark.processes
def test_the_local_executor_kills_what_ignores_the_interrupt(tmp_path, monkeypatch):
    """stop() sends SIGINT to each session, waits its grace, then kills it: nothing outlives it."""
    import subprocess

    deaf = "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); print('ready', flush=True); time.sleep(120)"

    def launch(task, threads, until=None, gpu=None, forkserver=None):
        task.folder.mkdir(parents=True, exist_ok=True)
        return subprocess.Popen([sys.executable, "-c", deaf], stdout=subprocess.PIPE, start_new_session=True)

    monkeypatch.setattr(local, "_launch", launch)
    task = runner.Task(small_runs("a").runs[0], 0, tmp_path / "a" / "seed-0")
    executor = LocalProcessExecutor(cores=2, grace_seconds=0.5, fork=False)
    executor.submit(task, threads=1)
    process = executor._processes[task]
    assert process.stdout.readline() == b"ready\n"  # its SIGINT handler is in place
    [end] = executor.stop()
    assert end.task is task and end.returncode == -signal.SIGKILL and not end.interrupted
    assert process.poll() is not None and executor.poll(0) == []


def test_a_stuck_training_is_finished_its_line_says_so_and_a_rerun_skips_it(tmp_path, capsys):
    def stuck(task) -> int:
        write_trained(task, Status.STUCK, lr=0.5, loss=2.303, acc=0.1, message="stuck: ...")
        return 4  # lrlab train's exit status for stuck

    executor = FakeExecutor(outcome=lambda task: stuck(task) if task.run.name == "b" else COMPLETED)
    statuses = runner.run_experiment(small_runs(), tmp_path, executor=executor)
    assert statuses == {"a/seed-0": "completed", "b/seed-0": "stuck", "c/seed-0": "completed"}
    assert index_statuses(tmp_path)["b/seed-0"] == "stuck"
    out = capsys.readouterr().out
    assert "b/seed-0: stuck after 1 epochs, test acc 0.100 (1 s)\n" in out and "see" not in out.split("b/seed-0")[1].split("\n")[0]
    again = FakeExecutor()
    assert runner.run_experiment(small_runs(), tmp_path, executor=again) == statuses
    assert again.submitted == []


def test_the_local_executor_reports_an_end_at_once_without_polling_a_clock(tmp_path, monkeypatch):
    """poll() waits on the processes themselves: it never sleeps, and returns with the first end
    long before its timeout (the next training starts then, not at the next tick)."""
    import subprocess

    def launch(task, threads, until=None, gpu=None, forkserver=None):
        task.folder.mkdir(parents=True, exist_ok=True)
        return subprocess.Popen([sys.executable, "-c", "import sys; sys.exit(3)"], start_new_session=True)

    def no_sleeping(seconds):
        raise AssertionError(f"poll slept {seconds} s")

    monkeypatch.setattr(local, "_launch", launch)
    monkeypatch.setattr(local.time, "sleep", no_sleeping)
    tasks = [runner.Task(small_runs("a").runs[0], seed, tmp_path / "a" / f"seed-{seed}") for seed in (0, 1)]
    executor = LocalProcessExecutor(cores=2, fork=False)
    for task in tasks:
        executor.submit(task, threads=1)
    started, ended = time.monotonic(), []
    while len(ended) < 2:
        ended += executor.poll(timeout=120)
    assert time.monotonic() - started < 60
    assert sorted((end.task.seed, end.returncode) for end in ended) == [(0, 3), (1, 3)]
    assert executor.poll(120) == []  # none left running: no wait
