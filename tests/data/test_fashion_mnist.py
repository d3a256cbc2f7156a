"""find_data_dir and load_fashion_mnist on tiny files: folder order, verification, cache repair, errors.

Every table here is a tiny one with the md5s of files the tests write, and every
mirror is a local file:// folder.
"""

import dataclasses
import gzip
import hashlib
import os

import numpy as np
import pytest

from lrlab.data import DataError, ImageDataset, find_data_dir, load_fashion_mnist
from lrlab.data.fashion_mnist import CLASSES
from lrlab.data.fashion_mnist import default_cache_dir


def listing(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.fixture
def mirror(tmp_path, tiny):
    """A file:// mirror holding the tiny files; returns the table pointing at it."""
    return tiny.with_mirrors(tiny.write(tmp_path / "mirror").as_uri() + "/")


@pytest.fixture
def cache():
    return default_cache_dir()


def test_default_cache_dir_follows_xdg(tmp_path, monkeypatch):
    assert default_cache_dir() == tmp_path / "xdg-cache" / "lrlab" / "fashion-mnist"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert str(default_cache_dir()) == os.path.expanduser("~/.cache/lrlab/fashion-mnist")


def test_explicit_dir_beats_env_beats_cache(tmp_path, tiny, monkeypatch, cache):
    table = tiny.table
    explicit, env = tiny.write(tmp_path / "explicit"), tiny.write(tmp_path / "env")
    tiny.write(cache)
    monkeypatch.setenv("LRLAB_DATA_DIR", str(env))
    assert find_data_dir(explicit, resources=table) == explicit
    assert find_data_dir(resources=table) == env
    monkeypatch.setenv("LRLAB_DATA_DIR", "")
    assert find_data_dir(resources=table) == cache


def test_load_tiny(tmp_path, tiny):
    data = load_fashion_mnist(tiny.write(tmp_path / "d"), resources=tiny.table)
    assert isinstance(data, ImageDataset) and repr(data) == "ImageDataset('fashion-mnist', train=12, test=5)"
    np.testing.assert_array_equal(data.train_images, tiny.arrays["train_images"])
    np.testing.assert_array_equal(data.test_labels, tiny.arrays["test_labels"])
    assert data.train_images.dtype == np.uint8 and data.train_labels.dtype == np.int64
    for array in (data.train_images, data.train_labels, data.test_images, data.test_labels):
        assert not array.flags.writeable


def test_load_is_memoised_until_a_file_changes(tmp_path, tiny):
    folder = tiny.write(tmp_path / "d")
    first = load_fashion_mnist(folder, resources=tiny.table)
    assert load_fashion_mnist(str(folder), resources=tiny.table) is first
    assert load_fashion_mnist(tmp_path / "d" / ".." / "d", resources=tiny.table) is first

    other = type(tiny)(tiny.arrays | {"test_labels": np.array([1, 1, 1, 1, 1], np.uint8)})
    other.write(folder, keys=["test_labels"])
    reloaded = load_fashion_mnist(folder, resources=other.table)
    assert reloaded is not first and list(reloaded.test_labels) == [1] * 5


def test_unzipped_files_are_accepted(tmp_path, tiny):
    folder = tiny.write(tmp_path / "d", gz=False)
    data = load_fashion_mnist(folder, resources=tiny.table)
    np.testing.assert_array_equal(data.test_images, tiny.arrays["test_images"])


def test_mixed_gz_and_unzipped_and_gz_wins(tmp_path, tiny):
    folder = tiny.write(tmp_path / "d", gz=False)
    tiny.write(folder, keys=["train_images"])
    (folder / "train-images-idx3-ubyte").write_bytes(b"garbage that is never read")
    data = load_fashion_mnist(folder, resources=tiny.table)
    np.testing.assert_array_equal(data.train_images, tiny.arrays["train_images"])


def test_unzipped_files_are_checked_by_structure(tmp_path, tiny):
    folder = tiny.write(tmp_path / "d", gz=False)
    path = folder / "t10k-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(DataError, match="truncated") as info:
        load_fashion_mnist(folder, resources=tiny.table)
    assert str(path) in str(info.value)


def test_missing_files_in_explicit_dir_are_listed_and_nothing_is_written(tmp_path, mirror, tiny):
    folder = tiny.write(tmp_path / "d", keys=["train_images", "test_labels"])
    before = snapshot(folder)
    with pytest.raises(DataError) as info:
        load_fashion_mnist(folder, resources=mirror)
    message = str(info.value)
    assert "train-labels-idx1-ubyte.gz" in message and "t10k-images-idx3-ubyte.gz" in message
    assert "train-images-idx3-ubyte.gz" not in message
    assert "--data-dir" in message and "never writes" in message
    assert snapshot(folder) == before


def test_missing_files_in_env_dir_name_the_variable(tmp_path, mirror, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("LRLAB_DATA_DIR", str(empty))
    with pytest.raises(DataError, match="LRLAB_DATA_DIR environment variable"):
        find_data_dir(resources=mirror)
    assert listing(empty) == []


def test_explicit_dir_that_does_not_exist(tmp_path, mirror):
    with pytest.raises(DataError, match="no such folder"):
        find_data_dir(tmp_path / "nowhere", resources=mirror)
    assert not (tmp_path / "nowhere").exists()


def test_wrong_md5_in_explicit_dir(tmp_path, mirror, tiny):
    folder = tiny.write(tmp_path / "d")
    path = folder / "train-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(b"\0\0\x08\x01" + b"\0\0\0\x0c" + bytes(12), mtime=1))
    with pytest.raises(DataError) as info:
        load_fashion_mnist(folder, resources=mirror)
    message = str(info.value)
    assert str(path) in message
    assert mirror["train_labels"].md5 in message
    assert hashlib.md5(path.read_bytes()).hexdigest() in message
    assert path.exists()  # an explicit folder is never changed


def test_cache_downloads_missing_files_then_works_offline(mirror, cache):
    data = load_fashion_mnist(resources=mirror)
    assert repr(data) == "ImageDataset('fashion-mnist', train=12, test=5)"
    assert listing(cache) == sorted(r.filename for r in mirror)
    offline = dataclasses.replace(mirror, mirrors=())
    assert find_data_dir(resources=offline, download=False) == cache


def test_cache_without_download_lists_missing_files(mirror, cache):
    with pytest.raises(DataError, match="missing .*train-images-idx3-ubyte.gz.*Allow the download"):
        find_data_dir(resources=mirror, download=False)
    assert not cache.exists()


def test_wrong_md5_in_cache_is_downloaded_again(tiny, mirror, cache):
    tiny.write(cache)
    bad = cache / "t10k-images-idx3-ubyte.gz"
    bad.write_bytes(b"not the file")
    data = load_fashion_mnist(resources=mirror)
    np.testing.assert_array_equal(data.test_images, tiny.arrays["test_images"])
    assert bad.read_bytes() == tiny.files["test_images"]


def test_wrong_md5_in_cache_without_download(tiny, mirror, cache):
    tiny.write(cache)
    bad = cache / "t10k-images-idx3-ubyte.gz"
    bad.write_bytes(b"not the file")
    with pytest.raises(DataError, match=f"{bad}: md5 is .*expected the official {mirror['test_images'].md5}"):
        load_fashion_mnist(resources=mirror, download=False)


def test_failed_download_leaves_no_bad_file_in_cache(tmp_path, tiny, cache):
    wrong = type(tiny)({key: array[::-1].copy() for key, array in tiny.arrays.items()})
    table = tiny.with_mirrors(wrong.write(tmp_path / "wrong-mirror").as_uri() + "/")
    with pytest.raises(DataError) as info:
        load_fashion_mnist(resources=table)
    assert "could not download train-images-idx3-ubyte.gz" in str(info.value)
    assert listing(cache) == []

    tiny.write(cache, keys=["train_labels"])
    (cache / "train-images-idx3-ubyte.gz").write_bytes(b"corrupt")
    with pytest.raises(DataError):
        load_fashion_mnist(resources=table)
    assert listing(cache) == ["train-labels-idx1-ubyte.gz"]  # the corrupt one is gone, no partial one came


@pytest.mark.parametrize("damage", ["truncated", "bad crc"])
def test_damaged_gzip_whose_md5_is_in_the_table(tmp_path, tiny, damage):
    # A table whose md5 matches the damaged bytes gets past verification, so read_idx must catch it.
    data = tiny.files["train_images"]
    crc_flipped = data[:-8] + bytes([data[-8] ^ 0xFF]) + data[-7:]
    tiny.files["train_images"] = data[: len(data) // 2] if damage == "truncated" else crc_flipped
    folder = tiny.write(tmp_path / "d")
    with pytest.raises(DataError, match="gzip data is corrupt or truncated") as info:
        load_fashion_mnist(folder, resources=tiny.table)
    assert str(folder / "train-images-idx3-ubyte.gz") in str(info.value)


def test_wrong_magic(tmp_path, tiny):
    swapped = type(tiny)(tiny.arrays | {"test_images": tiny.arrays["test_labels"]})
    with pytest.raises(DataError, match="bad magic number 0x00000801, expected 0x00000803"):
        load_fashion_mnist(swapped.write(tmp_path / "d"), resources=swapped.table)


def test_count_mismatch_between_images_and_labels(tmp_path, tiny):
    short = type(tiny)(tiny.arrays | {"train_labels": tiny.arrays["train_labels"][:11]})
    with pytest.raises(DataError, match="holds 12 images but .*train-labels-idx1-ubyte.gz holds 11 labels"):
        load_fashion_mnist(short.write(tmp_path / "d"), resources=short.table)


def test_count_differs_from_table(tmp_path, tiny):
    table = tiny.table
    files = tuple(dataclasses.replace(r, items=60000) if r.key.startswith("train") else r for r in table)
    table = dataclasses.replace(table, files=files)
    with pytest.raises(DataError, match="train-images-idx3-ubyte: holds 12 items, expected 60000"):
        load_fashion_mnist(tiny.write(tmp_path / "d", gz=False), resources=table)


def test_wrong_image_shape(tmp_path, tiny):
    odd = type(tiny)(tiny.arrays | {"test_images": np.zeros((5, 27, 28), np.uint8)})
    with pytest.raises(DataError, match="images are 27x28, expected 28x28"):
        load_fashion_mnist(odd.write(tmp_path / "d"), resources=odd.table)


def test_label_out_of_range(tmp_path, tiny):
    odd = type(tiny)(tiny.arrays | {"test_labels": np.array([0, 1, 2, 3, 10], np.uint8)})
    with pytest.raises(DataError, match="label 10 is out of range 0..9"):
        load_fashion_mnist(odd.write(tmp_path / "d"), resources=odd.table)


class TestFashionMNIST:
    @pytest.fixture
    def data(self, tmp_path, tiny):
        return load_fashion_mnist(tiny.write(tmp_path / "d"), resources=tiny.table)

    def test_an_image_dataset_with_the_ten_classes(self, data):
        assert isinstance(data, ImageDataset) and data.name == "fashion-mnist"
        assert data.classes == CLASSES and data.num_classes == 10
        assert data.classes[0] == "T-shirt/top" and data.classes[9] == "Ankle boot"
        assert data.image_shape == (1, 28, 28)

    def test_as_float32(self, data, tiny):
        x, y = data.as_float32("train")
        assert x.shape == (12, 1, 28, 28) and x.dtype == np.float32 and y.dtype == np.int64
        np.testing.assert_array_equal(x[:, 0] * 255, tiny.arrays["train_images"].astype(np.float32))
