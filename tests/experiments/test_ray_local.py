"""``--executor ray`` without ``--address`` starts a Ray of its own on 127.0.0.1 and stops it, even where
Ray would otherwise join another: ``RAY_ADDRESS`` set, or the address a ``ray start`` killed outright left
behind in Ray's temporary folder (a plain ``ray.init()`` joins either, and refuses ``num_cpus`` there)."""

from __future__ import annotations

import pytest

from ray_support import start_ray  # first: it sets Ray up for the loopback

ray = pytest.importorskip("ray")
from lrlab.experiments.executors.ray import RayExecutor  # noqa: E402

pytestmark = pytest.mark.processes


def test_a_local_ray_is_its_own_even_where_another_address_is_set(monkeypatch):
    monkeypatch.setenv("RAY_ADDRESS", "127.0.0.1:1")  # nothing listens there
    with start_ray(RayExecutor) as executor:
        assert executor.local and executor.started
        assert ray.get_runtime_context().gcs_address.startswith("127.0.0.1:")
        assert executor.cores >= 1
    assert not ray.is_initialized()  # stopped at the end
