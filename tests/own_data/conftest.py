"""Every test here gets its own user cache (``XDG_CACHE_HOME``) and forgets the data sets loaded
in this process, so a cache hit or miss is the test's own. The files are made by own_files.py."""

from __future__ import annotations

import pytest

from lrlab.data import folder, npz


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    folder.clear(), npz.clear()
    yield
    folder.clear(), npz.clear()
