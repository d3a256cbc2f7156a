"""One training run's folder: its files, their schema and the only code that reads or writes them.

``lrlab train`` writes the folder; ``lrlab run`` polls and settles it; ``lrlab report``
reads it. This module is standard library only and imports nothing from lrlab, so every
layer can use it (docs/architecture.md describes each file):

- ``config.json``: the run's settings, with ``schema_version`` (:data:`SCHEMA_VERSION`;
  a folder written before there was one is version 0 and still reads);
- ``metrics.jsonl``: one :class:`MetricsRow` per finished epoch;
- ``summary.json``: a :class:`Summary`, whose status is a :class:`Status`.

Whole files are written atomically (a temporary file beside them, then ``os.replace``),
so a run killed at any moment leaves either the old file or the new one, never half of
one. ``metrics.jsonl`` grows by one line per epoch; on resume it is cut back to the
epochs the checkpoint holds. JSON has no NaN: non-finite numbers (a diverged loss) are
written as ``null`` and read back as None.

>>> import tempfile
>>> run = RunDir(tempfile.mkdtemp())
>>> run.append_metrics(MetricsRow(0, 0.3, 0.3, train_loss=0.5, train_acc=0.8, test_acc=0.8, test_loss=0.6))
>>> run.append_metrics(MetricsRow(1, 0.3, 0.3, train_loss=float("nan"), train_acc=0.1, test_acc=0.1))
>>> [(row.epoch, row.train_loss, row.test_loss) for row in run.read_metrics()]
[(0, 0.5, 0.6), (1, None, None)]
>>> run.status()
<Status.PENDING: 'pending'>
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import errno
import json
import math
import os
from pathlib import Path
from typing import Any, Iterator, Mapping

SCHEMA_VERSION = 1
"""The layout written now. 1: ``schema_version`` in config.json, ``test_loss`` in every metrics row;
0 (no ``schema_version``): the folders written before, without ``test_loss``."""

CONFIG = "config.json"
METRICS_FILE = "metrics.jsonl"
SUMMARY = "summary.json"

METRICS = ("train_loss", "train_acc", "test_loss", "test_acc")
"""The numbers a run measures after every epoch, and its summary's ``final`` holds."""

CALIBRATION_METRICS = ("test_brier", "test_ece")
"""How well the test predictions' probabilities are calibrated, measured with :data:`METRICS` after every
epoch and in ``final`` too (None in a folder written before they were): the Brier score and the
expected calibration error over 15 bins (:mod:`lrlab.metrics`). The test NLL is ``test_loss``."""

POSTERIOR_METRICS = ("posterior_samples", "posterior_acc", "posterior_nll", "posterior_brier", "posterior_ece")
"""A run that collects parameter samples (the torch backend's ``samples`` setting): the count of samples
kept and the test metrics of their averaged predicted probabilities (the posterior predictive). In a
metrics row and in ``final`` only when the run collects samples (the count is 0 before the first)."""


class RunDirError(ValueError):
    """The run folder cannot be used as asked (a new run over an old one, a resume without a run,
    a file this version cannot read)."""


class Status(str, enum.Enum):
    """Where a run stands, as ``summary.json`` spells it (a ``str``: it compares and serialises as one).

    >>> Status("diverged") == "diverged", Status.DIVERGED.finished, Status.STUCK.finished, f"{Status.RUNNING}"
    (True, True, True, 'running')
    >>> Status.STOPPED.finished, Status.INTERRUPTED.finished
    (True, False)
    """

    PENDING = "pending"
    """Not started: the folder has no summary yet."""
    RUNNING = "running"
    COMPLETED = "completed"
    DIVERGED = "diverged"
    STUCK = "stuck"
    """Trained every epoch, but its train loss stayed at chance level (ln of the classes) to the end:
    a result, not a failure (see ``lrlab.training.loop.stuck_at_chance``)."""
    STOPPED = "stopped"
    """Stopped as asked before its last epoch (``lrlab train --until K``; ``lrlab run``'s successive halving
    stops the runs a rung does not promote): neither a failure nor a final result. ``--resume`` continues it."""
    INTERRUPTED = "interrupted"
    FAILED = "failed"

    def __str__(self) -> str:
        return self.value

    __format__ = str.__format__  # f"{status}" is its value on every Python version

    @property
    def finished(self) -> bool:
        """Nothing left to train: completed, diverged or stuck (training further would not help), or
        stopped (as asked: only whoever stopped it continues it)."""
        return self in FINISHED


