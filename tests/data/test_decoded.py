"""Decoded copies of the verified .gz files: written by the first load, read by the next, and
never in the way (damaged, or a cache that cannot be written)."""

import numpy as np
import pytest

from lrlab.data import decoded, load_fashion_mnist
from lrlab.data.fashion_mnist import clear_caches


def load(folder, tiny):
    clear_caches()  # as a new process would
    return load_fashion_mnist(folder, resources=tiny.table)


def same(a, b) -> bool:
    return all(np.array_equal(getattr(a, key), getattr(b, key)) for key in
               ("train_images", "train_labels", "test_images", "test_labels"))


def test_the_first_load_keeps_copies_the_next_reads_them_and_not_the_gz(tmp_path, tiny, monkeypatch):
    folder = tiny.write(tmp_path / "d")
    first = load(folder, tiny)
    copies = sorted(path.name for path in decoded.decoded_dir().iterdir())
    assert copies == sorted(f"{resource.md5}.npy" for resource in tiny.table)
    monkeypatch.setattr(decoded, "read_idx", lambda *args, **kwargs: pytest.fail("read the .gz again"))
    second = load(folder, tiny)
    assert same(first, second) and first.fingerprint == second.fingerprint
    assert not second.train_images.flags.writeable


def test_a_damaged_copy_is_decoded_again(tmp_path, tiny):
    folder = tiny.write(tmp_path / "d")
    first = load(folder, tiny)
    copy = decoded.decoded_dir() / f"{tiny.table['train_images'].md5}.npy"
    copy.write_bytes(copy.read_bytes()[:100])  # cut short
    assert same(load(folder, tiny), first)
    assert np.array_equal(np.load(copy), tiny.arrays["train_images"])  # written again, whole


def test_unzipped_files_keep_no_copy(tmp_path, tiny):
    load(tiny.write(tmp_path / "d", gz=False), tiny)
    assert not decoded.decoded_dir().exists()


def test_a_cache_that_cannot_be_written_is_no_error(tmp_path, tiny, monkeypatch):
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))  # a file where the folder would go
    data = load(tiny.write(tmp_path / "d"), tiny)
    assert np.array_equal(data.train_images, tiny.arrays["train_images"])
