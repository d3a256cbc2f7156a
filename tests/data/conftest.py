"""Fixtures for the lrlab.data tests: the real data folder, tiny IDX files, a local HTTP mirror.

No test here touches the network or the user's cache: every test runs with
``LRLAB_DATA_DIR`` unset and ``XDG_CACHE_HOME`` inside its own temporary folder.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import os
import struct
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from lrlab.data.fashion_mnist import clear_caches
from lrlab.data.resources import Resource, ResourceTable

# Read before the autouse fixture below removes it from the environment.
_REAL_DATA_ENV = os.environ.get("LRLAB_DATA_DIR")
_REAL_DATA_FALLBACK = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "fashion-mnist"


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path, monkeypatch):
    """No user data folder, a private cache, and no loads or md5s remembered from another test."""
    monkeypatch.delenv("LRLAB_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    clear_caches()
    yield
    clear_caches()


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    """The real Fashion-MNIST folder: $LRLAB_DATA_DIR, else ../shared/data/fashion-mnist beside the repo."""
    candidate = Path(_REAL_DATA_ENV) if _REAL_DATA_ENV else _REAL_DATA_FALLBACK
    if not candidate.is_dir():
        pytest.skip(
            f"real Fashion-MNIST not found at {candidate}: "
            "set LRLAB_DATA_DIR to a folder with the four official files"
        )
    return candidate.resolve()


def idx_bytes(array: np.ndarray) -> bytes:
    """Valid IDX bytes for a uint8 array of 1 or 3 dimensions."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.tobytes()


def write_file(path: Path, data: bytes, *, gz: bool) -> Path:
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    return path


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


@dataclass
class Tiny:
    """A tiny, valid Fashion-MNIST-like data set: its arrays, gz bytes per file, and a table for them."""

    arrays: dict[str, np.ndarray]
    files: dict[str, bytes] = field(default_factory=dict)
    mirrors: tuple[str, ...] = ()

    NAMES = {
        "train_images": "train-images-idx3-ubyte.gz",
        "train_labels": "train-labels-idx1-ubyte.gz",
        "test_images": "t10k-images-idx3-ubyte.gz",
        "test_labels": "t10k-labels-idx1-ubyte.gz",
    }

    def __post_init__(self):
        for key, array in self.arrays.items():
            self.files[key] = gzip.compress(idx_bytes(array), mtime=0)

    @property
    def table(self) -> ResourceTable:
        files = tuple(
            Resource(key, self.NAMES[key], md5(data), len(data), len(self.arrays[key]))
            for key, data in self.files.items()
        )
        return ResourceTable(files=files, mirrors=self.mirrors)

    def with_mirrors(self, *mirrors: str) -> ResourceTable:
        self.mirrors = mirrors
        return self.table

    def write(self, folder: Path, *, gz: bool = True, keys=None) -> Path:
        """Write the files (gz, or unzipped under the name without .gz) into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        for key in keys or self.files:
            if gz:
                (folder / self.NAMES[key]).write_bytes(self.files[key])
            else:
                (folder / self.NAMES[key].removesuffix(".gz")).write_bytes(idx_bytes(self.arrays[key]))
        return folder


def tiny_arrays(n_train: int = 12, n_test: int = 5, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "train_images": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train_labels": (np.arange(n_train) % 10).astype(np.uint8),
        "test_images": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "test_labels": (np.arange(n_test)[::-1] % 10).astype(np.uint8),
    }


@pytest.fixture
def tiny() -> Tiny:
    return Tiny(tiny_arrays())


@pytest.fixture
def http_mirror():
    """A bounded HTTP server on 127.0.0.1: ``routes[path] = (status, body, declared_length)``.

    ``declared_length`` lets a route announce more bytes than it sends (a cut
    download); -1 sends no length at all (the body ends when the connection
    closes). The server runs in a daemon thread and is shut down after the test.
    """
    routes: dict[str, tuple[int, bytes, int | None]] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        timeout = 5

        def do_GET(self):
            status, body, declared = routes.get(self.path, (404, b"not found", None))
            self.send_response(status)
            if declared != -1:
                self.send_header("Content-Length", str(len(body) if declared is None else declared))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    server.routes = routes
    server.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def dead_url() -> str:
    """A loopback URL where nothing listens (the port was bound, then released)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture
def idx_tools():
    """The helpers above, for tests (conftest modules are not meant to be imported)."""
    from types import SimpleNamespace

    return SimpleNamespace(bytes=idx_bytes, write=write_file, md5=md5, arrays=tiny_arrays, Tiny=Tiny)
