"""The one place that sets a training process up: what it sets, and that only training commands call it."""

import os

import pytest

from lrlab import cli, process
from lrlab.commands import plot, train


@pytest.fixture
def calls(monkeypatch):
    """The order of process set-up and command runs inside ``cli.main``."""
    record = []
    monkeypatch.setattr(cli, "setup_training_process", lambda: record.append("setup"))
    for module in (train, plot):
        monkeypatch.setattr(module, "run", lambda args: record.append(args.command) or 0)
    return record


def test_lrlab_train_sets_the_process_up_before_the_command_runs(calls):
    assert cli.main(["train", "--schedule", "constant(0.1)", "--out", "runs/x"]) == 0
    assert calls == ["setup", "train"]


def test_other_commands_leave_the_process_alone(calls):
    assert cli.main(["plot", "constant(0.1)", "-o", "x.png"]) == 0
    assert calls == ["plot"]


def test_the_setup_sets_what_frameworks_read_when_they_load_and_the_users_setting_wins(monkeypatch):
    kept = []
    monkeypatch.setattr(process, "keep_freed_memory", lambda: kept.append(True))
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")
    process.setup_training_process()
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE" and os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0" and kept


def test_only_a_training_process_skips_the_interpreters_teardown(monkeypatch):
    ended = []
    monkeypatch.setattr(process.os, "_exit", ended.append)
    monkeypatch.setattr(process, "_training", False)
    with pytest.raises(SystemExit) as exit_:
        process.end_process(2)
    assert exit_.value.code == 2 and ended == []
    monkeypatch.setattr(process, "_training", True)
    process.end_process(3)
    assert ended == [3]


def test_a_training_process_ends_at_once_with_its_status_and_all_its_output(fashion_mnist, tmp_path):
    """``python -m lrlab train``, its output in pipes (buffered): every line arrives, the status is
    the command's, and the run folder is whole."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "lrlab", "train", "--schedule", "constant(0.1)", "--epochs", "1",
                           "--train-subset", "200", "--test-subset", "100", "--threads", "1", "--out",
                           str(tmp_path / "run")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("epoch 0: lr 0.1") and "completed: trained 1 epochs" in done.stdout
    assert '"status": "completed"' in (tmp_path / "run" / "summary.json").read_text()
    again = subprocess.run([sys.executable, "-m", "lrlab", "train", "--resume", str(tmp_path / "run"), "--epochs", "2"],
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 2 and "--resume takes no run options" in again.stderr
