"""The run folder's files: config.json, metrics.jsonl, summary.json and the checkpoint.

Whole files are written atomically (a temporary file beside them, then
``os.replace``), so a run killed at any moment leaves either the old file or the
new one, never half of one. ``metrics.jsonl`` grows by one line per epoch; on
resume it is cut back to the epochs the checkpoint holds.

JSON has no NaN: non-finite numbers (a diverged loss) are written as ``null``.

>>> import tempfile
>>> run = RunDir(tempfile.mkdtemp())
>>> run.append_metrics({"epoch": 0, "train_loss": 0.5})
>>> run.append_metrics({"epoch": 1, "train_loss": float("nan")})
>>> run.read_metrics()
[{'epoch': 0, 'train_loss': 0.5}, {'epoch': 1, 'train_loss': None}]
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from pathlib import Path
from typing import Any, Iterator

CONFIG = "config.json"
METRICS = "metrics.jsonl"
SUMMARY = "summary.json"


class RunDirError(ValueError):
    """The run folder cannot be used as asked (a new run over an old one, a resume without a run)."""


class RunDir:
    """One run's folder (see docs/architecture.md for what each file holds)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"

    def file(self, name: str) -> Path:
        return self.path / name

    def holds_run(self) -> bool:
        return self.file(CONFIG).exists()

    def check_new(self) -> None:
        """Refuse a folder that already holds a run: a new run never overwrites an old one."""
        if self.holds_run():
            raise RunDirError(f"out: {self.path} already holds a run; "
                              f"resume it with --resume {self.path}, or choose another --out")

    def create(self) -> None:
        """Make the folder for a new run, with an empty metrics.jsonl."""
        self.check_new()
        self.path.mkdir(parents=True, exist_ok=True)
        self.file(METRICS).write_text("")

    # -- config.json and summary.json ------------------------------------------------------

    def write_config(self, document: dict[str, Any]) -> None:
        write_json(self.file(CONFIG), document)

    def read_config(self) -> dict[str, Any]:
        if not self.holds_run():
            raise RunDirError(f"resume: {self.path} holds no run (no {CONFIG})")
        return read_json(self.file(CONFIG))

    def write_summary(self, summary: dict[str, Any]) -> None:
        write_json(self.file(SUMMARY), summary)

    def read_summary(self) -> dict[str, Any] | None:
        return read_json(self.file(SUMMARY)) if self.file(SUMMARY).exists() else None

    # -- metrics.jsonl ---------------------------------------------------------------------

    def append_metrics(self, row: dict[str, Any]) -> None:
        with open(self.file(METRICS), "a", encoding="utf-8") as stream:
            stream.write(dumps(row) + "\n")
            stream.flush()
            os.fsync(stream.fileno())

    def read_metrics(self) -> list[dict[str, Any]]:
        """The finished epochs' rows; a last line cut short by a crash is left out."""
        path = self.file(METRICS)
        if not path.exists():
            return []
        lines = path.read_text(encoding="utf-8").split("\n")[:-1]  # only lines that were finished
        return [json.loads(line) for line in lines]

    def truncate_metrics(self, epochs: int) -> list[dict[str, Any]]:
        """Keep the first ``epochs`` rows (the ones the checkpoint holds); return them."""
        rows = self.read_metrics()[:epochs]
        with atomic_path(self.file(METRICS)) as tmp:
            tmp.write_text("".join(dumps(row) + "\n" for row in rows), encoding="utf-8")
        return rows


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(dumps(data, indent=2) + "\n", encoding="utf-8")


def read_json(path: Path) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path to write; it replaces ``path`` only when the block succeeds.

    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "x.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        with open(tmp, "rb") as stream:
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def dumps(data: Any, **options: Any) -> str:
    """Strict JSON (no NaN/Infinity): non-finite floats become null."""
    return json.dumps(_finite(data), allow_nan=False, **options)


def _finite(data: Any) -> Any:
    if isinstance(data, float) and not math.isfinite(data):
        return None
    if isinstance(data, dict):
        return {key: _finite(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [_finite(value) for value in data]
    return data
