"""A node removed from a two-node Ray cluster (``ray.cluster_utils.Cluster`` on 127.0.0.1, one CPU
each, started once for this file): the trainings it ran finish on the other node, from their
checkpoints, with the numbers of an uninterrupted run."""

from __future__ import annotations

import re

import pytest

from ray_support import Hit, numbers, run_locally, start_ray  # first: it sets Ray up for the loopback
from lrlab.runfolder import Status

ray = pytest.importorskip("ray")
from lrlab.experiments import load_experiment, run_experiment  # noqa: E402
from lrlab.experiments.executors.ray import RayExecutor  # noqa: E402
from ray.cluster_utils import Cluster  # noqa: E402
from ray_support import experiment_file  # noqa: E402

pytestmark = pytest.mark.processes
NODE = dict(num_cpus=1, node_ip_address="127.0.0.1", include_dashboard=False)


def two_nodes() -> tuple[Cluster, object]:
    cluster = Cluster(initialize_head=True, head_node_args=NODE)
    try:
        return cluster, cluster.add_node(**NODE)
    except Exception:
        cluster.shutdown()
        raise


@pytest.fixture(scope="module")
def cluster():
    cluster, worker = start_ray(two_nodes)
    ray.init(address=cluster.address)
    yield cluster, worker
    ray.shutdown()
    cluster.shutdown()


def test_the_runs_of_a_removed_node_finish_on_the_other(tmp_path, cluster, fashion_mnist):
    cluster, worker = cluster
    local = run_locally(tmp_path)
    with RayExecutor() as executor:
        assert executor.cores == 2
        remover = Hit(executor, where=lambda attempt: attempt.node == worker.node_id,
                      hit=lambda task, attempt: cluster.remove_node(worker))
        remover.start()
        try:
            statuses = run_experiment(load_experiment(experiment_file(tmp_path)), tmp_path / "ray", executor=executor)
        finally:
            remover.done.set()
    assert remover.task is not None, "no training was caught mid-run on the worker node"
    assert set(statuses.values()) == {Status.COMPLETED, Status.DIVERGED}
    assert numbers(tmp_path / "ray") == numbers(local)
    log = (remover.task.folder / "train.log").read_text()
    resumed = re.findall(rf"^lrlab run: \w+ \(worker pid \d+ on node {worker.node_id}\); resuming from epoch (\d+) ",
                         log, re.M)
    assert resumed and int(resumed[0]) >= remover.at_epoch >= 2, log
