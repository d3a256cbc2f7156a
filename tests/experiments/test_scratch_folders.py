"""The Ray task's scratch folders: removed by their task, and the abandoned ones by the next task, never twice."""

from __future__ import annotations

import os
import shutil
import tempfile
import time

import pytest

from lrlab.experiments.executors import ray_task
from lrlab.experiments.executors.ray_task import ABANDONED_AFTER, SCRATCH, remove_abandoned
from lrlab.training.lock import FolderInUse, folder_lock, lock_if_present


@pytest.fixture
def temp(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def scratch(temp, name: str, age: float = ABANDONED_AFTER + 1, lock: bool = True):
    folder = temp / f"{SCRATCH}{name}"
    (folder / "run").mkdir(parents=True)
    (folder / "run" / "metrics.jsonl").write_text("{}\n")
    if lock:
        (folder / ".lock").write_text("1")
    os.utime(folder, (time.time() - age,) * 2)
    return folder


def test_only_old_folders_whose_two_locks_are_free_are_removed(temp):
    abandoned, unlocked = scratch(temp, "dead"), scratch(temp, "never-locked", lock=False)
    recent, live, training = scratch(temp, "new", age=1), scratch(temp, "live"), scratch(temp, "training")
    with folder_lock(live), folder_lock(training / "run"):
        for folder in (live, training):
            os.utime(folder, (time.time() - ABANDONED_AFTER - 1,) * 2)  # locking touched them
        assert sorted(remove_abandoned()) == sorted([abandoned, unlocked])
    assert sorted(temp.iterdir()) == sorted([recent, live, training])


def test_a_task_removes_its_folder_before_it_lets_go_of_its_lock(temp, monkeypatch):
    removed_while_locked, real_rmtree = [], shutil.rmtree

    def rmtree(path, **options):
        with pytest.raises(FolderInUse):
            with lock_if_present(path):
                pass
        removed_while_locked.append(path)
        real_rmtree(path, **options)

    with ray_task._scratch() as folder:
        assert folder.name == "run" and folder.parent.name.startswith(SCRATCH)
        assert remove_abandoned(older_than=0) == []  # locked: however old
        monkeypatch.setattr(ray_task.shutil, "rmtree", rmtree)
    assert removed_while_locked == [folder.parent] and list(temp.iterdir()) == []
