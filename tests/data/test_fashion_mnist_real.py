"""The real Fashion-MNIST files, from $LRLAB_DATA_DIR or ../shared/data/fashion-mnist (skipped if absent)."""

import numpy as np
import pytest

from lrlab.data import find_data_dir, load_dataset, load_fashion_mnist
from lrlab.data.checksum import file_md5
from lrlab.data.resources import FASHION_MNIST


@pytest.fixture(scope="module")
def data(real_data_dir):
    return load_fashion_mnist(real_data_dir, download=False)


def test_files_are_the_official_ones(real_data_dir):
    assert find_data_dir(real_data_dir, download=False) == real_data_dir
    for resource in FASHION_MNIST:
        path = real_data_dir / resource.filename
        assert path.stat().st_size == resource.size
        assert file_md5(path) == resource.md5


def test_shapes_and_dtypes(data):
    assert data.train_images.shape == (60000, 28, 28) and data.train_images.dtype == np.uint8
    assert data.test_images.shape == (10000, 28, 28) and data.test_images.dtype == np.uint8
    assert data.train_labels.shape == (60000,) and data.train_labels.dtype == np.int64
    assert data.test_labels.shape == (10000,) and data.test_labels.dtype == np.int64


def test_classes_are_balanced(data):
    assert np.bincount(data.train_labels, minlength=10).tolist() == [6000] * 10
    assert np.bincount(data.test_labels, minlength=10).tolist() == [1000] * 10


def test_pixel_statistics(data):
    assert data.train_images.mean() / 255 == pytest.approx(0.2860, abs=1e-3)
    assert data.test_images.mean() / 255 == pytest.approx(0.2868, abs=1e-3)


def test_first_items_match_the_official_order(data):
    assert data.train_labels[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert data.classes[data.train_labels[0]] == "Ankle boot"


def test_as_float32(data):
    x, y = data.as_float32("test")
    assert x.shape == (10000, 1, 28, 28) and x.dtype == np.float32
    assert x.min() == 0.0 and x.max() == 1.0
    assert y is data.test_labels
    assert float(x.mean()) == pytest.approx(data.test_images.mean() / 255, abs=1e-6)


def test_loaded_once_per_process(real_data_dir):
    first = load_fashion_mnist(real_data_dir, download=False)
    assert load_fashion_mnist(str(real_data_dir), download=False) is first


def test_env_variable_finds_the_folder(real_data_dir, monkeypatch):
    monkeypatch.setenv("LRLAB_DATA_DIR", str(real_data_dir))
    assert find_data_dir(download=False) == real_data_dir


def test_subset(data):
    small = data.subset(1000, 200)
    assert small.train_images.shape == (1000, 28, 28) and small.test_labels.shape == (200,)
    assert np.shares_memory(small.train_images, data.train_images)


def test_found_by_name_in_the_dataset_registry(real_data_dir, data):
    assert load_dataset("fashion-mnist", str(real_data_dir)).fingerprint == data.fingerprint
    assert len(data.fingerprint) == 16 and data.fingerprint == data.subset(100, 10).fingerprint
