"""A fake run folder, as ``lrlab run`` writes it, with known numbers (no training)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lrlab.schedules import parse

EPOCHS = 4


def seed_folder(folder: Path, schedule: str, seed: int, *, status: str = "completed", epochs: int = EPOCHS,
                loss0: float = 1.0, unit: str = "epoch", test_loss: bool = True) -> None:
    """One ``lrlab train`` folder whose metrics follow a simple rule: loss0 / (epoch + 1) + seed / 100
    (the test loss 1.2 times the train loss's first term); ``test_loss=False`` writes a folder as
    lrlab did before it measured the test loss (schema version 0: no test_loss, no schema_version)."""
    folder.mkdir(parents=True)
    config = {"schedule": schedule, "epochs": EPOCHS, "unit": unit, "backend": "torch", "seed": seed, "batch_size": 256,
              "momentum": 0.0, "weight_decay": 0.0, "model": "lenet", "train_subset": 1000, "test_subset": 200,
              "data_dir": None, "threads": 1}
    (folder / "config.json").write_text(json.dumps(({"schema_version": 1} if test_loss else {}) | {
        "config": config, "schedule": parse(schedule).to_dict(), "updates_per_epoch": 4,
        "versions": {"python": "3.11", "lrlab": "0.1.0", "numpy": "2.0", "torch": "2.13.0"}, "clock_warning": None}))
    rows = [{"epoch": e, "lr": parse(schedule)(e), "lr_last": parse(schedule)(e),
             "train_loss": loss0 / (e + 1) + seed / 100, "train_acc": 0.5 + e / 10 + seed / 100,
             "test_acc": 0.4 + e / 10 + seed / 100, "epoch_seconds": 1.0, "examples_per_second": 1000.0}
            | ({"test_loss": 1.2 * loss0 / (e + 1) + seed / 100} if test_loss else {})
            for e in range(epochs)]
    (folder / "metrics.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    final = {k: rows[-1][k] for k in ("train_loss", "train_acc", "test_loss", "test_acc") if k in rows[-1]} if rows else None
    (folder / "summary.json").write_text(json.dumps({"status": status, "epochs_completed": epochs, "epochs": EPOCHS,
                                                    "final": final, "message": "", "wall_seconds": 1.0}))


@pytest.fixture
def make_seed_folder():
    """:func:`seed_folder`, for tests (conftest modules are not meant to be imported)."""
    return seed_folder


@pytest.fixture
def run_folder(tmp_path) -> Path:
    """Two runs x two seeds: "fast" (loss 1/(e+1)), "slow" (2/(e+1)); "fast" has book numbers."""
    out = tmp_path / "runs" / "demo"
    runs = []
    for name, schedule, loss0 in (("fast", "constant(0.3)", 1.0), ("slow", "cosine(max_update=3, base_lr=0.1)", 2.0)):
        seeds = []
        for seed in (0, 1):
            seed_folder(out / name / f"seed-{seed}", schedule, seed, loss0=loss0)
            seeds.append({"seed": seed, "folder": f"{name}/seed-{seed}", "status": "completed"})
        runs.append({"name": name, "label": name.upper(), "schedule": schedule, "backend": "torch",
                     "book": {"torch": {"train_loss": 0.145, "test_acc": 0.877}} if name == "fast" else {},
                     "seeds": seeds})
    (out / "index.json").write_text(json.dumps({"title": "Demo", "description": "two runs", "quick": True, "runs": runs}))
    return out
