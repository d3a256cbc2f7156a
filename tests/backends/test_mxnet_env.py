"""``lrlab train --backend mxnet`` where MXNet does not import: handed to the MXNet
environment's interpreter, or one line saying how to make it, with exit status 2.

These run in the main environment; where MXNet imports they have nothing to test.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lrlab.backends import mxnet_env
from lrlab.cli import main
from lrlab.backends import BackendUnavailable

pytestmark = pytest.mark.skipif(mxnet_env.import_error() is None, reason="MXNet imports here: nothing is handed over")

TRAIN = ["train", "--backend", "mxnet", "--schedule", "constant(0.1)", "--epochs", "1",
         "--train-subset", "1000", "--test-subset", "500", "--batch-size", "100"]


def lrlab(args, **environment):
    """``lrlab *args`` in a fresh process of this interpreter, with ``environment`` added."""
    env = {**os.environ, **environment}
    env.pop(mxnet_env.HANDED_OVER, None)
    return subprocess.run([sys.executable, "-m", "lrlab", *args], capture_output=True, text=True, env=env, timeout=300)


def fake_interpreter(folder: Path, status: int) -> Path:
    """An executable that records how it was called (arguments, the hand-over mark) and exits ``status``."""
    script = folder / "python"
    script.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$@" > "{folder}/argv"\n'
        f'printf "%s" "${mxnet_env.HANDED_OVER}" > "{folder}/handed_over"\n'
        f"exit {status}\n"
    )
    script.chmod(0o755)
    return script


def test_only_mxnet_needs_another_interpreter():
    assert mxnet_env.needs_other_interpreter("mxnet")
    assert not mxnet_env.needs_other_interpreter("torch")


def test_a_run_is_handed_to_the_configured_interpreter_with_its_arguments(tmp_path):
    python = fake_interpreter(tmp_path, status=3)
    done = lrlab([*TRAIN, "--out", str(tmp_path / "run")], LRLAB_MXNET_PYTHON=str(python))
    assert done.returncode == 3  # the handed-over run's exit status (3: diverged) is ours
    assert (tmp_path / "argv").read_text().splitlines() == ["-m", "lrlab", *TRAIN, "--out", str(tmp_path / "run")]
    assert (tmp_path / "handed_over").read_text() == "1"


def test_a_resumed_run_is_handed_over_too(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text(json.dumps({"config": {"schedule": "constant(0.1)", "backend": "mxnet"}}))
    python = fake_interpreter(tmp_path, status=0)
    assert lrlab(["train", "--resume", str(run)], LRLAB_MXNET_PYTHON=str(python)).returncode == 0
    assert (tmp_path / "argv").read_text().splitlines() == ["-m", "lrlab", "train", "--resume", str(run)]


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err


def test_without_an_mxnet_environment_one_line_says_how_to_make_it(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(mxnet_env.ENV_VAR, raising=False)
    monkeypatch.setattr(mxnet_env, "LOCAL_VENV", tmp_path / "no-venv")
    assert main([*TRAIN, "--out", str(tmp_path / "run")]) == 2
    err = one_line_error(capsys)
    assert err.startswith("lrlab train: error: MXNet ")
    assert "make mxnet-env" in err and "bash scripts/mxnet-env.sh" in err and mxnet_env.ENV_VAR in err
    assert not (tmp_path / "run").exists()


def test_an_interpreter_that_is_not_there_is_named(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(mxnet_env.ENV_VAR, str(tmp_path / "missing" / "python"))
    assert main([*TRAIN, "--out", str(tmp_path / "run")]) == 2
    assert f"{mxnet_env.ENV_VAR}={tmp_path / 'missing' / 'python'} does not exist" in one_line_error(capsys)


def test_an_interpreter_without_mxnet_is_refused_not_handed_over_again(tmp_path):
    done = lrlab([*TRAIN, "--out", str(tmp_path / "run")], LRLAB_MXNET_PYTHON=sys.executable)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "cannot run MXNet" in done.stderr, done.stderr


def test_the_backend_module_says_how_to_make_the_environment():
    with pytest.raises(BackendUnavailable, match="make mxnet-env"):
        import lrlab.backends.mxnet  # noqa: F401


@pytest.fixture
def mxnet_python():
    """The MXNet environment's interpreter, where there is a working one."""
    python = mxnet_env.mxnet_python()
    if python is None or not Path(python).is_file():
        pytest.skip("no MXNet environment here (make mxnet-env)")
    if subprocess.run([python, "-c", "import mxnet, lrlab"], capture_output=True).returncode != 0:
        pytest.skip(f"{python} cannot import mxnet and lrlab (make mxnet-env)")
    return python


def test_lrlab_train_from_here_trains_in_the_mxnet_environment(tmp_path, mxnet_python, fashion_mnist):
    done = lrlab([*TRAIN, "--out", str(tmp_path / "run")], LRLAB_MXNET_PYTHON=mxnet_python)
    assert done.returncode == 0, done.stderr
    document = json.loads((tmp_path / "run" / "config.json").read_text())
    assert "mxnet" in document["versions"] and document["versions"]["numpy"].startswith("1.")
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["status"] == "completed"
