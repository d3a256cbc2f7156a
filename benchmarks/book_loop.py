"""The book's PyTorch training loop (d2l 12.11, release 1.0.3), copied so that lrlab can be timed against it.

What is copied, as the book runs it on a CPU:

- ``load_data_fashion_mnist``: torchvision's ``FashionMNIST`` dataset with ``transforms.ToTensor()``,
  i.e. per item a PIL image made from the uint8 array, then converted to a float tensor in [0, 1];
  ``DataLoader(batch_size=256, shuffle=True, num_workers=4)`` for training and
  ``shuffle=False, num_workers=4`` for the test set. torchvision is not installed here (it pulls
  another torch build), so ``FashionMNISTItems`` does the same per-item work with Pillow:
  ``Image.fromarray`` then torchvision's ``ToTensor`` steps for a mode "L" image (when Pillow is
  missing, the same steps from the numpy array; ``PIL_USED`` says which ran).
- ``net_fn`` (the chapter's LeNet, PyTorch's default initialisation as in the chapter),
  ``nn.CrossEntropyLoss``, ``torch.optim.SGD``.
- ``train``: per step ``Accumulator.add(l * X.shape[0], accuracy(y_hat, y), X.shape[0])``, whose
  ``float()`` calls sync with the host every step; ``evaluate_accuracy_gpu`` after every epoch;
  the rate set after each epoch with ``param_group['lr'] = scheduler(epoch)``. The Animator is
  left out (it only plots).

Run ``python benchmarks/book_loop.py --epochs 2`` for a quick look; ``epoch_time.py`` and
``chapter_suite.py`` import it.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import torch
from torch import nn
from torch.utils import data

from lrlab.data import load_fashion_mnist

try:
    from PIL import Image
except ImportError:  # pragma: no cover - Pillow is normally installed with matplotlib
    Image = None

PIL_USED = Image is not None
BATCH_SIZE = 256
NUM_WORKERS = 4  # d2l.get_dataloader_workers()


class FashionMNISTItems(data.Dataset):
    """torchvision's FashionMNIST + ToTensor: one uint8 image becomes one float tensor per item."""

    def __init__(self, images: np.ndarray, labels: np.ndarray) -> None:
        self.data = torch.from_numpy(np.array(images))  # torchvision keeps uint8 tensors
        self.targets = torch.from_numpy(np.array(labels))

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index: int):
        img, target = self.data[index], int(self.targets[index])
        return to_tensor(img.numpy()), target


def to_tensor(pixels: np.ndarray) -> torch.Tensor:
    """torchvision's ``ToTensor()(Image.fromarray(pixels, mode="L"))``."""
    if PIL_USED:
        pic = Image.fromarray(pixels)
        pixels = np.array(pic, np.uint8, copy=True)
    img = torch.from_numpy(pixels).view(pixels.shape[0], pixels.shape[1], 1)
    img = img.permute((2, 0, 1)).contiguous()
    return img.to(dtype=torch.get_default_dtype()).div(255)


def load_data_fashion_mnist(batch_size: int = BATCH_SIZE, data_dir: str | None = None):
    fm = load_fashion_mnist(data_dir)
    train = FashionMNISTItems(fm.train_images, fm.train_labels)
    test = FashionMNISTItems(fm.test_images, fm.test_labels)
    return (data.DataLoader(train, batch_size, shuffle=True, num_workers=NUM_WORKERS),
            data.DataLoader(test, batch_size, shuffle=False, num_workers=NUM_WORKERS))


def net_fn() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))


class Accumulator:
    """d2l.Accumulator: sums n variables; ``float()`` on a tensor waits for it."""

    def __init__(self, n: int) -> None:
        self.data = [0.0] * n

    def add(self, *args) -> None:
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def __getitem__(self, idx: int) -> float:
        return self.data[idx]


def accuracy(y_hat: torch.Tensor, y: torch.Tensor) -> float:
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


def evaluate_accuracy_gpu(net: nn.Module, data_iter, device=None) -> float:
    if isinstance(net, nn.Module):
        net.eval()
        if not device:
            device = next(iter(net.parameters())).device
    metric = Accumulator(2)
    with torch.no_grad():
        for X, y in data_iter:
            X, y = X.to(device), y.to(device)
            metric.add(accuracy(net(X), y), y.numel())
    return metric[0] / metric[1]


class Book:
    """The book's ``train`` split into epochs, so that a benchmark can time each one (and
    alternate it with another loop). ``epoch()`` is one pass of the book's epoch loop."""

    def __init__(self, scheduler=None, lr: float = 0.3, data_dir: str | None = None, seed: int = 0) -> None:
        torch.manual_seed(seed)
        self.train_iter, self.test_iter = load_data_fashion_mnist(BATCH_SIZE, data_dir)
        self.net, self.loss = net_fn(), nn.CrossEntropyLoss()
        self.trainer = torch.optim.SGD(self.net.parameters(), lr=lr)
        self.scheduler, self.device, self.epochs_done = scheduler, torch.device("cpu"), 0

    def epoch(self) -> dict:
        """Train one epoch, evaluate, set the next rate; returns the numbers and both timings."""
        net, trainer, loss, device = self.net, self.trainer, self.loss, self.device
        net.to(device)
        started = time.perf_counter()
        metric = Accumulator(3)  # train_loss, train_acc, num_examples
        for X, y in self.train_iter:
            net.train()
            trainer.zero_grad()
            X, y = X.to(device), y.to(device)
            y_hat = net(X)
            l = loss(y_hat, y)
            l.backward()
            trainer.step()
            with torch.no_grad():
                metric.add(l * X.shape[0], accuracy(y_hat, y), X.shape[0])
        trained = time.perf_counter()
        test_acc = evaluate_accuracy_gpu(net, self.test_iter)
        evaluated = time.perf_counter()
        if self.scheduler:
            for param_group in trainer.param_groups:
                param_group["lr"] = self.scheduler(self.epochs_done)
        self.epochs_done += 1
        return {"train_loss": metric[0] / metric[2], "train_acc": metric[1] / metric[2], "test_acc": test_acc,
                "train_seconds": trained - started, "eval_seconds": evaluated - trained}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lr", type=float, default=0.3)
    args = parser.parse_args()
    book = Book(lr=args.lr)
    print(f"per-item conversion through {'Pillow' if PIL_USED else 'numpy'}; torch threads {torch.get_num_threads()}")
    for epoch in range(args.epochs):
        row = book.epoch()
        print(f"epoch {epoch}: train loss {row['train_loss']:.3f}, train acc {row['train_acc']:.3f}, "
              f"test acc {row['test_acc']:.3f}; train {row['train_seconds']:.2f} s, eval {row['eval_seconds']:.2f} s")
        assert math.isfinite(row["train_loss"])


if __name__ == "__main__":
    main()
