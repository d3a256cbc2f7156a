"""``npz:PATH``: a right file loads as it is; each kind of wrong file is one DataError naming the file."""

from __future__ import annotations

import numpy as np
import pytest

from own_files import learnable, write_npz
from lrlab.data import DataError, load_dataset, options


def test_a_right_file_loads_with_its_shape_classes_and_a_stable_fingerprint(tmp_path):
    path = write_npz(tmp_path / "mine.npz")
    data = load_dataset(f"npz:{path}")
    assert (data.image_shape, data.classes, len(data.train_labels), len(data.test_labels)) == \
        ((1, 16, 16), ("0", "1", "2", "3"), 400, 100)
    assert data.train_labels.dtype == np.int64 and not data.train_images.flags.writeable
    copy = write_npz(tmp_path / "copy.npz")
    assert load_dataset(f"npz:{copy}").fingerprint == data.fingerprint  # the content's, not the path's


def test_rgb_float_images_and_named_classes(tmp_path):
    x_train, y_train = learnable(40, size=12, channels=3, classes=2)
    path = write_npz(tmp_path / "rgb.npz", x_train=x_train.astype(np.float64) / 255, y_train=y_train,
                     x_test=x_train[:10].astype(np.float32) / 255, y_test=y_train[:10],
                     classes=np.array(["left", "right"]))
    data = load_dataset(f"npz:{path}")
    assert data.image_shape == (3, 12, 12) and data.classes == ("left", "right")
    pixels, _ = data.as_float32("train")
    assert pixels.dtype == np.float32 and pixels.shape == (40, 3, 12, 12)
    np.testing.assert_allclose(pixels, x_train.transpose(0, 3, 1, 2) / 255, atol=1e-6)  # float: taken as it is


x, y = learnable(8)  # eight images and labels, for the wrong x_train arrays


@pytest.mark.parametrize("overrides, needle", [
    ({"x_test": None}, "missing x_test (it has: x_train, y_train, y_test)"),
    ({"x_train": None, "y_train": None, "X_train": x}, "missing x_train, y_train"),
    ({"x_train": x[:, :, :, None, None], "y_train": y}, "x_train is shaped (8, 16, 16, 1, 1); images must be N x H x W"),
    ({"x_train": x[:, 0], "y_train": y}, "x_train is shaped (8, 16)"),
    ({"x_train": np.zeros((8, 3, 16, 16), np.uint8), "y_train": y}, "channels first; lrlab takes N x H x W x C"),
    ({"x_train": np.zeros((8, 16, 16, 2), np.uint8), "y_train": y}, "C = 1 or 3"),
    ({"x_test": np.zeros((8, 20, 20), np.uint8), "y_test": y}, "x_train's images are 16x16 but x_test's are 20x20"),
    ({"x_train": x.astype(np.int64), "y_train": y}, "x_train holds int64; pixels must be uint8"),
    ({"x_train": np.full((8, 16, 16), np.nan), "y_train": y}, "x_train holds NaN or infinite pixels"),
    ({"y_train": y[:5]}, "y_train holds 5 labels but x_train 400 images"),
    ({"y_test": np.zeros((100, 2), np.int64)}, "y_test must be a 1-D array of integer labels"),
    ({"y_test": np.full(100, 0.5)}, "y_test must be a 1-D array of integer labels, not float64"),
    ({"y_train": np.full(400, -1)}, "y_train has label -1: labels are out of range"),
    ({"y_test": np.full(100, 4)}, "y_test has label 4, out of range 0..3 (the labels of y_train"),
    ({"classes": np.array(["a", "b"])}, "y_train has label 3, out of range 0..1 (the classes array)"),
    ({"x_test": np.zeros((0, 16, 16), np.uint8), "y_test": np.zeros(0, np.int64)}, "x_test holds no images"),
])
def test_a_wrong_file_is_one_error_naming_it_and_the_problem(tmp_path, overrides, needle):
    path = write_npz(tmp_path / "wrong.npz", **overrides)
    with pytest.raises(DataError) as error:
        load_dataset(f"npz:{path}")
    message = str(error.value)
    assert message.startswith(f"{path}: ") and needle in message and "\n" not in message, message


@pytest.mark.parametrize("content, needle", [(None, "cannot be read"), (b"not a zip", "not an .npz file")])
def test_a_missing_or_foreign_file(tmp_path, content, needle):
    path = tmp_path / "data.npz"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DataError, match=f"^{path}: {needle}"):
        load_dataset(f"npz:{path}")


def test_a_file_beyond_the_memory_limit_is_refused_before_its_arrays_are_read(tmp_path, monkeypatch):
    path = write_npz(tmp_path / "big.npz")
    monkeypatch.setattr(options, "MAX_BYTES", 400 * 16 * 16)  # the training images alone fill it
    with pytest.raises(DataError, match=f"^{path}: 0.0 GB of pixels is more than lrlab holds in memory"):
        load_dataset(f"npz:{path}")
