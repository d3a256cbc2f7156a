"""A run folder that cannot be written (a full disk, a file-size limit, a read-only folder): one line,
exit status 2, no traceback, and nothing half-written left that a resume would trust."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from lrlab.cli import main
from lrlab.runfolder import RunDir, Status

TINY = ["--schedule", "constant(0.1)", "--epochs", "2", "--train-subset", "1000", "--test-subset", "500",
        "--batch-size", "100", "--threads", "1"]


def one_line_error(err: str, *needles: str) -> None:
    assert err.count("\n") == 1 and err.startswith("lrlab train: error: cannot write ") and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err


def nothing_half_written(out: Path) -> None:
    """No temporary file is left, and what is left is either whole or absent."""
    assert not list(out.glob(".*.tmp"))
    summary = RunDir(out).read_summary()
    assert summary is None or summary.status in (Status.FAILED, Status.RUNNING)
    assert not (out / "checkpoint.pt").exists()


def file_size_limit(size: int):
    """For a child process: writes past ``size`` bytes fail with EFBIG (SIGXFSZ ignored, so the write
    returns the error instead of killing the process)."""
    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    return limit


@pytest.mark.processes
def test_a_file_size_limit_is_one_line_and_a_resume_without_it_completes(tmp_path, fashion_mnist, capsys):
    out = tmp_path / "run"
    done = subprocess.run([sys.executable, "-m", "lrlab", "train", *TINY, "--out", str(out)],
                          preexec_fn=file_size_limit(100_000),  # config and metrics fit; a LeNet checkpoint does not
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    one_line_error(done.stderr, f"{out / 'checkpoint.pt'}: File too large")
    nothing_half_written(out)
    assert RunDir(out).read_summary().status is Status.FAILED
    assert main(["train", "--resume", str(out)]) == 0  # starts again from epoch 0: nothing to trust
    assert len(RunDir(out).read_metrics()) == 2


@contextlib.contextmanager
def small_filesystem(folder: Path, size: str):
    """A tmpfs of ``size`` at ``folder``: needs root and the right to mount (skips otherwise)."""
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small filesystem needs root; the file-size limit test covers a full disk")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def test_a_full_disk_is_one_line_and_leaves_nothing_half_written(tmp_path, fashion_mnist, capsys):
    with small_filesystem(tmp_path / "disk", "200k") as disk:
        out = disk / "run"
        assert main(["train", *TINY, "--out", str(out)]) == 2
        one_line_error(capsys.readouterr().err, "No space left on device")
        nothing_half_written(out)


def test_a_read_only_folder_is_one_line(tmp_path, fashion_mnist, capsys):
    out = tmp_path / "run"
    assert main(["train", *TINY[:2], "--epochs", "1", *TINY[4:], "--out", str(out)]) == 0
    capsys.readouterr()
    if os.geteuid() == 0:  # root writes through permissions: make the folder a read-only filesystem instead
        with small_filesystem(tmp_path / "ro", "1m") as ro:
            subprocess.run(["cp", "-a", str(out), str(ro)], check=True)
            subprocess.run(["mount", "-o", "remount,ro", str(ro)], check=True)
            assert main(["train", "--resume", str(ro / "run")]) == 2
            one_line_error(capsys.readouterr().err, "Read-only file system")
            assert main(["train", *TINY, "--out", str(ro / "new")]) == 2
            one_line_error(capsys.readouterr().err, str(ro / "new"))
            experiment = tmp_path / "e.toml"
            experiment.write_text('[[runs]]\nname = "a"\nschedule = "constant(0.1)"\n')
            assert main(["run", str(experiment), "--out", str(ro / "experiment")]) == 2
            err = capsys.readouterr().err
            assert err == f"lrlab run: error: cannot write {ro / 'experiment'}: Read-only file system\n", err
        return
    out.chmod(0o555)
    try:
        assert main(["train", "--resume", str(out)]) == 2
        one_line_error(capsys.readouterr().err, "Permission denied")
    finally:
        out.chmod(0o755)
