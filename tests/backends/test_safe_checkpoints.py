"""A checkpoint from elsewhere cannot run code: a crafted pickle is refused by every backend's load,
even when the run's record of checkpoints is made to match it (torch: tests/training/test_checkpoints.py).

Keras's checkpoint is a NumPy archive read without ``allow_pickle``; MXNet's holds the Trainer's states,
a pickle, checked by :mod:`lrlab.backends.safe_pickle` before MXNet loads it (the MXNet test runs in the
MXNet environment only, ``bash scripts/mxnet-env.sh``).
"""

from __future__ import annotations

import json
import pickle
import zipfile

import numpy as np
import pytest

from lrlab.runfolder import RunDir
from lrlab.training.checkpoints import CheckpointError, sha256_of
from lrlab.training.loop import train


class Payload:
    """Creates ``marker`` when unpickled (code run by loading)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def record_and_interrupt(out, checkpoint) -> None:
    """Make the folder's record trust ``checkpoint`` and mark the run as one to resume."""
    record = json.loads((out / "checkpoints.json").read_text())
    record[-1]["sha256"] = sha256_of(checkpoint)
    (out / "checkpoints.json").write_text(json.dumps(record))
    summary = json.loads((out / "summary.json").read_text()) | {"status": "interrupted"}
    (out / "summary.json").write_text(json.dumps(summary))


def test_the_payload_runs_code_when_unpickled(tmp_path):
    pickle.loads(pickle.dumps(Payload(tmp_path / "marker"))).close()
    assert (tmp_path / "marker").exists()


def test_keras_refuses_a_pickled_array(tiny_config, tmp_path):
    pytest.importorskip("keras")
    out = tmp_path / "run"
    train(tiny_config(backend="keras"), out, progress=False)
    marker = tmp_path / "marker"
    checkpoint = out / "checkpoint.npz"
    with np.load(checkpoint) as archive:
        arrays = dict(archive)
    arrays["model/0"] = np.array([Payload(marker)], dtype=object)  # np.savez pickles an object array
    np.savez(checkpoint, **arrays)
    record_and_interrupt(out, checkpoint)
    with pytest.raises(CheckpointError, match=r"checkpoint\.npz: cannot be loaded, refused \(ValueError: "
                                              r"Object arrays cannot be loaded when allow_pickle=False"):
        train(None, out, resume=True, progress=False)
    assert not marker.exists()


def test_mxnet_refuses_trainer_states_that_name_code(tiny_config, tmp_path):
    pytest.importorskip("mxnet")
    out = tmp_path / "run"
    train(tiny_config(backend="mxnet", momentum=0.9), out, progress=False)
    marker = tmp_path / "marker"
    checkpoint = out / "checkpoint.mxnet.zip"
    with zipfile.ZipFile(checkpoint) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["trainer"] = pickle.dumps((Payload(marker), None))
    with zipfile.ZipFile(checkpoint, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    record_and_interrupt(out, checkpoint)
    with pytest.raises(CheckpointError, match=r"refused \(UnsafePickle: refused: the pickle names .*open"):
        train(None, out, resume=True, progress=False)
    assert not marker.exists()
    assert RunDir(out).read_summary().status == "interrupted"
