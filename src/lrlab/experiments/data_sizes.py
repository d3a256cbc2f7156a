"""How many examples a run's own data set holds, so that quick mode's limits can take a small one whole.

Quick mode trains on at most 5,000 training and 2,000 test images (``[quick]`` may say otherwise).
A data set of the user's own (``npz:PATH``, ``folder:PATH``) may hold fewer; a limit above its size
then means all of it, where a training asked for more than there is would be refused. A registered
data set is not loaded here: Fashion-MNIST is larger than the limits, and a loader of the user's
may download.

>>> file_data_sizes({"dataset": "fashion-mnist"}) is None
True
"""

from __future__ import annotations

from typing import Any

from ..data import DataError, load_dataset, names
from ..training.config import ConfigError, TrainConfig


def file_data_sizes(settings: dict[str, Any]) -> tuple[int, int] | None:
    """The (training, test) examples of the file data set that run ``settings`` name, read here
    (each file once: the loaders keep what they read); None for a registered data set, or one that
    cannot be read here (on a Ray cluster the files may be on the workers only: the trainings say)."""
    try:
        config = TrainConfig(schedule="constant(0.1)", **settings)
    except (ConfigError, TypeError):
        return None
    if ":" not in config.dataset or config.dataset in names():
        return None
    try:
        data = load_dataset(config.dataset, config.data_dir, config.data_options)
    except (DataError, OSError):
        return None
    return len(data.train_labels), len(data.test_labels)
