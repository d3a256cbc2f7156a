"""The PyTorch backend: a model and optimizer from the registries, the rate set by
:class:`lrlab.adapters.torch.ScheduleLR`.

The fast path: the whole data set lives in memory as tensors (float32 scaled
once, shaped (N, C, H, W)); a batch is an index into the epoch's order, so no
Python runs per example; loss and accuracy add up as tensors and are read once
per epoch; evaluation runs in large batches under ``torch.inference_mode()``;
the chapter's LeNets run through :func:`lrlab.models.lenet_torch.forward` (the same
numbers as the module, a faster way on a CPU), other models as themselves (in
bfloat16 under ``torch.autocast`` with ``precision="bf16"``).

Every batch is split into :data:`MICRO_BATCHES` parts whose gradients are added in
a fixed order, and every part runs torch on one thread; ``threads`` = k > 1 shares
the parts out among k Python threads (at most one per part). So the numbers of a
seed are the same whatever the thread count, and two threads work on one update
without meeting at torch's OpenMP barriers (about a hundred a step, each a
wake-up). Evaluation shares its chunks out the same way and adds them in order.

A model with BatchNorm (``resnet20``) is not split: its batch statistics are those of the
whole batch, and its running statistics are updated once per update, as in any PyTorch loop;
it trains on one thread (so its numbers, too, do not depend on the thread count).
``evaluate`` runs the model in eval mode (running statistics), ``train_epoch`` in train mode.

``device`` (:func:`resolve_device`): ``"auto"`` trains on CUDA when PyTorch sees a GPU, else
on the CPU; ``"cuda"`` without one is refused in one line. On CUDA the data are moved to the GPU
once, the CPU-only speed-ups are off (the LeNet fast path, the split into parts, the thread pool),
``precision="bf16"`` is ``torch.autocast("cuda", torch.bfloat16)``, cuDNN runs its deterministic
algorithms (benchmark off) while training and evaluating, and checkpoints hold the CUDA RNG state
beside the CPU's. Bitwise resume on CUDA holds on the same GPU model, driver, CUDA, cuDNN and
torch: a resumed run ends with the same numbers as an uninterrupted one there; across GPUs or
library versions the kernels differ, and the numbers differ in their last bits.

Building the backend changes nothing in the process; while it trains or evaluates,
the calling thread runs torch on one thread (its own setting comes back after), and
:meth:`TorchBackend.close` stops its threads. A process that exists to train sets
itself up with :func:`lrlab.process.setup_training_process`.

>>> from lrlab.backends import backend_class
>>> backend_class("torch").checkpoint_name
'checkpoint.pt'
"""

from __future__ import annotations

import contextlib
import io
import operator
from concurrent.futures import ThreadPoolExecutor
from functools import partial, reduce
from pathlib import Path
from typing import Callable

import numpy as np

from .base import BackendUnavailable, EpochStats, Job, calibration_metrics

try:
    import torch
    from torch.nn import functional as F
except ImportError as error:
    raise BackendUnavailable(f"the torch backend needs PyTorch ({error}): pip install 'lrlab[torch]'") from None

from .. import metrics, models, optimizers
from ..adapters.torch import ScheduleLR
from ..models.lenet_torch import LeNet, forward
from .torch_samples import ParameterSamples

EVAL_BATCH = 1000

MICRO_BATCHES = 2
"""Parts of every batch, each a forward and backward of its own (a batch smaller than this has
as many parts as examples): at most this many threads work on one update. Every part pays a
fixed cost in Python and autograd, so more parts slow a one-thread step (benchmarks/README.md)."""


