"""The training loop on real data: it learns, applies the schedule exactly, resumes bitwise, reports divergence."""

import dataclasses
import json

import pytest

torch = pytest.importorskip("torch")

from lrlab.backends.torch import TorchBackend  # noqa: E402
from lrlab.optimizers.torch_sgd import SGD  # noqa: E402
from lrlab.training.loop import train  # noqa: E402
from lrlab.runfolder import RunDir, RunDirError  # noqa: E402

TIMING = ("epoch_seconds", "examples_per_second")



def test_one_epoch_on_10k_examples_learns(tiny_config, tmp_path):
    config = tiny_config(schedule="constant(0.02)", momentum=0.9, batch_size=64, train_subset=10_000, test_subset=2_000)
    summary = train(config, tmp_path / "run", progress=False)
    assert summary.status == "completed" and summary.epochs_completed == 1
    assert summary.final["test_acc"] > 0.6


def test_the_run_folder_holds_the_contracts_files(tiny_config, tmp_path, capsys, fashion_mnist):
    out = tmp_path / "run"
    summary = train(tiny_config(epochs=2), out)
    document = json.loads((out / "config.json").read_text())
    assert document["schema_version"] == 1 and document["config"] == tiny_config(epochs=2).to_dict()
    assert document["schedule"] == {"name": "constant", "base_lr": 0.1}
    assert document["updates_per_epoch"] == 10 and document["clock_warning"] is None
    assert document["data"] == {"name": "fashion-mnist", "fingerprint": fashion_mnist.fingerprint,
                                "image_shape": [1, 28, 28], "classes": 10, "train": 1000, "test": 500,
                                "normalize": "unit", "mean": None, "std": None}
    assert set(document["versions"]) == {"python", "lrlab", "numpy", "torch", "torch_device"}
    assert document["versions"]["torch_device"] == "cpu"
    rows = RunDir(out).read_metrics()
    assert [row.epoch for row in rows] == [0, 1]
    first = json.loads((out / "metrics.jsonl").read_text().splitlines()[0])
    assert set(first) == {"epoch", "lr", "lr_last", "train_loss", "train_acc", "test_acc", "test_loss", *TIMING,
                          "test_brier", "test_ece"}
    assert 0 < rows[1].test_loss < rows[0].test_loss < 2.4  # ln 10 = 2.30 at chance
    assert json.loads((out / "summary.json").read_text()) == summary.to_dict()
    assert summary.status == "completed" and summary.final["test_acc"] == rows[-1].test_acc
    assert summary.final["test_loss"] == rows[-1].test_loss
    assert (out / "checkpoint.pt").is_file()
    printed = capsys.readouterr().out.splitlines()
    assert printed[-1].startswith("epoch 1: lr 0.1, train loss ") and ", test acc " in printed[-1]


