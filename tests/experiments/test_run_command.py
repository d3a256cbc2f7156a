"""``lrlab run`` end to end, through the real command: run, report, skip on rerun, Ctrl-C and resume.

Every run here is tiny (1000-2000 examples, 1-5 epochs) on the real data; each
``lrlab train`` child is a fresh Python, so most of the time is their start-up.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lrlab.experiments import load_experiment

TINY = """
title = "tiny"
[defaults]
epochs = {epochs}
train_subset = {train}
test_subset = 500
seeds = {seeds}
{extra}
[[runs]]
name = "constant"
label = "constant 0.3"
schedule = "constant(0.3)"
book.torch = {{ train_loss = 0.145, train_acc = 0.944, test_acc = 0.877 }}
[[runs]]
name = "cosine"
schedule = "cosine(max_update={epochs}, base_lr=0.3, final_lr=0.01)"
"""


@pytest.fixture(scope="module")
def data_dir() -> Path:
    folder = Path(os.environ["LRLAB_DATA_DIR"])  # set by tests/conftest.py
    if not folder.is_dir():
        pytest.skip(f"real Fashion-MNIST not found at {folder}: set LRLAB_DATA_DIR")
    return folder


def lrlab(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lrlab", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def experiment_file(folder: Path, *, epochs: int = 1, train: int = 2000, seeds=(0, 1), extra: str = "") -> Path:
    path = folder / "tiny.toml"
    path.write_text(TINY.format(epochs=epochs, train=train, seeds=list(seeds), extra=extra))
    return path


def seed_folders(out: Path) -> list[Path]:
    return sorted(out.glob("*/seed-*"))


def metrics(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def finished(tmp_path_factory, data_dir):
    """One finished tiny experiment (2 runs x 2 seeds x 1 epoch) with its report."""
    work = tmp_path_factory.mktemp("run")
    experiment = experiment_file(work)
    result = lrlab("run", str(experiment), "--jobs", "2", "--report", cwd=work)
    assert result.returncode == 0, result.stdout + result.stderr
    return work, experiment, work / "runs" / "tiny", result


def test_every_run_and_seed_trains_into_its_folder(finished):
    work, experiment, out, result = finished
    assert [f.relative_to(out).as_posix() for f in seed_folders(out)] == [
        "constant/seed-0", "constant/seed-1", "cosine/seed-0", "cosine/seed-1"]
    for folder in seed_folders(out):
        assert json.loads((folder / "summary.json").read_text())["status"] == "completed"
        assert len(metrics(folder)) == 1
        assert json.loads((folder / "config.json").read_text())["config"]["train_subset"] == 2000
    assert sum("completed after 1 epochs" in line for line in result.stdout.splitlines()) == 4
    assert load_experiment(out / "experiment.toml") == load_experiment(experiment)
    index = json.loads((out / "index.json").read_text())
    assert [s["status"] for run in index["runs"] for s in run["seeds"]] == ["completed"] * 4


def test_the_report_holds_the_numbers_of_the_metrics_files(finished):
    work, experiment, out, result = finished
    report = out / "report"
    for name in ("report.md", "report.html", "learning_rates.png", "curves.png", "reliability.png", "results.csv",
                 "summary.json"):
        assert (report / name).stat().st_size > 0, name
    rows = list(csv.DictReader((report / "results.csv").open()))
    assert len(rows) == 4
    for row in rows:
        last = metrics(out / row["folder"])[-1]
        for key in ("train_loss", "train_acc", "test_acc"):
            assert float(row[key]) == pytest.approx(last[key], rel=1e-12)
    markdown = (report / "report.md").read_text()
    for run, label in (("constant", "constant 0.3"), ("cosine", "cosine")):
        line = next(line for line in markdown.splitlines() if line.startswith(f"| {label} |"))
        for key in ("train_loss", "train_acc", "test_acc"):
            values = [metrics(out / run / f"seed-{seed}")[-1][key] for seed in (0, 1)]
            assert f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}" in line
    assert "| 0.145 | 0.944 | 0.877 |" in markdown
    page = (report / "report.html").read_text()
    assert page.count('src="data:image/png;base64,') == 3 and "curves.png" not in page  # rates, curves, reliability


def test_report_command_writes_elsewhere(finished, tmp_path):
    work, experiment, out, result = finished
    again = lrlab("report", str(out), "--out", str(tmp_path / "r"), cwd=work)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "r" / "report.md").read_text() == (out / "report" / "report.md").read_text()


def test_a_rerun_skips_finished_runs_and_trains_nothing(finished):
    work, experiment, out, result = finished
    before = {f: (f.stat().st_mtime_ns, f.read_bytes()) for f in out.glob("*/seed-*/*")}
    again = lrlab("run", str(experiment), cwd=work)
    assert again.returncode == 0, again.stderr
    assert "4 finished already, 0 to train" in again.stdout
    assert {f: (f.stat().st_mtime_ns, f.read_bytes()) for f in out.glob("*/seed-*/*")} == before


def test_a_rerun_with_other_settings_is_refused(finished):
    work, experiment, out, result = finished
    changed = work / "changed.toml"
    changed.write_text(experiment.read_text().replace("train_subset = 2000", "train_subset = 1000"))
    again = lrlab("run", str(changed), "--out", str(out), cwd=work)
    assert again.returncode == 2
    assert "holds a run with other settings (train_subset 2000 -> 1000)" in again.stderr


def test_quick_mode_keeps_one_seed_in_its_own_folder(tmp_path, data_dir):
    experiment = experiment_file(tmp_path, seeds=(3, 4))
    result = lrlab("run", str(experiment), "--quick", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    out = tmp_path / "runs" / "tiny-quick"
    assert [f.relative_to(out).as_posix() for f in seed_folders(out)] == ["constant/seed-3", "cosine/seed-3"]
    assert json.loads((out / "index.json").read_text())["quick"] is True
    assert "(quick mode)" in (out / "experiment.toml").read_text()
    assert all(run.seeds == (3,) for run in load_experiment(out / "experiment.toml").runs)


def test_precision_sets_every_torch_run_in_a_folder_of_its_own(tmp_path, data_dir):
    experiment = experiment_file(tmp_path, seeds=(0,))
    result = lrlab("run", str(experiment), "--precision", "bf16", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    out = tmp_path / "runs" / "tiny-bf16"
    configs = [json.loads((folder / "config.json").read_text())["config"] for folder in seed_folders(out)]
    assert [config["precision"] for config in configs] == ["bf16", "bf16"]
    assert all(run.config(0).precision == "bf16" for run in load_experiment(out / "experiment.toml").runs)


def test_an_invalid_experiment_stops_before_anything_runs(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[runs]]\nname = "a"\nschedule = "cosine(20, 0.3, warmup_steps=30)"\n')
    result = lrlab("run", str(bad), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (f"lrlab run: error: {bad}: runs[0].schedule: "
                                     "cosine: warmup_steps=30 is invalid: must be < max_update (20)")
    assert not (tmp_path / "runs").exists()


@pytest.mark.processes
def test_ctrl_c_leaves_a_consistent_folder_that_a_rerun_completes(tmp_path, data_dir):
    experiment = experiment_file(tmp_path, epochs=5, train=3000, seeds=(0,))
    out = tmp_path / "runs" / "tiny"
    command = [sys.executable, "-m", "lrlab", "run", str(experiment), "--jobs", "2"]
    # A session of its own: the signal goes to its process group, as a terminal's Ctrl-C does.
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    try:
        wait_for_first_epoch(out, process)
        os.killpg(process.pid, signal.SIGINT)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stdout + stderr
    summaries = assert_consistent(out)
    assert "interrupted" in summaries.values(), summaries

    again = lrlab("run", str(experiment), cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    for folder in seed_folders(out):
        assert json.loads((folder / "summary.json").read_text())["status"] == "completed"
        assert [row["epoch"] for row in metrics(folder)] == [0, 1, 2, 3, 4]


@pytest.mark.processes
def test_sigterm_stops_every_training_and_a_rerun_completes(tmp_path, data_dir):
    """SIGTERM to `lrlab run` alone (a service manager's stop, a kill): it stops its trainings (they
    write "interrupted" summaries), waits for them and exits 143; none is left running without it."""
    if not Path("/proc/self/cmdline").is_file():
        pytest.skip("needs /proc to find the trainings")
    experiment = experiment_file(tmp_path, epochs=5, train=2000, seeds=(0,), extra="batch_size = 100\nthreads = 1")
    out = tmp_path / "runs" / "tiny"  # absolute in the trainings' command lines: no other process has it
    command = ["run", str(experiment), "--jobs", "2", "--out", str(out)]
    process = subprocess.Popen([sys.executable, "-m", "lrlab", *command], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_first_epoch(out, process)
        trainings = processes_with(str(out))  # `lrlab train ... <out>/<run>/seed-0/...`: only the children
        assert trainings, "no training process found"
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 143, stdout + stderr
    assert "terminated: stopping" in stdout, stdout
    assert processes_with(str(out)) == {}, "a training outlived `lrlab run`"
    assert not any(Path(f"/proc/{pid}/cmdline").is_file() and Path(f"/proc/{pid}/cmdline").read_bytes()
                   for pid in trainings)
    summaries = assert_consistent(out)
    assert "interrupted" in summaries.values(), summaries

    again = lrlab(*command, cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    for folder in seed_folders(out):
        assert json.loads((folder / "summary.json").read_text())["status"] == "completed"
        assert [row["epoch"] for row in metrics(folder)] == [0, 1, 2, 3, 4]


@pytest.mark.processes
def test_a_killed_runner_takes_its_trainings_with_it_and_a_rerun_completes(tmp_path, data_dir):
    """SIGKILL to `lrlab run` (no chance to stop anything): each training gets a SIGINT from the
    kernel as its parent dies (PR_SET_PDEATHSIG), writes its "interrupted" summary and ends."""
    if not Path("/proc/self/cmdline").is_file():
        pytest.skip("needs /proc (Linux) to find the trainings")
    experiment = experiment_file(tmp_path, epochs=5, train=2000, seeds=(0,), extra="batch_size = 100\nthreads = 1")
    out = tmp_path / "runs" / "tiny"
    command = ["run", str(experiment), "--jobs", "2", "--out", str(out)]
    kill_after_first_epoch(command, tmp_path, out, trainings_running=True)
    summaries = assert_consistent(out, index=False)  # index.json: as the killed runner last wrote it
    assert "interrupted" in summaries.values(), summaries

    again = lrlab(*command, cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    for folder in seed_folders(out):
        assert json.loads((folder / "summary.json").read_text())["status"] == "completed"


def wait_until_gone(folder: Path, seconds: float) -> dict[int, str]:
    """Wait up to ``seconds`` for every process whose command line names ``folder`` to end; those left."""
    deadline = time.monotonic() + seconds
    while processes_with(str(folder)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return processes_with(str(folder))


def processes_with(text: str) -> dict[int, str]:
    """The live processes whose command line, or the path of a file they hold open, contains ``text``:
    pid -> command line. (A training forked by the forkserver has the server's command line, and its
    train.log open as stdout.)"""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                if text in command or any(text in os.readlink(fd) for fd in (entry / "fd").iterdir()):
                    found[int(entry.name)] = command
            except OSError:  # it has just exited, or is not ours to look into
                continue
    return found


def kill_if_alive(pid: int) -> None:
    """SIGKILL ``pid``, unless it ended since it was listed (a process that follows another out, say)."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def kill_after_first_epoch(arguments: list[str], cwd: Path, out: Path, timeout: float = 120,
                           trainings_running: bool = False) -> None:
    """Start ``lrlab ARGUMENTS`` in a process, kill -9 it once an epoch has finished in ``out`` (checking,
    with ``trainings_running``, that its trainings run then), and wait until none of them is left."""
    process = subprocess.Popen([sys.executable, "-m", "lrlab", *arguments], cwd=cwd,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_first_epoch(out, process, timeout)
        assert not trainings_running or processes_with(str(out)), "no training process found"
        process.kill()
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert wait_until_gone(out, 120) == {}, "a training outlived the killed `lrlab run`"


def wait_for_first_epoch(out: Path, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not any((f / "metrics.jsonl").is_file() and (f / "metrics.jsonl").read_text() for f in seed_folders(out)):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no epoch finished in time"
        time.sleep(0.05)


def assert_consistent(out: Path, index: bool = True) -> dict[str, str]:
    """Every file parses, no summary says running, metrics match the summary and the checkpoint
    (and, with ``index``, index.json's statuses match the summaries)."""
    summaries = {}
    for folder in seed_folders(out):
        assert not list(folder.glob(".*.tmp")), "a temporary file was left behind"
        rows = metrics(folder) if (folder / "metrics.jsonl").exists() else []
        if not (folder / "summary.json").exists():  # stopped while starting up: nothing trained
            assert rows == []
            summaries[folder.relative_to(out).as_posix()] = "pending"
            continue
        summary = json.loads((folder / "summary.json").read_text())
        assert summary["status"] in ("interrupted", "completed"), summary
        assert len(rows) == summary["epochs_completed"]
        assert bool(list(folder.glob("checkpoint.*"))) == (len(rows) > 0)
        summaries[folder.relative_to(out).as_posix()] = summary["status"]
    if index:
        written = json.loads((out / "index.json").read_text())
        assert {s["folder"]: s["status"] for run in written["runs"] for s in run["seeds"]} == summaries
    return summaries
