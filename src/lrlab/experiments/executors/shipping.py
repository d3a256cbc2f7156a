"""A run folder's files, shipped between two copies of it: the driver's and a worker's.

A Ray worker on another machine cannot see the driver's disk, so it trains in a folder of its
own. The driver sends the folder as it holds it (:func:`pack`); the worker sends back what
changed (:class:`Watcher`): after every epoch, once that epoch's checkpoint is whole and in the
record of checkpoints (so each shipment is a state the training passed through, and a retry
resumes from it), and once more when the training has ended. :meth:`Files.write_into` writes a
shipment into the driver's folder in the order the training writes them (the metrics before the
checkpoint that holds their epochs, the record of checkpoints before the checkpoints, the summary
last), so that a driver killed mid-way leaves a folder that resumes, at worst from the epoch before.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as driver, tempfile.TemporaryDirectory() as worker:
...     _ = (Path(driver) / "train-config.json").write_text("{}")
...     pack(Path(driver)).write_into(Path(worker))
...     sorted(path.name for path in Path(worker).iterdir())
['train-config.json']
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

from ...runfolder import atomic_path
from ...training.checkpoints import RECORD

LOG = "train.log"
"""The training's output: it stays in the driver's folder, and a worker ships what it appends."""
METRICS = "metrics.jsonl"
SUMMARY = "summary.json"
CHECKPOINT = "checkpoint"
"""The start of every backend's checkpoint name (``checkpoint.pt``, ``checkpoint.npz``, ...)."""


@dataclasses.dataclass(frozen=True)
class Files:
    """Files of a run folder: ``whole`` (name -> bytes) replace the other copy's, ``log`` is
    appended to its ``train.log``.

    >>> bool(Files()), bool(Files(log=b"epoch 0: ...\\n"))
    (False, True)
    """

    whole: dict[str, bytes] = dataclasses.field(default_factory=dict)
    log: bytes = b""

    def __bool__(self) -> bool:
        return bool(self.whole or self.log)

    def write_into(self, folder: Path) -> None:
        """Write these files into ``folder``, each atomically, in :func:`write_order`."""
        folder.mkdir(parents=True, exist_ok=True)
        for name in sorted(self.whole, key=write_order):
            with atomic_path(folder / name) as tmp:
                tmp.write_bytes(self.whole[name])
        if self.log:
            with open(folder / LOG, "ab") as stream:
                stream.write(self.log)

    def epochs(self) -> int:
        """The epochs of the newest checkpoint these files record (0: none).

        >>> Files({RECORD: b'[{"sha256": "ab", "epochs_done": 2}]'}).epochs()
        2
        """
        record = self.whole.get(RECORD)
        return json.loads(record)[-1]["epochs_done"] if record else 0


def write_order(name: str) -> tuple[int, str]:
    """The order the training writes its files in: the metrics (a resume cuts rows beyond its
    checkpoint, but cannot make up rows it lacks), the record of checkpoints, the previous
    checkpoint, the newest, the rest, the summary last.

    >>> sorted(["summary.json", "checkpoint.pt", "metrics.jsonl", "checkpoint.pt.prev", RECORD], key=write_order)
    ['metrics.jsonl', 'checkpoints.json', 'checkpoint.pt.prev', 'checkpoint.pt', 'summary.json']
    """
    rank = (0 if name == METRICS else 1 if name == RECORD
            else 2 if name.startswith(CHECKPOINT) and name.endswith(".prev")
            else 3 if name.startswith(CHECKPOINT) else 5 if name == SUMMARY else 4)
    return rank, name


def pack(folder: Path) -> Files:
    """Every file of a run folder but its log (it stays with the driver) and hidden temporary files;
    one that a running training renames or removes meanwhile (a checkpoint becoming ``.prev``) is left
    out: :meth:`Watcher.epoch` then finds the state incomplete and looks again."""
    files = {}
    for path in sorted(folder.iterdir()):
        if not path.name.startswith(".") and path.name != LOG and path.is_file():
            data = _read(path)
            if data is not None:
                files[path.name] = data
    return Files(files)


class Watcher:
    """What changed in a worker's run folder since the last shipment (at first: the files the
    driver sent, ``sent``).

    :meth:`epoch` ships only a consistent state: a newer checkpoint than the last shipped, whose
    sha256 the record holds, read with the record unchanged before and after, and the metrics
    cut to the rows that checkpoint holds. :meth:`rest` ships everything that changed, at the end.
    """

    def __init__(self, folder: Path, sent: Files, shown_as: str | None = None) -> None:
        self.folder, self.shown_as = folder, shown_as
        self.known = {name: _digest(data) for name, data in sent.whole.items()}
        self.shipped_epochs = sent.epochs()
        self.log_offset = 0

    def epoch(self) -> Files | None:
        """The changed files once a newer epoch is checkpointed; None until then."""
        record = _read(self.folder / RECORD)
        if record is None or _newest(record)["epochs_done"] <= self.shipped_epochs:
            return None
        files = pack(self.folder).whole
        newest = _newest(record)
        checkpoints = [data for name, data in files.items() if _is_newest_checkpoint(name)]
        if (_read(self.folder / RECORD) != record or files.get(RECORD) != record
                or [_digest(data) for data in checkpoints] != [newest["sha256"]]):
            return None  # caught between two writes of the training: try again at the next look
        files[METRICS] = _first_lines(files.get(METRICS, b""), newest["epochs_done"])
        self.shipped_epochs = newest["epochs_done"]
        return self._changed(files, self._log(complete_lines=True))

    def rest(self) -> Files:
        """Everything that changed since the last shipment, as it is now (the training has ended)."""
        return self._changed(pack(self.folder).whole, self._log(complete_lines=False))

    def _changed(self, files: dict[str, bytes], log: bytes) -> Files:
        changed = {name: data for name, data in files.items() if self.known.get(name) != _digest(data)}
        self.known.update((name, _digest(data)) for name, data in changed.items())
        return Files(changed, log)

    def _log(self, complete_lines: bool) -> bytes:
        data = (_read(self.folder / LOG) or b"")[self.log_offset:]
        if complete_lines:
            data = data[:data.rfind(b"\n") + 1]
        self.log_offset += len(data)
        if self.shown_as is None:
            return data
        return data.replace(str(self.folder).encode(), self.shown_as.encode())


def _is_newest_checkpoint(name: str) -> bool:
    return name.startswith(CHECKPOINT + ".") and not name.endswith((".prev", ".damaged")) and name != RECORD


def _newest(record: bytes) -> dict:
    return json.loads(record)[-1]


def _first_lines(data: bytes, count: int) -> bytes:
    """The first ``count`` lines of ``data``.

    >>> _first_lines(b"a\\nb\\nc", 2)
    b'a\\nb\\n'
    """
    return b"".join(data.splitlines(keepends=True)[:count])


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()

