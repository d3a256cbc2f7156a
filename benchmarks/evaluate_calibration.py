"""What the calibration metrics add to an evaluation: the torch backend's ``evaluate`` on the whole
Fashion-MNIST test set (10,000 images), and, on its logits, the Brier score and ECE it computes
besides accuracy and loss (``lrlab.backends.base.calibration_metrics``). Minimum of ``--rounds``.

    LRLAB_DATA_DIR=... python benchmarks/evaluate_calibration.py --rounds 5
"""

from __future__ import annotations

import argparse
import os
import time

from lrlab.backends.base import calibration_metrics
from lrlab.backends.torch import TorchBackend
from lrlab.training.config import TrainConfig
from lrlab.training.loop import load_data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    config = TrainConfig(schedule="constant(0.1)", train_subset=1000, threads=1)
    data = load_data(config)
    backend = TorchBackend(config.job(data))
    images, labels = data.as_float32("test")
    backend.evaluate()  # warm-up
    whole, calibration = [], []
    for _ in range(args.rounds):
        started = time.perf_counter()
        backend.evaluate()
        whole.append(time.perf_counter() - started)
        logits = backend.logits(images)
        started = time.perf_counter()
        calibration_metrics(logits, labels)
        calibration.append(time.perf_counter() - started)
    print(f"evaluate, {len(labels)} test images: {min(whole) * 1000:.0f} ms; of it Brier + ECE: "
          f"{min(calibration) * 1000:.1f} ms (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
