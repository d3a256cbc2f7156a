"""A damaged data set file, met by ``lrlab train``: one line naming the file, exit status 2, no traceback.

(The reader's own checks, file by file, are tested in test_fashion_mnist.py and test_idx.py.)"""

from __future__ import annotations

import pytest

from lrlab.cli import main

FILES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz"]


@pytest.mark.parametrize("damage", ["truncated", "one byte changed", "empty"])
@pytest.mark.parametrize("name", FILES)
def test_a_damaged_file_is_one_line_naming_it(real_data_dir, tmp_path, capsys, name, damage):
    folder = tmp_path / "data"
    folder.mkdir()
    for other in FILES:  # the others as they are, by link
        (folder / other).symlink_to(real_data_dir / other)
    data = (real_data_dir / name).read_bytes()
    (folder / name).unlink()
    (folder / name).write_bytes({"truncated": data[: len(data) // 2], "empty": b"",
                                 "one byte changed": data[:50] + bytes([data[50] ^ 1]) + data[51:]}[damage])
    status = main(["train", "--schedule", "constant(0.1)", "--data-dir", str(folder), "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith("lrlab train: error: ") and str(folder / name) in err, err
    assert not (tmp_path / "run").exists()
