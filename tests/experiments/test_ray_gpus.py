"""GPUs through Ray: a training the runner plans on a GPU is a Ray task asking for its model's share of
one, and Ray gives it one. On a real Ray (127.0.0.1, 2 CPUs) that declares one GPU, as ``ray start
--num-gpus 1`` would on a GPU machine: Ray schedules by the count it is told, so the requests, the
packing and the GPU ids are Ray's own; this machine has no CUDA, so each ``lrlab train`` (device
"auto") then trains on its CPU. The trainings on a real GPU are benchmarks/gpu_check.sh's."""

from __future__ import annotations

import re

import pytest

from ray_support import RAY_LOCAL, start_ray  # first: it sets Ray up for the loopback
from lrlab.experiments import experiment_from_dict, run_experiment
from lrlab.runfolder import Status

ray = pytest.importorskip("ray")
from lrlab.experiments.executors.ray import RayExecutor  # noqa: E402

pytestmark = pytest.mark.processes
ON_GPU = re.compile(r"^lrlab run: on node \w+, GPU (\S+) \((\S+) of it\)$", re.M)


@pytest.fixture(scope="module")
def ray_with_a_gpu():
    start_ray(lambda: ray.init(**RAY_LOCAL, num_gpus=1))
    yield
    ray.shutdown()


def experiment(**runs):
    """One seed of each run: 1 epoch of 200 images; ``runs`` maps a name to its own settings."""
    return experiment_from_dict({
        "defaults": {"epochs": 1, "train_subset": 200, "test_subset": 100, "batch_size": 100, "seeds": [0]},
        "runs": [{"name": name, "schedule": "constant(0.1)", **settings} for name, settings in runs.items()],
    })


def gpu_lines(out, name: str) -> list[tuple[str, str]]:
    return ON_GPU.findall((out / name / "seed-0" / "train.log").read_text())


def test_each_training_asks_ray_for_its_models_share_of_a_gpu_and_gets_one(tmp_path, ray_with_a_gpu, fashion_mnist):
    runs = {"lenet-a": {}, "lenet-b": {}, "resnet": {"model": "resnet20", "depth": 8}, "on-cpu": {"device": "cpu"}}
    with RayExecutor() as executor:
        assert executor.gpus == 1
        statuses = run_experiment(experiment(**runs), tmp_path, executor=executor)
    assert set(statuses.values()) == {Status.COMPLETED}
    assert gpu_lines(tmp_path, "lenet-a") == gpu_lines(tmp_path, "lenet-b") == [("0", "0.125")]  # LeNets: 8 a GPU
    assert gpu_lines(tmp_path, "resnet") == [("0", "1")]  # a resnet20 has it to itself
    assert gpu_lines(tmp_path, "on-cpu") == []  # device = "cpu": no GPU asked, none given

