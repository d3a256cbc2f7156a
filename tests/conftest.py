"""Shared test setup: the real Fashion-MNIST folder, and small training configs.

``LRLAB_DATA_DIR`` defaults to ``../shared/data/fashion-mnist`` beside the
repository (the real files, for development and CI); set it to use another folder.
Tests that train depend on the ``fashion_mnist`` fixture, so they skip with a
reason when the data is not there instead of trying to download it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("LRLAB_DATA_DIR", str(REPO.parent / "shared" / "data" / "fashion-mnist"))

# One thread: on a shared 2-core machine two busy threads wait on each other (6x slower
# than one, measured); Keras's and MXNet's numbers are reproducible per thread count only.
# device="cpu": the same numbers and code paths on a machine with a GPU (the default, auto, would take it).
TINY = dict(schedule="constant(0.1)", epochs=1, train_subset=1000, test_subset=500, batch_size=100, threads=1,
            device="cpu")
"""A run of 10 updates an epoch on real data: well under a second an epoch."""


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory):
    """The session's own user cache (``XDG_CACHE_HOME``), for this process and the trainings it
    starts: the decoded copies of the data (:mod:`lrlab.data.decoded`) never go to the user's."""
    previous = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if previous is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = previous


@pytest.fixture(scope="session")
def fashion_mnist():
    """The real Fashion-MNIST (loaded once per process, never downloaded)."""
    from lrlab.data import load_fashion_mnist

    folder = Path(os.environ["LRLAB_DATA_DIR"])
    if not folder.is_dir():
        pytest.skip(f"real Fashion-MNIST not found at {folder}: set LRLAB_DATA_DIR to a folder with the four files")
    return load_fashion_mnist(download=False)


@pytest.fixture
def tiny_config(fashion_mnist):
    """A factory of small real-data TrainConfigs: ``tiny_config(epochs=2, unit="step")``.

    >>> config = tiny_config(schedule="cosine(max_update=3, base_lr=0.1)")  # doctest: +SKIP
    """
    from lrlab.training.config import TrainConfig

    def make(**overrides) -> TrainConfig:
        return TrainConfig(**(TINY | overrides))

    return make


TIMING = ("epoch_seconds", "examples_per_second")


@pytest.fixture
def metric_numbers():
    """``metric_numbers(run_folder)``: metrics.jsonl without the timings, what must be equal
    bitwise between two runs of the same config."""
    from lrlab.runfolder import RunDir

    def numbers(out) -> list[dict]:
        return [{k: v for k, v in row.to_dict().items() if k not in TIMING} for row in RunDir(out).read_metrics()]

    return numbers


@pytest.fixture
def straight_and_resumed(tmp_path, monkeypatch):
    """``straight_and_resumed(config, backend_class)`` trains ``config`` (2 epochs or more) into
    ``tmp_path/"straight"``, and again into ``tmp_path/"resumed"`` stopped by Ctrl-C at the third
    update of epoch 1, then resumed. Returns the straight summary, the summary written at the
    interrupt, and the resumed summary."""
    from lrlab.runfolder import RunDir
    from lrlab.training.loop import train

    def run(config, backend_class):
        straight = train(config, tmp_path / "straight", progress=False)
        real_train_epoch = backend_class.train_epoch

        def interrupted_in_epoch_1(self, epoch, order, on_batch):
            def batch_done(count=[0]):
                count[0] += 1
                if epoch == 1 and count[0] == 3:
                    raise KeyboardInterrupt  # as Ctrl-C would, mid-epoch
                on_batch()
            return real_train_epoch(self, epoch, order, batch_done)

        with monkeypatch.context() as patch:
            patch.setattr(backend_class, "train_epoch", interrupted_in_epoch_1)
            with pytest.raises(KeyboardInterrupt):
                train(config, tmp_path / "resumed", progress=False)
        stopped = RunDir(tmp_path / "resumed").read_summary()
        resumed = train(None, tmp_path / "resumed", resume=True, progress=False)
        return straight, stopped, resumed

    return run


SCHEDULE_MODULE = '''
from lrlab.schedules import Schedule, register
from lrlab.schedules.params import param, positive, rate

@register("inverse_square_{tag}")
class InverseSquare(Schedule):
    """lr(t) = base_lr / (1 + decay * t) ** 2"""
    base_lr: float = param(rate)
    decay: float = param(positive, 0.1)

    def value(self, t, xp):
        return self.base_lr / (1.0 + self.decay * t) ** 2
'''


@pytest.fixture
def lrlab_run(tmp_path, fashion_mnist):
    """Run an experiment file's text as a user would, ``lrlab run FILE ARGS...`` in a process of its
    own from ``tmp_path``; returns its run folder (``tmp_path/runs/<stem>``) once it exited 0."""
    import subprocess

    def run(name: str, text: str, *arguments: str, timeout: float = 600) -> Path:
        path = tmp_path / f"{name}.toml"
        path.write_text(text)
        done = subprocess.run([sys.executable, "-m", "lrlab", "run", str(path), *arguments],
                              cwd=tmp_path, capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, done.stdout + done.stderr
        return tmp_path / "runs" / name

    return run


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    """A module of the user's, on the import path of this process and of its children, that
    registers the schedule ``inverse_square_<tag>``; yields (module name, schedule name), and
    leaves this process's schedule registry and modules as it found them."""
    from lrlab.schedules.base import REGISTRY

    tag = tmp_path.name.replace("-", "_").lower()
    folder = tmp_path / "user"
    folder.mkdir()
    (folder / f"my_schedules_{tag}.py").write_text(SCHEDULE_MODULE.format(tag=tag))
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.setenv("PYTHONPATH", f"{folder}:{':'.join(sys.path)}")
    yield f"my_schedules_{tag}", f"inverse_square_{tag}"
    REGISTRY.pop(f"inverse_square_{tag}", None)
    sys.modules.pop(f"my_schedules_{tag}", None)
