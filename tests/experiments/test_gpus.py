"""GPUs as a resource of the runner, on a fake executor with a fake GPU count: small models share a
GPU, a resnet20 has one to itself, --jobs overrides, CPU runs get none, and device='cuda' without a
GPU is refused before anything starts."""

from __future__ import annotations

import pytest

from lrlab.backends import BackendUnavailable
from lrlab.experiments import experiment_from_dict, runner
from lrlab.experiments.executors.local import visible_gpu
from lrlab.experiments.gpus import GpuSlots, default_jobs, share, uses_gpu
from lrlab.training.config import TrainConfig

from test_runner import FakeExecutor


class FakeGpuExecutor(FakeExecutor):
    """:class:`FakeExecutor` on a machine with ``gpus`` GPUs: records the GPU of each submission and
    the trainings on each GPU at once."""

    def __init__(self, gpus: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.gpus, self.gpu_of, self.peak_per_gpu = gpus, {}, [0] * gpus

    def submit(self, task, threads: int, until: int | None = None, gpu: int | None = None) -> None:
        super().submit(task, threads, until)
        self.gpu_of[task.name] = gpu
        if gpu is not None:
            on_it = sum(1 for other in self.running if self.gpu_of.get(other.name) == gpu)
            self.peak_per_gpu[gpu] = max(self.peak_per_gpu[gpu], on_it)


def experiment(model: str, runs: int = 6, **defaults):
    return experiment_from_dict({
        "defaults": {"model": model, "epochs": 1, **defaults},
        "runs": [{"name": f"r{i}", "schedule": "constant(0.1)"} for i in range(runs)],
    })


def test_a_resnet20_has_a_gpu_to_itself(tmp_path):
    executor = FakeGpuExecutor(gpus=2, cores=16, polls=2)
    statuses = runner.run_experiment(experiment("resnet20"), tmp_path, executor=executor)
    assert set(statuses.values()) == {"completed"}
    assert executor.peak_jobs == 2 and executor.peak_per_gpu == [1, 1]
    assert sorted(set(executor.gpu_of.values())) == [0, 1]
    assert all(threads == 1 for _, threads in executor.submitted)


def test_lenets_share_a_gpu(tmp_path):
    executor = FakeGpuExecutor(gpus=1, cores=16, polls=3)
    runner.run_experiment(experiment("lenet", runs=10), tmp_path, executor=executor)
    assert executor.peak_jobs == 8 and executor.peak_per_gpu == [8]  # LeNet: runs_per_gpu = 8


def test_jobs_overrides_the_gpu_plan(tmp_path):
    executor = FakeGpuExecutor(gpus=1, cores=16, polls=2)
    runner.run_experiment(experiment("resnet20", runs=4), tmp_path, jobs=3, executor=executor)
    assert executor.peak_jobs == 3 and executor.peak_per_gpu == [3]


def test_cpu_runs_get_no_gpu_and_no_gpu_argument(tmp_path):
    executor = FakeGpuExecutor(gpus=2, cores=2, polls=1)
    runner.run_experiment(experiment("resnet20", runs=3, device="cpu"), tmp_path, executor=executor)
    assert set(executor.gpu_of.values()) == {None}


def test_without_gpus_the_plan_is_the_cpus_and_executors_need_no_gpu_argument(tmp_path):
    executor = FakeExecutor(cores=2, polls=1)  # its submit takes no gpu: it is never passed one
    statuses = runner.run_experiment(experiment("lenet", runs=5), tmp_path, executor=executor)
    assert set(statuses.values()) == {"completed"} and executor.peak_jobs == 3


def test_device_cuda_without_a_gpu_is_refused_before_anything_starts(tmp_path):
    executor = FakeGpuExecutor(gpus=0, cores=2)
    with pytest.raises(BackendUnavailable, match="^run 'r0': device='cuda' is unavailable: no CUDA GPU here"):
        runner.run_experiment(experiment("lenet", runs=2, device="cuda"), tmp_path / "out", executor=executor)
    assert executor.submitted == [] and not (tmp_path / "out").exists()


def test_the_slots_fill_the_least_used_gpu_first():
    slots = GpuSlots(gpus=2, strict=True)
    lenet = share("lenet")
    assert [slots.take(lenet) for _ in range(17)] == [0, 1] * 8 + [None]
    slots.give_back(1, lenet)
    assert slots.take(share("resnet20")) is None and slots.take(lenet) == 1
    loose = GpuSlots(gpus=1, strict=False)
    assert [loose.take(share("resnet20")) for _ in range(3)] == [0, 0, 0]


def test_which_trainings_use_a_gpu():
    assert uses_gpu(TrainConfig(schedule="constant(0.1)"))  # device auto: where there is one
    assert not uses_gpu(TrainConfig(schedule="constant(0.1)", device="cpu"))
    assert not uses_gpu(TrainConfig(schedule="constant(0.1)", backend="keras"))
    assert default_jobs([share("lenet")] * 3, gpus=1) == 3


def test_a_training_sees_only_its_gpu():
    assert visible_gpu(0, None) == "0" and visible_gpu(1, "3, 7") == "7"