FINISHED = frozenset({Status.COMPLETED, Status.DIVERGED, Status.STUCK, Status.STOPPED})


@dataclasses.dataclass(frozen=True)
class MetricsRow:
    """One line of ``metrics.jsonl``: one finished epoch.

    ``lr`` and ``lr_last`` are the rates of the epoch's first and last update; the
    losses are None where they were not finite (written as null), ``test_loss`` also
    in a folder of schema version 0; ``epoch_seconds`` times training only.

    >>> row = MetricsRow.from_dict({"epoch": 0, "lr": 0.1, "lr_last": 0.1, "train_loss": 1.0,
    ...                             "train_acc": 0.6, "test_acc": 0.7, "epoch_seconds": 2.0,
    ...                             "examples_per_second": 500.0})
    >>> row.test_loss is None, MetricsRow.from_dict(row.to_dict()) == row
    (True, True)
    """

    epoch: int
    lr: float
    lr_last: float
    train_loss: float | None
    train_acc: float
    test_acc: float
    test_loss: float | None = None
    epoch_seconds: float | None = None
    examples_per_second: float | None = None
    test_brier: float | None = None
    test_ece: float | None = None
    posterior_samples: int | None = None
    posterior_acc: float | None = None
    posterior_nll: float | None = None
    posterior_brier: float | None = None
    posterior_ece: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The row as written; the :data:`POSTERIOR_METRICS` only for a run that collects samples."""
        row = dataclasses.asdict(self)
        return row if self.posterior_samples is not None else \
            {key: value for key, value in row.items() if key not in POSTERIOR_METRICS}

    @property
    def final(self) -> dict[str, Any]:
        """The numbers a summary's ``final`` takes from this row (the last one)."""
        names = METRICS + CALIBRATION_METRICS + (POSTERIOR_METRICS if self.posterior_samples is not None else ())
        return {name: getattr(self, name) for name in names}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "MetricsRow":
        """A row as written by any schema version; keys this version does not know are left out."""
        return cls(**{name: data[name] for name in _FIELDS[cls] if name in data})


@dataclasses.dataclass(frozen=True)
class Summary:
    """``summary.json``: the run's status and its numbers so far.

    ``epochs_completed`` is the epochs the checkpoint holds (for a diverged run, with the
    epoch whose loss was not finite); ``final`` holds :data:`METRICS` and :data:`CALIBRATION_METRICS`
    (and :data:`POSTERIOR_METRICS`, for a run that collects samples) after the last of
    them (None before the first; a value None where it was not finite or not measured);
    ``wall_seconds`` adds up over resumes. ``calibration`` (None until a run ends, and in folders
    written before it existed) holds, after the last epoch, the test predictions' reliability bins
    and temperature scaling's result (``lrlab.training.calibration`` writes it).

    >>> summary = Summary(Status.COMPLETED, 30, 30, {"train_loss": 0.15, "test_acc": 0.88}, "trained 30 epochs", 61.5)
    >>> summary.final
    {'train_loss': 0.15, 'train_acc': None, 'test_loss': None, 'test_acc': 0.88, 'test_brier': None, 'test_ece': None}
    >>> Summary.from_dict(summary.to_dict()) == summary
    True
    """

    status: Status
    epochs_completed: int
    epochs: int
    final: dict[str, float | None] | None
    message: str
    wall_seconds: float = 0.0
    calibration: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", Status(self.status))
        if self.final is not None:
            names = METRICS + CALIBRATION_METRICS + tuple(name for name in POSTERIOR_METRICS if name in self.final)
            object.__setattr__(self, "final", {name: self.final.get(name) for name in names})

    @classmethod
    def of_rows(cls, status: Status, rows: list[MetricsRow], epochs: int, message: str,
                wall_seconds: float, calibration: dict[str, Any] | None = None) -> "Summary":
        """The summary of a run whose finished epochs are ``rows``: ``final`` is the last row's numbers."""
        return cls(status, len(rows), epochs, rows[-1].final if rows else None, message, wall_seconds, calibration)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self) | {"status": self.status.value}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Summary":
        return cls(**{name: data[name] for name in _FIELDS[cls] if name in data})


_FIELDS = {kind: tuple(field.name for field in dataclasses.fields(kind)) for kind in (MetricsRow, Summary)}


