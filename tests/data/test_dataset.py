"""ImageDataset: the one in-memory data set type (shape, classes, float32 views, subsets, fingerprint)."""

import dataclasses

import numpy as np
import pytest

from lrlab.data import DataError, ImageDataset, load_dataset, names, register_dataset, registry
from lrlab.registry import Registry


def dataset(train=6, test=3, shape=(28, 28), classes=("a", "b", "c"), seed=0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (train + test, *shape), dtype=np.uint8)
    labels = rng.integers(0, len(classes), train + test).astype(np.int64)
    return ImageDataset("demo", images[:train], labels[:train], images[train:], labels[train:], classes)


def test_shape_and_classes_of_grayscale_and_colour_images():
    assert dataset().image_shape == (1, 28, 28) and dataset().num_classes == 3
    assert dataset(shape=(32, 30, 3)).image_shape == (3, 32, 30)


def test_as_float32_channels_first_or_last_in_0_1():
    data = dataset(shape=(4, 5, 3))
    x, y = data.as_float32("train")
    assert x.shape == (6, 3, 4, 5) and x.dtype == np.float32 and x.flags.c_contiguous and y.dtype == np.int64
    np.testing.assert_array_equal(x * 255, data.train_images.transpose(0, 3, 1, 2))
    last, _ = data.as_float32("test", channels_last=True)
    assert last.shape == (3, 4, 5, 3) and last.flags.c_contiguous
    images = np.array([[[0] * 28] * 28, [[255] * 28] * 28], np.uint8)
    labels = np.zeros(2, np.int64)
    x, _ = ImageDataset("edges", images, labels, images, labels, ("only",)).as_float32("test")
    assert x.min() == 0.0 and x.max() == 1.0


def test_subset_shares_memory_and_fingerprint():
    data = dataset()
    small = data.subset(4, 2)
    assert repr(small) == "ImageDataset('demo', train=4, test=2)"
    np.testing.assert_array_equal(small.train_images, data.train_images[:4])
    assert np.shares_memory(small.train_images, data.train_images)
    assert repr(data.subset(3)) == "ImageDataset('demo', train=3, test=3)"
    assert repr(data.subset(np.int64(0), 0)) == "ImageDataset('demo', train=0, test=0)"
    assert small.fingerprint == data.fingerprint


@pytest.mark.parametrize("n_train, n_test", [(7, 1), (-1, 1), (1, 4), (2.0, 1), (True, 1)])
def test_subset_bounds(n_train, n_test):
    with pytest.raises(ValueError, match="is invalid: must be an integer from 0 to"):
        dataset().subset(n_train, n_test)


def test_the_fingerprint_follows_the_content():
    assert dataset().fingerprint == dataset().fingerprint
    assert dataset().fingerprint != dataset(seed=1).fingerprint
    assert dataset().fingerprint != dataset(classes=("a", "b", "d")).fingerprint
    changed = dataset()
    images = changed.train_images.copy()
    images[0, 0, 0] ^= 1
    assert dataclasses.replace(changed, train_images=images).fingerprint != changed.fingerprint


def test_unknown_split_and_frozen():
    data = dataset()
    with pytest.raises(ValueError, match="split must be 'train' or 'test', not 'valid'"):
        data.as_float32("valid")
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.train_images = None


def test_a_registered_dataset_is_loaded_by_name(monkeypatch):
    monkeypatch.setattr(registry, "REGISTRY", Registry("dataset", DataError))  # the test's own, left behind after
    register_dataset("test-demo", lambda folder: dataset(train=int(folder or 6)))
    assert "test-demo" in names()
    assert len(load_dataset("test-demo", "4").train_labels) == 4
    with pytest.raises(DataError, match=r"unknown dataset 'test-dem'; did you mean test-demo\?"):
        load_dataset("test-dem")