class TorchBackend:
    """A model from the registry trained in PyTorch, deterministic on CPU for a given seed, whatever the thread count."""

    checkpoint_name = "checkpoint.pt"

    def __init__(self, job: Job) -> None:
        self.device = resolve_device(job.device)
        self.conv_dtype = torch.bfloat16 if job.precision == "bf16" else torch.float32
        self.batch_size = job.batch_size
        self.train_x, self.train_y = _tensors(job.data, "train", self.device)
        self.test_x, self.test_y = _tensors(job.data, "test", self.device)
        torch.manual_seed(job.seed)
        self.model = models.build(job.model, "torch", job.data.image_shape, job.data.num_classes, job.init,
                                  **job.model_settings).to(self.device)
        self.network = network(self.model, self.conv_dtype, self.device)
        # One part per batch on CUDA (one kernel stream does it all) and for BatchNorm (exact statistics).
        self.parts = 1 if self.device.type == "cuda" or has_batch_norm(self.model) else MICRO_BATCHES
        self.threads = min(job.threads or torch.get_num_threads(), self.parts)
        # OpenMP's thread count is a per-thread setting: each worker runs torch on one thread.
        self.pool = (ThreadPoolExecutor(self.threads - 1, thread_name_prefix="lrlab-torch",
                                        initializer=torch.set_num_threads, initargs=(1,))
                     if self.threads > 1 else None)
        self.optimizer = optimizers.build(job.optimizer, "torch", self.model.parameters(), job.schedule(0),
                                          **job.optimizer_settings, **job.optimizer_inputs)
        # step() after every update serves both clocks: with unit="epoch" the
        # adapter turns updates into epochs itself.
        self.lr = ScheduleLR(self.optimizer, job.schedule, unit=job.unit, steps_per_epoch=job.updates_per_epoch)
        self.updates_per_epoch = job.updates_per_epoch
        self.samples = ParameterSamples(job.samples, job.updates_per_epoch) if job.samples else None

    def train_epoch(self, epoch: int, order: np.ndarray, on_batch: Callable[[], None]) -> EpochStats:
        self._mode(training=True)
        loss_sum = torch.zeros((), dtype=torch.float64, device=self.device)
        correct = torch.zeros((), dtype=torch.int64, device=self.device)
        lr_first = self.lr.get_last_lr()[0]
        with self._settings():
            for i, batch in enumerate(torch.from_numpy(order).to(self.device).split(self.batch_size)):
                lr_last = self.lr.get_last_lr()[0]
                loss, hits = self._update(batch)
                self.lr.step()
                if self.samples is not None:
                    self.samples.after_update(epoch * self.updates_per_epoch + i, self.model)
                loss_sum += loss
                correct += hits
                on_batch()
        n = len(order)
        return EpochStats(loss_sum.item() / n, correct.item() / n, lr_first, lr_last)

    def train_update(self, batch: np.ndarray) -> float:
        self._mode(training=True)
        with self._settings():
            loss, _ = self._update(torch.from_numpy(batch).to(self.device))
        self.lr.step()
        return loss.item() / len(batch)

    def _mode(self, training: bool) -> None:
        """The model's mode, and the optimizer's with it where it has one (schedule-free SGD: its
        ``train()`` puts the point gradients are taken at into the weights, ``eval()`` the average,
        and its ``step()`` refuses to run in eval mode)."""
        self.model.train(training)
        switch = getattr(self.optimizer, "train" if training else "eval", None)
        if switch is not None:
            switch()

    def _update(self, batch: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One optimizer update on ``batch``; returns its summed loss and its correct count."""
        parts = [part for part in batch.tensor_split(self.parts) if len(part)]
        results = self._map(partial(self._gradients, scale=1 / len(batch)), parts)
        for parameter, *grads in zip(self.model.parameters(), *(grads for _, _, grads in results)):
            parameter.grad = reduce(operator.add, grads)  # in a fixed order: the same numbers every time
        self.optimizer.step()
        return sum(loss for loss, _, _ in results), sum(hits for _, hits, _ in results)

    def _gradients(self, batch: torch.Tensor, scale: float):
        """The summed loss and correct count of ``batch``, and ``scale`` x its loss's gradients."""
        x, y = self.train_x.index_select(0, batch), self.train_y.index_select(0, batch)
        logits = self.network(x)
        loss = F.cross_entropy(logits, y, reduction="sum")
        grads = torch.autograd.grad(loss * scale, list(self.model.parameters()))
        return loss.detach().double(), (logits.detach().argmax(1) == y).sum(), grads

    def evaluate(self) -> dict[str, float]:
        """Test accuracy and mean cross-entropy, over chunks of :data:`EVAL_BATCH` added in order,
        and the Brier score and ECE of the same logits."""
        self._mode(training=False)
        chunks = list(zip(self.test_x.split(EVAL_BATCH), self.test_y.split(EVAL_BATCH)))
        with self._settings():
            results = self._map(self._evaluate_chunk, chunks)
        n = len(self.test_y)
        logits = np.concatenate([logits for _, _, logits in results])
        numbers = {"test_acc": sum(hits for hits, _, _ in results) / n,
                   "test_loss": sum(loss for _, loss, _ in results) / n} | calibration_metrics(logits, self.test_y.cpu().numpy())
        if self.samples is not None:
            numbers |= self.samples.metrics(self.model, self._test_probabilities, self.test_y.cpu().numpy())
        return numbers

    def posterior_probabilities(self) -> np.ndarray | None:
        """The kept parameter samples' averaged test probabilities (the posterior predictive); None
        for a run without samples, or before the first."""
        return None if self.samples is None else self.samples.mean_probabilities(self.model, self._test_probabilities)

    def _test_probabilities(self) -> np.ndarray:
        return metrics.softmax(self.logits(self.test_x.cpu().numpy()))

    def _evaluate_chunk(self, chunk: tuple[torch.Tensor, torch.Tensor]) -> tuple[int, float, np.ndarray]:
        """The correct count, the summed loss and the logits of one chunk of the test set."""
        x, y = chunk
        with torch.inference_mode():
            logits = self.network(x)
            return (int((logits.argmax(1) == y).sum()), float(F.cross_entropy(logits, y, reduction="sum")),
                    logits.cpu().numpy())

    def logits(self, images: np.ndarray) -> np.ndarray:
        self._mode(training=False)  # schedule-free SGD: the averaged weights, as evaluate scores
        with self._settings():
            parts = self._map(self._logits, list(torch.from_numpy(images).to(self.device).split(EVAL_BATCH)))
        return np.concatenate(parts)

    def _logits(self, x: torch.Tensor) -> np.ndarray:
        with torch.inference_mode():
            return self.network(x).cpu().numpy()

    def _settings(self):
        """The torch settings while training or evaluating: one CPU thread per part; on CUDA,
        cuDNN's deterministic algorithms (bitwise resume on the same GPU and libraries)."""
        stack = contextlib.ExitStack()
        stack.enter_context(_one_torch_thread())
        if self.device.type == "cuda":
            stack.enter_context(_deterministic_cudnn())
        return stack

    def _map(self, function, items: list) -> list:
        """``function`` of each item, in the items' order; every ``threads``-th item from the
        first runs in this thread, the others in the pool's (in order, as each is free)."""
        if self.pool is None:
            return [function(item) for item in items]
        futures = {i: self.pool.submit(function, item) for i, item in enumerate(items) if i % self.threads}
        own = {i: function(item) for i, item in enumerate(items) if not i % self.threads}
        return [own[i] if i in own else futures[i].result() for i in range(len(items))]

    def save(self, path: Path, epochs_done: int) -> None:
        # Serialised in memory first: torch's own file writer turns a full disk into a RuntimeError
        # without the file's name; a plain write raises OSError, which the CLI reports in one line.
        self._mode(training=False)  # the weights saved are the ones evaluated (schedule-free: the average)
        buffer = io.BytesIO()
        torch.save({
            "epochs_done": epochs_done,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "lr": self.lr.state_dict(),
            **rng_state(self.device),
        } | ({"samples": self.samples.state_dict()} if self.samples is not None else {}), buffer)
        Path(path).write_bytes(buffer.getbuffer())

    def load(self, path: Path) -> int:
        state = torch.load(path, weights_only=True, map_location="cpu")  # load_state_dict moves them
        self._mode(training=False)  # as saved: the optimizer's state holds its mode, the weights match it
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.lr.load_state_dict(state["lr"])
        set_rng_state(state, self.device)
        if self.samples is not None:
            self.samples.load_state_dict(state["samples"])
        return state["epochs_done"]

    def versions(self) -> dict[str, str]:
        """torch's version, and where the run trained (``"cpu"``, or ``"cuda: <the GPU's name>"``):
        recorded in config.json, since ``device="auto"`` does not say."""
        where = f"cuda: {torch.cuda.get_device_name(self.device)}" if self.device.type == "cuda" else "cpu"
        return {"torch": torch.__version__, "torch_device": where}

    def close(self) -> None:
        """Stop the backend's threads (waiting for none: no work is left between calls). The
        backend still works after it, on the calling thread alone, with the same numbers."""
        if self.pool is not None:
            self.pool.shutdown()
            self.pool = None


def use_threads(threads: int) -> None:
    """Give this process's torch ``threads`` threads, as ``OMP_NUM_THREADS=threads`` does when torch
    loads: for a training forked from a process that loaded torch already
    (:mod:`lrlab.experiments.executors.forkserver`).

    >>> before = torch.get_num_threads()
    >>> use_threads(1); torch.get_num_threads()
    1
    >>> use_threads(before)
    """
    torch.set_num_threads(threads)


@contextlib.contextmanager
def _one_torch_thread():
    """Run torch on one thread in the calling thread while inside, and give back its own setting
    after: every part of a batch computes on one thread, wherever it runs, so the numbers do not
    depend on the thread count."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@contextlib.contextmanager
def _deterministic_cudnn():
    """cuDNN's deterministic algorithms, benchmark off, while inside; its own settings after."""
    previous = torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = True, False
    try:
        yield
    finally:
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = previous


def resolve_device(device: str) -> torch.device:
    """The device a job's ``device`` names: ``"auto"`` is CUDA when PyTorch sees a GPU, else the CPU.

    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if device == "cpu":
        return torch.device("cpu")
    if torch.cuda.is_available():
        return torch.device("cuda")
    if device == "cuda":
        raise BackendUnavailable("device='cuda' is unavailable: this PyTorch sees no CUDA GPU "
                                 f"(torch {torch.__version__}, CUDA build: {torch.version.cuda or 'no'}); "
                                 "train with --device cpu, or auto")
    return torch.device("cpu")


def has_batch_norm(model: torch.nn.Module) -> bool:
    """Whether ``model`` keeps batch statistics (so a batch must not be split into parts)."""
    return any(isinstance(module, torch.nn.modules.batchnorm._BatchNorm) for module in model.modules())


def rng_state(device: torch.device) -> dict[str, object]:
    """The RNG states a checkpoint holds: the CPU's, and on CUDA every GPU's."""
    state = {"torch_rng": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda_rng"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict, device: torch.device) -> None:
    """Restore :func:`rng_state`'s states; the CUDA one only on CUDA (a run resumed on the CPU has none)."""
    torch.set_rng_state(state["torch_rng"])
    if device.type == "cuda" and "cuda_rng" in state:
        torch.cuda.set_rng_state_all(state["cuda_rng"])


def network(model: torch.nn.Module, conv_dtype: torch.dtype,
            device: torch.device = torch.device("cpu")) -> Callable[[torch.Tensor], torch.Tensor]:
    """How a batch goes through ``model``: a LeNet on the CPU by its fast path, any other module (and
    any model on CUDA) as itself, under ``torch.autocast`` in bfloat16 when ``conv_dtype`` is bfloat16;
    float32 logits out."""
    if isinstance(model, LeNet) and device.type == "cpu":
        return partial(forward, model, conv_dtype=conv_dtype)
    if conv_dtype == torch.float32:
        return model

    def in_bfloat16(x: torch.Tensor) -> torch.Tensor:
        with torch.autocast(device.type, dtype=conv_dtype):
            return model(x).float()

    return in_bfloat16


def _tensors(data, split: str, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """A split's images (float32) and labels as tensors on ``device``: moved there once, here."""
    images, labels = data.as_float32(split)
    return torch.from_numpy(images).to(device), torch.tensor(labels).to(device)


BACKEND = TorchBackend