class RunDir:
    """One run's folder (see the module docstring for what each file holds)."""

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
        self.file(METRICS_FILE).write_text("")

    # -- config.json -----------------------------------------------------------------------

    def write_config(self, document: dict[str, Any]) -> None:
        """Write ``document`` (the run's settings) as config.json, marked with this :data:`SCHEMA_VERSION`."""
        write_json(self.file(CONFIG), {"schema_version": SCHEMA_VERSION} | document)

    def read_config(self) -> dict[str, Any]:
        """config.json as written; ``schema_version`` is 0 for a folder from before it existed."""
        if not self.holds_run():
            raise RunDirError(f"resume: {self.path} holds no run (no {CONFIG})")
        document = read_json(self.file(CONFIG))
        version = document.setdefault("schema_version", 0)
        if not isinstance(version, int) or not 0 <= version <= SCHEMA_VERSION:
            raise RunDirError(f"{self.file(CONFIG)}: schema_version {version!r} is newer than this lrlab "
                              f"reads (up to {SCHEMA_VERSION}); upgrade lrlab")
        return document

    # -- summary.json ----------------------------------------------------------------------

    def write_summary(self, summary: Summary) -> None:
        write_json(self.file(SUMMARY), summary.to_dict())

    def read_summary(self) -> Summary | None:
        """The summary, or None before the run has written one."""
        path = self.file(SUMMARY)
        return Summary.from_dict(read_json(path)) if path.exists() else None

    def status(self) -> Status:
        """The summary's status; ``pending`` before there is a summary."""
        summary = self.read_summary()
        return summary.status if summary else Status.PENDING

    # -- metrics.jsonl ---------------------------------------------------------------------

    def append_metrics(self, row: MetricsRow) -> None:
        """Add a line; one cut short (a full disk, a kill) is never read, and resuming rewrites the file."""
        try:
            with open(self.file(METRICS_FILE), "a", encoding="utf-8") as stream:
                stream.write(dumps(row.to_dict()) + "\n")
                stream.flush()
                os.fsync(stream.fileno())
        except OSError as error:
            raise _naming(error, self.file(METRICS_FILE)) from None

    def read_metrics(self) -> list[MetricsRow]:
        """The finished epochs' rows; a last line cut short by a crash is left out."""
        try:
            text = self.file(METRICS_FILE).read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        lines = text.split("\n")[:-1]  # only lines that were finished
        return [self._row(line, number) for number, line in enumerate(lines, 1) if line.strip()]

    def _row(self, line: str, number: int) -> MetricsRow:
        try:
            return MetricsRow.from_dict(json.loads(line))
        except (ValueError, TypeError):
            raise RunDirError(f"{self.file(METRICS_FILE)}: line {number} is damaged, not a metrics row "
                              f"lrlab wrote: {line[:60]!r}") from None

    def truncate_metrics(self, epochs: int) -> list[MetricsRow]:
        """Keep the first ``epochs`` rows (the ones the checkpoint holds); return them."""
        rows = self.read_metrics()[:epochs]
        with atomic_path(self.file(METRICS_FILE)) as tmp:
            tmp.write_text("".join(dumps(row.to_dict()) + "\n" for row in rows), encoding="utf-8")
        return rows


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(dumps(data, indent=2) + "\n", encoding="utf-8")


def read_json(path: Path) -> Any:
    """The JSON in ``path``; :class:`RunDirError` naming it if it is damaged (not JSON, not UTF-8)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError both are
        raise RunDirError(f"{path}: damaged, not a JSON file lrlab wrote ({error})") from None


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
    except OSError as error:
        raise _naming(error, path) from None
    finally:
        tmp.unlink(missing_ok=True)


WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM}
"""What stops a write that the user can fix: a full disk or quota, a file-size limit, a read-only
or forbidden folder."""


def cannot_write(error: OSError) -> str | None:
    """The one line the CLI prints for a write the user can fix (:data:`WRITE_ERRORS`); None for others.

    >>> cannot_write(OSError(errno.ENOSPC, "No space left on device", "runs/a/checkpoint.pt"))
    'cannot write runs/a/checkpoint.pt: No space left on device'
    >>> cannot_write(OSError(errno.EIO, "Input/output error")) is None
    True
    """
    if error.errno not in WRITE_ERRORS:
        return None
    return f"cannot write {error.filename or 'a file'}: {error.strerror or os.strerror(error.errno)}"


def _naming(error: OSError, path: Path) -> OSError:
    """``error`` with ``path`` as its file name when it has none (a write, not an open, failed)."""
    return error if error.filename else OSError(error.errno, error.strerror, str(path))


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
