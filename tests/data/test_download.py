"""download_file: verified, atomic, falls over to the next mirror, leaves nothing behind on failure.

Mirrors are file:// folders or a local HTTP server on 127.0.0.1; nothing here uses the network.
"""

import hashlib

import pytest

import lrlab.data.download as download_module
from lrlab.data import DataError
from lrlab.data.download import download_file
from lrlab.data.resources import Resource

PAYLOAD = bytes(range(256)) * 40
NAME = "train-labels-idx1-ubyte.gz"


@pytest.fixture
def resource():
    return Resource("train_labels", NAME, hashlib.md5(PAYLOAD).hexdigest(), len(PAYLOAD), 1)


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "cache"


def file_mirror(tmp_path, name, data):
    mirror = tmp_path / name
    mirror.mkdir()
    (mirror / NAME).write_bytes(data)
    return mirror.as_uri() + "/"


def listing(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_file_mirror(tmp_path, folder, resource):
    path = download_file(resource, folder, [file_mirror(tmp_path, "good", PAYLOAD)])
    assert path == folder / NAME
    assert path.read_bytes() == PAYLOAD
    assert listing(folder) == [NAME]
    assert path.stat().st_mode & 0o777 == 0o644


def test_http_mirror_with_progress_bar(http_mirror, folder, resource, capsys):
    http_mirror.routes[f"/data/{NAME}"] = (200, PAYLOAD, None)
    # A base URL without its trailing slash works too.
    path = download_file(resource, folder, [http_mirror.base_url + "/data"], progress=True)
    assert path.read_bytes() == PAYLOAD
    assert NAME in capsys.readouterr().err
    assert listing(folder) == [NAME]


def test_http_mirror_without_content_length(http_mirror, folder, resource):
    http_mirror.routes[f"/{NAME}"] = (200, PAYLOAD, -1)
    assert download_file(resource, folder, [http_mirror.base_url]).read_bytes() == PAYLOAD


def test_dead_mirror_falls_over_to_good_one(tmp_path, dead_url, http_mirror, folder, resource):
    http_mirror.routes[f"/{NAME}"] = (200, PAYLOAD, None)
    mirrors = [dead_url, http_mirror.base_url + "/missing/", http_mirror.base_url + "/"]
    path = download_file(resource, folder, mirrors, timeout=5)
    assert path.read_bytes() == PAYLOAD
    assert listing(folder) == [NAME]


def test_wrong_bytes_then_good_mirror(tmp_path, folder, resource):
    wrong = file_mirror(tmp_path, "wrong", bytes(reversed(PAYLOAD)))
    good = file_mirror(tmp_path, "good", PAYLOAD)
    assert download_file(resource, folder, [wrong, good]).read_bytes() == PAYLOAD
    assert listing(folder) == [NAME]


@pytest.mark.parametrize(
    "served, declared, reason",
    [
        (bytes(reversed(PAYLOAD)), None, "does not match the expected"),  # right size, wrong md5
        (PAYLOAD[:-10], None, f"offers {len(PAYLOAD) - 10} bytes"),
        (PAYLOAD[:100], len(PAYLOAD), f"stopped after 100 of {len(PAYLOAD)} bytes"),  # cut connection
        (PAYLOAD + b"x", -1, "more than the expected"),  # no length announced, too long
    ],
)
def test_bad_download_leaves_nothing(http_mirror, folder, resource, served, declared, reason):
    http_mirror.routes[f"/{NAME}"] = (200, served, declared)
    with pytest.raises(DataError) as info:
        download_file(resource, folder, [http_mirror.base_url + "/"], timeout=5)
    message = str(info.value)
    assert reason in message
    assert f"{http_mirror.base_url}/{NAME}" in message
    assert listing(folder) == []


def test_all_mirrors_fail_names_every_reason(tmp_path, dead_url, http_mirror, folder, resource):
    mirrors = [dead_url, http_mirror.base_url + "/", file_mirror(tmp_path, "wrong", b"nope")]
    with pytest.raises(DataError) as info:
        download_file(resource, folder, mirrors, timeout=5)
    message = str(info.value)
    assert str(folder / NAME) in message
    assert f"could not download {NAME}" in message
    assert dead_url + NAME in message
    assert "HTTP 404" in message
    assert "offers 4 bytes" in message
    for word in ("--data-dir", "LRLAB_DATA_DIR"):
        assert word in message
    assert listing(folder) == []


def test_no_mirrors(folder, resource):
    with pytest.raises(DataError, match="no mirrors configured"):
        download_file(resource, folder, [])


def test_bad_download_keeps_existing_file_untouched_until_replaced(tmp_path, folder, resource):
    folder.mkdir()
    (folder / NAME).write_bytes(b"old")
    with pytest.raises(DataError):
        download_file(resource, folder, [file_mirror(tmp_path, "wrong", b"x" * len(PAYLOAD))])
    assert listing(folder) == [NAME] and (folder / NAME).read_bytes() == b"old"
    download_file(resource, folder, [file_mirror(tmp_path, "good", PAYLOAD)])
    assert (folder / NAME).read_bytes() == PAYLOAD


def test_interrupted_download_removes_partial_file(tmp_path, folder, resource, monkeypatch):
    class InterruptingBar:
        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def update(self, n):
            raise KeyboardInterrupt

    monkeypatch.setattr(download_module, "tqdm", InterruptingBar)
    with pytest.raises(KeyboardInterrupt):
        download_file(resource, folder, [file_mirror(tmp_path, "good", PAYLOAD)])
    assert listing(folder) == []
