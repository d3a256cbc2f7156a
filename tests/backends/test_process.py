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
