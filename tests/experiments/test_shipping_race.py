"""A worker's run folder is read while its training writes it: a file gone between the listing and the read is left out."""

from __future__ import annotations

from pathlib import Path

from lrlab.experiments.executors import shipping


def test_a_file_renamed_while_the_folder_is_packed_is_left_out(tmp_path, monkeypatch):
    (tmp_path / "checkpoint.pt").write_bytes(b"new")
    (tmp_path / "metrics.jsonl").write_bytes(b"{}\n")
    real_read = Path.read_bytes

    def read_bytes(path):
        if path.name == "checkpoint.pt":  # the training rotates it to .prev right after the listing
            path.rename(path.with_name("checkpoint.pt.prev"))
        return real_read(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert shipping.pack(tmp_path).whole == {"metrics.jsonl": b"{}\n"}
