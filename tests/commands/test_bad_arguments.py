"""Every command with bad arguments: a usage error, exit status 2, no traceback, nothing written."""

from __future__ import annotations

import subprocess
import sys

import pytest

from lrlab.cli import main
from lrlab.commands import COMMANDS

BAD = {
    "plot": [["--steps", "x", "constant(0.3)", "-o", "x.png"], ["constant(0.3)"], [], ["--steps", "-3", "cosine(", "-o", "x.png"],
             ["constant(0.3)", "-o", "x.png", "--label", "a", "--label", "b"]],
    "train": [["--epochs", "ten"], ["--unit", "minute"], ["--resume"], ["--schedule", "constant(0.3)", "--epochs", "-1", "--out", "o"],
              ["--momentum", "nan", "--schedule", "constant(0.3)", "--out", "o"], ["--threads", "0", "--schedule", "constant(0.3)", "--out", "o"]],
    "run": [[], ["x.toml", "--jobs", "two"], ["x.toml", "--jobs", "0"], ["x.toml", "--precision", "fp8"], ["missing.toml"]],
    "report": [[], ["a", "b"], ["no-such-folder"]],
    "find-lr": [["--steps", "x"], ["--steps", "1"], ["--min-lr", "10", "--max-lr", "1"], ["--seeds", "a"],
                ["--mode", "cubic"], ["--momentum", "nan"], ["--backend", "jax"], ["--holdout", "100"]],
}


def test_every_command_has_bad_arguments_here():
    assert set(BAD) == set(COMMANDS)


@pytest.mark.parametrize("command, arguments", [(command, arguments) for command in COMMANDS
                                                for arguments in [["--no-such-option"], *BAD[command]]])
def test_bad_arguments_are_a_usage_error_with_status_2(command, arguments, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    try:
        status = main([command, *arguments])
    except SystemExit as exit:  # argparse's own usage errors
        status = exit.code
    err = capsys.readouterr().err
    assert status == 2, err
    last = err.strip().splitlines()[-1]  # an unknown option is the top parser's: "lrlab: error: ..."
    assert "Traceback" not in err and last.startswith((f"lrlab {command}: error: ", "lrlab: error: ")), err
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.processes
def test_no_command_and_an_unknown_one_in_a_real_process(tmp_path):
    for arguments in ([], ["trian"]):
        done = subprocess.run([sys.executable, "-m", "lrlab", *arguments], capture_output=True, text=True,
                              timeout=120, cwd=tmp_path)
        assert done.returncode == 2 and done.stderr.startswith("usage: lrlab") and "Traceback" not in done.stderr
