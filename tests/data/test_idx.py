"""read_idx: round trips, and a DataError naming the file for every kind of damage."""

import gzip
import struct

import numpy as np
import pytest

from lrlab.data import DataError
from lrlab.data.idx import read_idx


@pytest.fixture
def images():
    return np.arange(3 * 28 * 28, dtype=np.uint32).astype(np.uint8).reshape(3, 28, 28)


def assert_data_error(path, *fragments, ndim=None):
    with pytest.raises(DataError) as info:
        read_idx(path, ndim=ndim)
    message = str(info.value)
    assert str(path) in message
    assert "--data-dir" in message
    for fragment in fragments:
        assert fragment in message
    return message


@pytest.mark.parametrize("gz", [True, False])
def test_round_trip_images_and_labels(tmp_path, idx_tools, images, gz):
    labels = np.array([9, 0, 3], dtype=np.uint8)
    image_file = idx_tools.write(tmp_path / "images", idx_tools.bytes(images), gz=gz)
    label_file = idx_tools.write(tmp_path / "labels", idx_tools.bytes(labels), gz=gz)

    got_images = read_idx(image_file, ndim=3)
    got_labels = read_idx(label_file, ndim=1)

    assert got_images.dtype == np.uint8 and got_labels.dtype == np.uint8
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)
    assert read_idx(str(label_file)).shape == (3,)  # any ndim when not asked


def test_compression_is_recognised_by_content_not_name(tmp_path, idx_tools):
    labels = np.array([1, 2], dtype=np.uint8)
    plain_named_gz = idx_tools.write(tmp_path / "labels.gz", idx_tools.bytes(labels), gz=False)
    gz_named_plain = idx_tools.write(tmp_path / "labels", idx_tools.bytes(labels), gz=True)
    np.testing.assert_array_equal(read_idx(plain_named_gz), labels)
    np.testing.assert_array_equal(read_idx(gz_named_plain), labels)


def test_empty_dimension_is_valid(tmp_path, idx_tools):
    path = idx_tools.write(tmp_path / "empty", idx_tools.bytes(np.zeros((0, 28, 28), np.uint8)), gz=True)
    assert read_idx(path, ndim=3).shape == (0, 28, 28)


def test_missing_file(tmp_path):
    assert_data_error(tmp_path / "nope.gz", "no such file")


def test_directory_instead_of_file(tmp_path):
    assert_data_error(tmp_path, "cannot be read")


@pytest.mark.parametrize("size", [0, 3])
def test_too_short_for_a_header(tmp_path, size):
    path = tmp_path / "short"
    path.write_bytes(b"\0" * size)
    assert_data_error(path, "too short for an IDX header")


@pytest.mark.parametrize(
    "magic, ndim",
    [
        (0x00000801, 3),  # a labels file where images are expected
        (0x00000803, 1),  # an images file where labels are expected
        (0x0000080D, 1),  # float data, not unsigned bytes
        (0x00000800, None),  # zero dimensions
        (0x89504E47, None),  # a PNG
    ],
)
def test_bad_magic(tmp_path, magic, ndim):
    path = tmp_path / "bad-magic"
    path.write_bytes(struct.pack(">II", magic, 1) + b"\0" * 784)
    message = assert_data_error(path, f"0x{magic:08x}", "bad magic", ndim=ndim)
    if ndim is not None:
        assert f"expected 0x{0x800 | ndim:08x}" in message


def test_truncated_header(tmp_path):
    path = tmp_path / "cut-header"
    path.write_bytes(bytes([0, 0, 8, 3]) + struct.pack(">I", 5) + b"\0\0")
    assert_data_error(path, "header is truncated", ndim=3)


@pytest.mark.parametrize("gz", [True, False])
def test_truncated_payload(tmp_path, idx_tools, images, gz):
    data = idx_tools.bytes(images)[:-1]
    path = idx_tools.write(tmp_path / "cut", data, gz=gz)
    assert_data_error(path, "truncated", "3 x 28 x 28 = 2352 bytes, found 2351", ndim=3)


@pytest.mark.parametrize("gz", [True, False])
def test_overlong_payload(tmp_path, idx_tools, images, gz):
    path = idx_tools.write(tmp_path / "long", idx_tools.bytes(images) + b"\0", gz=gz)
    assert_data_error(path, "longer than its header says", ndim=3)


def test_absurd_header_dimensions_do_not_allocate(tmp_path):
    path = tmp_path / "absurd"
    path.write_bytes(bytes([0, 0, 8, 3]) + struct.pack(">III", 2**32 - 1, 2**32 - 1, 2**32 - 1) + b"\0" * 10)
    assert_data_error(path, "truncated", ndim=3)


def test_truncated_gzip(tmp_path, idx_tools, images):
    data = gzip.compress(idx_tools.bytes(images))
    path = tmp_path / "cut.gz"
    path.write_bytes(data[: len(data) // 2])
    assert_data_error(path, "gzip data is corrupt or truncated", ndim=3)


def test_corrupt_gzip_stream(tmp_path, idx_tools, images):
    data = bytearray(gzip.compress(idx_tools.bytes(images)))
    data[20:40] = b"\xff" * 20
    path = tmp_path / "corrupt.gz"
    path.write_bytes(bytes(data))
    assert_data_error(path, "gzip data is corrupt or truncated", ndim=3)


def test_gzip_crc_mismatch(tmp_path, idx_tools, images):
    data = bytearray(gzip.compress(idx_tools.bytes(images)))
    data[-8] ^= 0xFF  # first byte of the CRC32 in the trailer
    path = tmp_path / "crc.gz"
    path.write_bytes(bytes(data))
    assert_data_error(path, "gzip data is corrupt or truncated", ndim=3)


def test_bad_gzip_header(tmp_path):
    path = tmp_path / "header.gz"
    path.write_bytes(b"\x1f\x8b" + b"\x00" * 30)
    assert_data_error(path, "gzip data is corrupt or truncated")
