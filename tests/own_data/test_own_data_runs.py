"""Data of your own in every command: ``lrlab train``, experiment files with a sweep, ``lrlab find-lr``;
what config.json records; bad input as one line and exit status 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from own_files import learnable, write_folder, write_npz
from lrlab.cli import main
from lrlab.runfolder import RunDir
from lrlab.training.config import ConfigError, TrainConfig

FAST = ["--batch-size", "20", "--threads", "1", "--schedule", "constant(0.1)"]


def test_train_on_an_npz_learns_and_records_the_data(tmp_path, capsys):
    path = write_npz(tmp_path / "mine.npz")
    assert main(["train", "--dataset", f"npz:{path}", "--epochs", "2", *FAST, "--out", str(tmp_path / "run")]) == 0
    rows = RunDir(tmp_path / "run").read_metrics()
    assert rows[-1].test_acc > 0.9  # four classes: chance is 0.25
    data = json.loads((tmp_path / "run" / "config.json").read_text())["data"]
    assert data["name"] == f"npz:{path}" and data["image_shape"] == [1, 16, 16] and data["classes"] == 4
    assert len(data["fingerprint"]) == 16 and data["normalize"] == "unit" and data["mean"] is None


def test_train_on_a_folder_of_rgb_images_standardised_learns_and_records_the_data(tmp_path, capsys):
    root = write_folder(tmp_path / "pets", n_per_class=20, classes=3)
    assert main(["train", "--dataset", f"folder:{root}", "--image-size", "16", "--normalize", "mean-std",
                 "--epochs", "4", *FAST[:-2], "--batch-size", "8", "--schedule", "constant(0.05)",
                 "--out", str(tmp_path / "run")]) == 0
    assert RunDir(tmp_path / "run").read_metrics()[-1].test_acc > 0.6  # three classes: chance is 0.33
    document = json.loads((tmp_path / "run" / "config.json").read_text())
    assert document["config"]["image_size"] == 16 and document["config"]["normalize"] == "mean-std"
    data = document["data"]
    assert data["image_shape"] == [3, 16, 16] and (data["train"], data["test"]) == (48, 12)
    assert len(data["mean"]) == len(data["std"]) == 3 and all(0 < m < 1 for m in data["mean"])


def test_find_lr_on_an_npz(tmp_path, capsys):
    path = write_npz(tmp_path / "mine.npz")
    assert main(["find-lr", "--dataset", f"npz:{path}", "--steps", "30", "--batch-size", "20", "--threads", "1",
                 "--out", str(tmp_path / "find")]) == 0
    assert (tmp_path / "find" / "find-lr.csv").is_file()


@pytest.mark.processes
def test_an_experiment_sweeps_over_the_normalisation_on_a_relative_npz(tmp_path):
    write_npz(tmp_path / "mine.npz")
    (tmp_path / "own.toml").write_text('''
[defaults]
dataset = "npz:mine.npz"
epochs = 1
batch_size = 20
threads = 1

[[sweeps]]
name = "norm"
schedule = "constant(0.1)"
[sweeps.params]
normalize = ["unit", "mean-std"]
''')
    done = subprocess.run([sys.executable, "-m", "lrlab", "run", "own.toml", "--jobs", "1"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, env=os.environ | {"PYTHONPATH": os.pathsep.join(sys.path)})
    assert done.returncode == 0, done.stdout + done.stderr
    configs = sorted((tmp_path / "runs" / "own").glob("norm*/seed-0/config.json"))
    assert [json.loads(c.read_text())["data"]["normalize"] for c in configs] == ["mean-std", "unit"]
    assert {json.loads(c.read_text())["config"]["dataset"] for c in configs} == {f"npz:{tmp_path / 'mine.npz'}"}


def one_line_error(capsys, status, *needles):
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err


def test_bad_data_is_one_line_and_exit_2(tmp_path, capsys):
    wrong = write_npz(tmp_path / "wrong.npz", y_test=None)
    tiny = write_npz(tmp_path / "tiny.npz", x_train=learnable(400, size=8)[0], x_test=learnable(100, size=8)[0])
    root = write_folder(tmp_path / "pets")
    (root / "class1" / "001.jpg").write_bytes(b"garbage")
    for dataset, extra, needles in [
        (f"npz:{wrong}", [], [str(wrong), "missing y_test"]),
        (f"folder:{root}", [], [str(root / "class1" / "001.jpg"), "not a readable PNG or JPEG"]),
        (f"npz:{tiny}", [], ["model 'lenet' takes images of 12x12 or larger; this data set's are 1x8x8"]),
        (f"npz:{wrong}", ["--image-size", "64"], ["image_size=64 is invalid: it is a setting of folder: data sets"]),
        ("zip:x.zip", [], ["dataset='zip:x.zip' is invalid: must be one of fashion-mnist, or folder:PATH, npz:PATH"]),
        ("npz:", [], ["'npz:' names no file"]),
    ]:
        one_line_error(capsys, main(["train", "--dataset", dataset, *extra, *FAST, "--out", str(tmp_path / "run")]),
                       *needles)
        assert not (tmp_path / "run").exists()


def test_a_path_is_kept_absolute_and_folder_settings_belong_to_folders(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert TrainConfig(schedule="constant(0.1)", dataset="npz:data/mine.npz").dataset == \
        f"npz:{tmp_path / 'data' / 'mine.npz'}"
    assert TrainConfig(schedule="constant(0.1)", dataset="folder:pets", color="gray").data_options.color == "gray"
    with pytest.raises(ConfigError, match="test_fraction=0.5 is invalid: it is a setting of folder: data sets"):
        TrainConfig(schedule="constant(0.1)", test_fraction=0.5)
    with pytest.raises(ConfigError, match="test_fraction=1.0 is invalid: must be a number between 0 and 1"):
        TrainConfig(schedule="constant(0.1)", dataset="folder:pets", test_fraction=1.0)


def test_the_standardised_pixels_have_mean_0_and_std_1_on_the_training_split(tmp_path):
    from lrlab.training.loop import load_data

    config = TrainConfig(schedule="constant(0.1)", dataset=f"npz:{write_npz(tmp_path / 'mine.npz')}",
                         normalize="mean-std")
    pixels, _ = load_data(config).as_float32("train")
    assert abs(float(pixels.mean())) < 1e-4 and abs(float(pixels.std()) - 1) < 1e-4


def test_keras_trains_the_lenet_on_rgb_images_of_another_size(tmp_path, capsys):
    pytest.importorskip("keras")
    x_train, y_train = learnable(200, size=16, channels=3)
    x_test, y_test = learnable(50, size=16, channels=3, seed=1)
    path = write_npz(tmp_path / "rgb.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    assert main(["train", "--backend", "keras", "--dataset", f"npz:{path}", "--epochs", "2", *FAST,
                 "--out", str(tmp_path / "run")]) == 0
    assert RunDir(tmp_path / "run").read_metrics()[-1].test_acc > 0.9