@pytest.mark.parametrize("unit", ["epoch", "step"])
def test_the_optimizer_applies_exactly_the_scheduled_rate_at_every_update(tiny_config, tmp_path, unit, monkeypatch):
    config = tiny_config(schedule="cosine(max_update=25, base_lr=0.2, final_lr=0.01, warmup_steps=2)",
                         epochs=3, unit=unit)
    applied, step = [], SGD.step

    def noting_the_rate(optimizer):
        applied.append(optimizer.param_groups[0]["lr"])
        step(optimizer)

    monkeypatch.setattr(SGD, "step", noting_the_rate)
    train(config, tmp_path / "run", progress=False)
    s = config.schedule_obj
    expected = [s(t) if unit == "step" else s(t // 10) for t in range(30)]
    assert applied == expected  # bitwise: the float the optimizer holds is float(s(t))
    rows = RunDir(tmp_path / "run").read_metrics()
    assert [(row.lr, row.lr_last) for row in rows] == [(expected[10 * e], expected[10 * e + 9]) for e in range(3)]


@pytest.mark.parametrize("unit", ["epoch", "step"])
def test_resume_after_an_interrupt_ends_exactly_as_an_uninterrupted_run(tiny_config, tmp_path, straight_and_resumed, metric_numbers, unit):
    config = tiny_config(schedule="cosine(max_update=20, base_lr=0.1, final_lr=0.01)" if unit == "step"
                         else "cosine(max_update=2, base_lr=0.1, final_lr=0.01)",
                         epochs=2, unit=unit, momentum=0.9, weight_decay=1e-4)
    straight, stopped, resumed = straight_and_resumed(config, TorchBackend)
    assert stopped.status == "interrupted" and stopped.epochs_completed == 1
    assert "lrlab train --resume" in stopped.message
    assert resumed.status == "completed" and resumed.final == straight.final
    assert metric_numbers(tmp_path / "resumed") == metric_numbers(tmp_path / "straight")


def test_the_same_config_twice_gives_the_same_metrics(tiny_config, tmp_path, metric_numbers):
    config = tiny_config(epochs=2, momentum=0.9, unit="step", schedule="poly(max_update=20, base_lr=0.1, power=2)")
    train(config, tmp_path / "a", progress=False)
    train(config, tmp_path / "b", progress=False)
    assert metric_numbers(tmp_path / "a") == metric_numbers(tmp_path / "b")


def test_a_huge_rate_ends_the_run_as_diverged_not_a_crash(tiny_config, tmp_path):
    summary = train(tiny_config(schedule="constant(1e6)", epochs=3), tmp_path / "run", progress=False)
    assert summary.status == "diverged" and summary.epochs_completed == 1
    assert summary.message.startswith("diverged: the train loss became nan in epoch 0 (lr 1e+06)")
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["final"]["train_loss"] is None
    assert not (tmp_path / "run" / "checkpoint.pt").exists()  # the last checkpoint stays the last good one


def test_a_new_run_refuses_a_folder_that_holds_one(tiny_config, tmp_path):
    train(tiny_config(), tmp_path / "run", progress=False)
    with pytest.raises(RunDirError, match="already holds a run"):
        train(tiny_config(), tmp_path / "run", progress=False)


def test_a_folder_written_before_a_setting_existed_resumes(tiny_config, tmp_path):
    """A config.json without a later field (precision, schema_version) holds that field's default:
    resuming with the same settings is no "other config"."""
    config = tiny_config(epochs=2)
    train(config, tmp_path / "run", progress=False)
    path = tmp_path / "run" / "config.json"
    document = json.loads(path.read_text())
    del document["schema_version"], document["config"]["precision"]
    path.write_text(json.dumps(document))
    assert RunDir(tmp_path / "run").read_config()["schema_version"] == 0
    summary = train(config, tmp_path / "run", resume=True, progress=False)
    assert summary.status == "completed" and summary.epochs_completed == 2
    with pytest.raises(RunDirError, match="differs"):
        train(tiny_config(epochs=2, precision="bf16"), tmp_path / "run", resume=True, progress=False)


@pytest.mark.processes
def test_ctrl_c_while_an_epoch_is_written_waits_until_its_row_and_checkpoint_agree(tiny_config, tmp_path, monkeypatch):
    """Ctrl-C between the metrics row and the checkpoint (the moment issue 17 found: 3 rows, a
    summary of 2 epochs) takes effect once both are written: the folder's files agree."""
    import signal

    real_save = TorchBackend.save

    def save_with_ctrl_c(self, path, epochs_done):
        if epochs_done == 2:
            signal.raise_signal(signal.SIGINT)  # the row of epoch 1 is written, its checkpoint not yet
        real_save(self, path, epochs_done)

    monkeypatch.setattr(TorchBackend, "save", save_with_ctrl_c)
    out = tmp_path / "run"
    # Ctrl-C as in a terminal: a process started as a background job (nohup ... &) inherits SIGINT ignored
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            train(tiny_config(epochs=4), out, progress=False)
    finally:
        signal.signal(signal.SIGINT, previous)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "interrupted" and summary["epochs_completed"] == 2
    assert len(RunDir(out).read_metrics()) == 2
    assert torch.load(out / "checkpoint.pt", weights_only=True)["epochs_done"] == 2


def test_a_model_that_cannot_take_the_data_sets_images_is_refused_before_training(tiny_config, tmp_path, monkeypatch):
    from lrlab import models
    from lrlab.models import registry

    monkeypatch.setattr(registry, "REGISTRY", registry.Registry("model", models.ModelError))
    models.register_model("test-rgb", "takes colour images", input_shape=(3, 32, 32), torch="lrlab.models.lenet_torch:lenet")
    with pytest.raises(models.ModelError, match="model 'test-rgb' takes 3x32x32 images; this data set's are 1x28x28"):
        train(tiny_config(model="test-rgb"), tmp_path / "run", progress=False)
    assert not (tmp_path / "run").exists()


def test_a_run_stopped_after_epoch_2_and_continued_equals_one_trained_straight(tiny_config, tmp_path, metric_numbers):
    """``until`` stops a run (status "stopped"); the schedule still spans every epoch, so the resumed
    run's numbers are bitwise those of an uninterrupted one (what successive halving relies on)."""
    config = tiny_config(schedule="cosine(max_update=4, base_lr=0.1, final_lr=0.01)", epochs=4, momentum=0.9)
    straight = train(config, tmp_path / "straight", progress=False)
    stopped = train(config, tmp_path / "halved", progress=False, until=2)
    assert stopped.status == "stopped" and stopped.status.finished and stopped.epochs_completed == 2
    assert stopped.message.startswith("trained 2 of 4 epochs and stopped, as asked; continue with: lrlab train --resume ")
    assert train(None, tmp_path / "halved", resume=True, progress=False, until=2) == dataclasses.replace(
        stopped, wall_seconds=RunDir(tmp_path / "halved").read_summary().wall_seconds)  # already there: nothing trains
    resumed = train(None, tmp_path / "halved", resume=True, progress=False)
    assert resumed.status == "completed" and resumed.final == straight.final
    assert metric_numbers(tmp_path / "halved") == metric_numbers(tmp_path / "straight")
