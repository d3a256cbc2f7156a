"""``folder:PATH``: both layouts, PNG and JPEG of mixed sizes, gray and RGB, the cache, and each
kind of bad folder as one DataError naming the file or folder."""

from __future__ import annotations

import numpy as np
import pytest

from own_files import write_folder, write_image
from lrlab.data import DataError, DataOptions, decoded, folder, images, load_dataset, options


def load(root, **settings):
    return load_dataset(f"folder:{root}", options=DataOptions(**settings))


def test_one_tree_of_mixed_png_and_jpeg_is_resized_and_split_by_class(tmp_path):
    data = load(write_folder(tmp_path / "pets", n_per_class=10, classes=3), image_size=20)
    assert data.classes == ("class0", "class1", "class2") and data.image_shape == (3, 20, 20)
    assert np.bincount(data.test_labels).tolist() == [2, 2, 2]  # 0.2 of each class
    assert np.bincount(data.train_labels).tolist() == [8, 8, 8]
    again = (folder.clear(), load(tmp_path / "pets", image_size=20))[1]
    assert again.fingerprint == data.fingerprint  # the same split every time
    assert load(tmp_path / "pets", image_size=20, test_fraction=0.5).test_labels.size == 15


def test_train_and_test_folders_keep_their_split(tmp_path):
    data = load(write_folder(tmp_path / "digits", n_per_class=8, layout="split"), image_size=16)
    assert (len(data.train_labels), len(data.test_labels)) == (12, 4)
    assert data.train_labels.tolist() == [0] * 6 + [1] * 6 and data.test_labels.tolist() == [0, 0, 1, 1]


def test_colour_is_inferred_or_converted(tmp_path):
    gray = write_folder(tmp_path / "gray", channels=1)
    assert load(gray).image_shape == (1, 32, 32)
    assert load(gray, color="rgb").image_shape == (3, 32, 32)
    mixed = write_folder(tmp_path / "mixed", channels=1)
    write_image(mixed / "class1" / "colour.png", np.full((10, 10, 3), (200, 0, 0), np.uint8))
    data = load(mixed)
    assert data.image_shape == (3, 32, 32)  # one image in colour: all RGB, gray ones copied to each channel
    assert all((image[..., 0] == image[..., 2]).all() for image, label in
               zip(data.train_images, data.train_labels) if label == 0)
    assert load(mixed, color="gray").image_shape == (1, 32, 32)


def test_a_rerun_reads_the_cache_and_does_not_decode(tmp_path, monkeypatch):
    root = write_folder(tmp_path / "pets")
    first = load(root)
    assert len(list(decoded.decoded_dir().glob("folder-*.npz"))) == 1
    folder.clear()  # a new process: nothing in memory

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded again")

    monkeypatch.setattr(folder, "decode_images", no_decoding)
    second = load(root)
    assert second.fingerprint == first.fingerprint and np.array_equal(second.train_images, first.train_images)
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in sorted(root.rglob("*.*")):  # the same images elsewhere: the same cache entry
        target = copy / path.relative_to(root)
        target.parent.mkdir(exist_ok=True)
        target.write_bytes(path.read_bytes())
    assert load(copy).fingerprint == first.fingerprint


def test_a_changed_image_or_size_is_decoded_again(tmp_path):
    root = write_folder(tmp_path / "pets")
    load(root)
    write_image(root / "class0" / "000.png", np.zeros((8, 8, 3), np.uint8))
    folder.clear()
    load(root)
    load(root, image_size=16)
    assert len(list(decoded.decoded_dir().glob("folder-*.npz"))) == 3


def test_other_files_and_hidden_ones_are_skipped(tmp_path):
    root = write_folder(tmp_path / "pets")
    (root / "class0" / "notes.txt").write_text("not an image")
    (root / "class0" / ".hidden.png").write_bytes(b"junk")
    (root / ".cache").mkdir()
    assert len(load(root).train_labels) + len(load(root).test_labels) == 12


def bad(root, needle, where=None, **settings):
    with pytest.raises(DataError) as error:
        load(root, **settings)
    message = str(error.value)
    assert message.startswith(f"{where or root}: ") and needle in message and "\n" not in message, message


def test_a_corrupt_or_truncated_image_names_the_file(tmp_path):
    root = write_folder(tmp_path / "pets")
    corrupt = root / "class1" / "001.jpg"
    corrupt.write_bytes(corrupt.read_bytes()[:200])
    bad(root, "not a readable PNG or JPEG image", where=corrupt)
    corrupt.write_bytes(b"\x89PNG but not really")
    bad(root, "not a readable PNG or JPEG image", where=corrupt)


def test_an_empty_class_names_the_folder(tmp_path):
    root = write_folder(tmp_path / "pets")
    (root / "class2").mkdir()
    (root / "class2" / "readme.txt").write_text("nothing here")
    bad(root, "a class with no images (PNG or JPEG: .png, .jpg, .jpeg)", where=root / "class2")


def test_no_class_folders(tmp_path):
    root = tmp_path / "flat"
    write_image(root / "a.png", np.zeros((8, 8), np.uint8))
    bad(root, "no class folders: put each class's images in a folder of its own")
    bad(tmp_path / "nowhere", "no such folder")


def test_a_train_test_layout_that_does_not_fit(tmp_path):
    root = write_folder(tmp_path / "digits", layout="split")
    write_image(root / "test" / "class9" / "a.png", np.zeros((8, 8), np.uint8))
    bad(root, "class 'class9' is not in", where=root / "test" / "class9")
    only_train = write_folder(tmp_path / "half", layout="split")
    for path in sorted((only_train / "test").rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    (only_train / "test").rmdir()
    bad(only_train, "has train/ but no test/ folder")


def test_a_split_that_holds_out_nothing(tmp_path):
    root = write_folder(tmp_path / "pets", n_per_class=2)
    bad(root, "test_fraction=0.2 holds out no image", test_fraction=0.2)


def test_a_folder_beyond_the_memory_limit_is_refused_before_decoding(tmp_path, monkeypatch):
    root = write_folder(tmp_path / "pets")
    monkeypatch.setattr(options, "MAX_BYTES", 11 * 32 * 32 * 3)
    monkeypatch.setattr(folder, "decode_images", None)  # never reached
    bad(root, "of pixels is more than lrlab holds in memory")


def test_decoding_converts_and_resizes_each_image(tmp_path):
    path = write_image(tmp_path / "wide.png", np.tile(np.arange(0, 256, 8, dtype=np.uint8), (8, 1)))
    pixels, colour = images.decode_images([path], size=4, color="auto", progress=False)
    assert colour == "gray" and pixels.shape == (1, 4, 4)
    assert (np.diff(pixels[0].astype(int), axis=1) > 0).all()  # the ramp survives the resize
