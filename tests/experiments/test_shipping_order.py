"""A driver killed while it writes a worker's shipment into its folder leaves a folder that resumes,
whichever file the kill came before: the shipment is written in the order the training writes its
files (the metrics before the checkpoint that holds their epochs)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from contextlib import contextmanager

import pytest

from lrlab.cli import main
from lrlab.experiments.executors import shipping
from lrlab.runfolder import atomic_path
from lrlab.training.killpoints import ENV as KILL_AT

TINY = ["--schedule", "constant(0.1)", "--epochs", "2", "--train-subset", "1000", "--test-subset", "500",
        "--batch-size", "100", "--threads", "1"]


SHIPPED = ["checkpoint.pt", "checkpoint.pt.prev", "checkpoints.json", "metrics.jsonl", "summary.json"]
"""What changes in an epoch after the first (the configs, written at the start, do not)."""


class Killed(BaseException):
    """The driver's SIGKILL, as far as the files it leaves are concerned."""


@pytest.fixture(scope="module")
def shipments(tmp_path_factory, fashion_mnist):
    """A worker's folder after its first epoch as the driver holds it (the first shipment written),
    and the shipment of its second epoch."""
    worker, driver = tmp_path_factory.mktemp("worker") / "run", tmp_path_factory.mktemp("driver") / "run"
    subprocess.run([sys.executable, "-m", "lrlab", "train", *TINY, "--out", str(worker)],  # ends after epoch 1's row
                   env={**os.environ, KILL_AT: "after-row:1"}, capture_output=True, timeout=300)
    watcher = shipping.Watcher(worker, shipping.Files())
    first = watcher.epoch()
    assert first is not None and first.epochs() == 1, sorted(worker.iterdir())
    first.write_into(driver)
    assert main(["train", "--resume", str(worker)]) == 0
    second = watcher.epoch()
    assert second is not None and second.epochs() == 2
    assert sorted(second.whole) == SHIPPED
    return driver, second


def test_the_metrics_are_written_before_the_checkpoints():
    order = sorted(SHIPPED, key=shipping.write_order)
    assert order == ["metrics.jsonl", "checkpoints.json", "checkpoint.pt.prev", "checkpoint.pt", "summary.json"]


@pytest.mark.parametrize("written", range(len(SHIPPED)))
def test_a_driver_killed_mid_shipment_leaves_a_folder_that_resumes(shipments, tmp_path, monkeypatch, written, capsys):
    template, shipment = shipments
    driver = tmp_path / "run"
    shutil.copytree(template, driver)
    monkeypatch.setattr(shipping, "atomic_path", _killed_after(written))
    with pytest.raises(Killed):
        shipment.write_into(driver)
    monkeypatch.undo()
    assert main(["train", "--resume", str(driver)]) == 0, capsys.readouterr().err
    summary = json.loads((driver / "summary.json").read_text())
    assert summary["epochs_completed"] == 2
    assert len((driver / "metrics.jsonl").read_text().splitlines()) == 2


def _killed_after(files: int):
    """``atomic_path`` that writes ``files`` files whole, then is killed before the next."""
    written = 0

    @contextmanager
    def killable(path):
        nonlocal written
        if written == files:
            raise Killed(path)
        written += 1
        with atomic_path(path) as tmp:
            yield tmp
    return killable
