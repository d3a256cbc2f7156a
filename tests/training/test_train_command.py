"""``lrlab train``: exit statuses, one-line errors, the clock warning, --plot, --config and --resume."""

import json
import subprocess
import sys

import pytest

from lrlab.cli import main
from lrlab.runfolder import RunDir

TINY = ["--epochs", "1", "--train-subset", "1000", "--test-subset", "500", "--batch-size", "100", "--threads", "1"]


def one_line_error(capsys, status, *needles):
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and err.startswith("lrlab train: error: "), err
    for needle in needles:
        assert needle in err, err


def test_a_bad_schedule_is_one_line_and_exit_2_in_a_real_process(tmp_path):
    done = subprocess.run([sys.executable, "-m", "lrlab", "train", "--schedule", "cosin(max_update=20, base_lr=0.3)",
                           "--out", str(tmp_path / "run")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and "schedule" in done.stderr and "did you mean cosine" in done.stderr
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("arguments, needles", [
    (["--schedule", "constant(0.3)", "--epochs", "0"], ["epochs=0"]),
    (["--schedule", "constant(0.3)", "--unit", "epochs"], ["unit='epochs'", "epoch, step"]),
    (["--schedule", "constant(0.3)", "--model", "resnet"], ["model='resnet'"]),
    (["--schedule", "constant(0.3)", "--train-subset", "70000"], ["train_subset=70000", "only 60000"]),
    (["--epochs", "3"], ["--schedule SPEC is required"]),
])
def test_bad_run_options_name_the_argument(tmp_path, capsys, fashion_mnist, arguments, needles):
    one_line_error(capsys, main(["train", *arguments, "--out", str(tmp_path / "run")]), *needles)


def test_bad_folders_are_one_line_errors(tmp_path, capsys):
    one_line_error(capsys, main(["train", "--schedule", "constant(0.3)"]), "--out DIR is required")
    one_line_error(capsys, main(["train", "--resume", str(tmp_path / "none")]), "holds no run")
    one_line_error(capsys, main(["train", "--resume", str(tmp_path), "--epochs", "3"]), "drop --epochs")
    one_line_error(capsys, main(["train", "--schedule", "constant(0.3)", "--data-dir", str(tmp_path / "nowhere"),
                                 "--out", str(tmp_path / "run")]), "no such folder")
    (tmp_path / "bad.json").write_text("{")
    one_line_error(capsys, main(["train", "--config", str(tmp_path / "bad.json"), "--out", str(tmp_path / "run")]),
                   "not valid JSON")


def test_divergence_exits_3_with_its_reason(tmp_path, capsys, fashion_mnist):
    status = main(["train", "--schedule", "constant(1e6)", *TINY, "--out", str(tmp_path / "run"), "--plot"])
    assert status == 3
    assert "diverged: the train loss became nan" in capsys.readouterr().err
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["status"] == "diverged"
    assert (tmp_path / "run" / "curves.png").is_file()  # a null loss is a gap in the curve, not an error


def test_the_clock_warning_for_an_epoch_horizon_stepped_per_update(tmp_path, capsys, fashion_mnist):
    out = tmp_path / "run"
    spec = "cosine(max_update=20, base_lr=0.3, final_lr=0.01)"
    # 5 epochs of 20 updates: 20 fits the epochs, and is a fifth of the updates.
    tiny = ["--epochs", "5", "--train-subset", "400", "--test-subset", "100", "--batch-size", "20", "--threads", "1"]
    assert main(["train", "--schedule", spec, "--unit", "step", *tiny, "--out", str(out), "--plot"]) == 0
    captured = capsys.readouterr()
    warning = json.loads((out / "config.json").read_text())["clock_warning"]
    assert warning.startswith("cosine stops changing after 20 updates, 20% of this run's 100 updates: "
                              "was its horizon (max_update=20) meant in epochs? Run it per epoch with --unit epoch")
    assert f"stretch({spec}, by=20, mode='hold')" in warning
    assert f"lrlab: warning: {warning}" in captured.err
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_config_file_and_resume(tmp_path, capsys, fashion_mnist):
    first = tmp_path / "first"
    assert main(["train", "--schedule", "constant(0.1)", *TINY, "--out", str(first)]) == 0
    # A run's config.json is a valid --config; options on the command line win.
    second = tmp_path / "second"
    assert main(["train", "--config", str(first / "config.json"), "--epochs", "2", "--out", str(second)]) == 0
    config = json.loads((second / "config.json").read_text())["config"]
    assert config == json.loads((first / "config.json").read_text())["config"] | {"epochs": 2}
    assert RunDir(second).read_metrics()[0].train_loss == RunDir(first).read_metrics()[0].train_loss
    capsys.readouterr()
    assert main(["train", "--resume", str(second)]) == 0  # already complete: nothing to do
    assert capsys.readouterr().out.startswith("completed: trained 2 epochs")


def test_precision_is_a_train_option_and_only_torch_has_bf16(tmp_path, fashion_mnist, capsys):
    out = tmp_path / "bf16"
    assert main(["train", "--schedule", "constant(0.1)", "--epochs", "1", "--train-subset", "500",
                  "--test-subset", "200", "--threads", "1", "--precision", "bf16", "--out", str(out)]) == 0
    assert json.loads((out / "config.json").read_text())["config"]["precision"] == "bf16"
    assert main(["train", "--schedule", "constant(0.1)", "--backend", "keras", "--precision", "bf16",
                  "--out", str(tmp_path / "k")]) == 2
    assert "precision" in capsys.readouterr().err


def test_until_stops_a_run_and_resume_continues_it(tmp_path, capsys, fashion_mnist):
    out = tmp_path / "run"
    assert main(["train", "--schedule", "constant(0.1)", *TINY, "--epochs", "2", "--until", "1", "--out", str(out)]) == 0
    assert "\nstopped: trained 1 of 2 epochs and stopped, as asked; continue with: lrlab train --resume" in capsys.readouterr().out
    assert RunDir(out).read_summary().epochs_completed == 1
    assert main(["train", "--resume", str(out), "--until", "0"]) == 2
    assert "--until=0 is invalid: must be an integer >= 1" in capsys.readouterr().err
    assert main(["train", "--resume", str(out)]) == 0
    assert capsys.readouterr().out.startswith("epoch 1: lr 0.1, ")  # the second epoch only, then completed
