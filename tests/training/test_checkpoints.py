"""Damaged, truncated or crafted checkpoints: detected, named, never loaded (lrlab.training.checkpoints)."""

from __future__ import annotations

import json
import pickle

import pytest

torch = pytest.importorskip("torch")

from lrlab.runfolder import RunDir, RunDirError  # noqa: E402
from lrlab.training.checkpoints import CheckpointError, sha256_of  # noqa: E402
from lrlab.training.loop import train  # noqa: E402

TIMING = ("epoch_seconds", "examples_per_second")


@pytest.fixture(scope="module")
def finished(tmp_path_factory, fashion_mnist):
    """A 3-epoch run: checkpoint.pt (3 epochs), checkpoint.pt.prev (2) and their record."""
    from lrlab.training.config import TrainConfig

    config = TrainConfig(schedule="cosine(max_update=3, base_lr=0.1, final_lr=0.01)", epochs=3, momentum=0.9,
                         train_subset=1000, test_subset=500, batch_size=100, threads=1)
    out = tmp_path_factory.mktemp("finished") / "run"
    train(config, out, progress=False)
    return out


def copy_of(run, tmp_path):
    import shutil

    return shutil.copytree(run, tmp_path / "run")


def numbers(out) -> list[dict]:
    return [{k: v for k, v in row.to_dict().items() if k not in TIMING} for row in RunDir(out).read_metrics()]


def interrupted(out) -> None:
    """Mark the run as one to resume (as a kill leaves it)."""
    summary = json.loads((out / "summary.json").read_text()) | {"status": "interrupted"}
    (out / "summary.json").write_text(json.dumps(summary))


def test_each_checkpoint_is_recorded_and_the_previous_one_kept(finished):
    record = json.loads((finished / "checkpoints.json").read_text())
    assert [entry["epochs_done"] for entry in record] == [1, 2, 3]
    assert record[-1]["sha256"] == sha256_of(finished / "checkpoint.pt")
    assert record[-2]["sha256"] == sha256_of(finished / "checkpoint.pt.prev")
    assert not list(finished.glob(".*.tmp"))


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_a_damaged_checkpoint_is_named_and_the_run_falls_back_to_the_previous_one(finished, tmp_path, capsys, damage):
    out = copy_of(finished, tmp_path)
    path = out / "checkpoint.pt"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] if damage == "truncate" else data[:100] + bytes([data[100] ^ 1]) + data[101:])
    interrupted(out)
    summary = train(None, out, resume=True)
    err = capsys.readouterr().err
    assert f"lrlab: warning: {path} is damaged" in err and "resuming from checkpoint.pt.prev (2 epochs)" in err
    assert summary.status == "completed" and numbers(out) == numbers(finished)  # epoch 2 trained again, the same
    assert (out / "checkpoint.pt.damaged").is_file()


def test_with_every_checkpoint_damaged_the_run_starts_again(finished, tmp_path, capsys):
    out = copy_of(finished, tmp_path)
    for name in ("checkpoint.pt", "checkpoint.pt.prev"):
        (out / name).write_bytes(b"garbage")
    interrupted(out)
    summary = train(None, out, resume=True)
    err = capsys.readouterr().err
    assert err.count("is damaged") == 2 and "starting again from epoch 0" in err
    assert summary.status == "completed" and numbers(out) == numbers(finished)


def test_a_damaged_record_is_one_error_naming_it(finished, tmp_path):
    out = copy_of(finished, tmp_path)
    (out / "checkpoints.json").write_text("[{")
    with pytest.raises(RunDirError, match="checkpoints.json: damaged"):
        train(None, out, resume=True, progress=False)


class Payload:
    """A pickle that runs code when loaded: it would create ``marker``."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_a_crafted_pickle_is_refused_even_when_recorded(finished, tmp_path):
    """A folder from elsewhere, its record made to match: torch loads with weights_only=True and refuses
    to call anything, so the marker is never created; the error names the file."""
    out = copy_of(finished, tmp_path)
    marker = tmp_path / "pwned"
    torch.save({"epochs_done": 3, "model": Payload(marker)}, out / "checkpoint.pt")
    assert pickle.loads(pickle.dumps(Payload(marker))) and marker.exists()  # the payload works when unpickled
    marker.unlink()
    record = json.loads((out / "checkpoints.json").read_text())
    record[-1]["sha256"] = sha256_of(out / "checkpoint.pt")
    (out / "checkpoints.json").write_text(json.dumps(record))
    interrupted(out)
    with pytest.raises(CheckpointError, match=r"checkpoint\.pt: cannot be loaded, refused \(UnpicklingError"):
        train(None, out, resume=True, progress=False)
    assert not marker.exists()


def test_a_folder_written_before_the_record_still_resumes(finished, tmp_path):
    out = copy_of(finished, tmp_path)
    (out / "checkpoints.json").unlink()
    (out / "checkpoint.pt.prev").unlink()
    interrupted(out)
    assert train(None, out, resume=True, progress=False).epochs_completed == 3
