"""Calibration after a run's last epoch: the test predictions' reliability bins, and temperature
scaling fitted on examples held out of the training set (the ``holdout`` setting) as a reference point.

The held-out examples are a fixed random choice of the training set (``numpy.random.default_rng(``
:data:`HOLDOUT_SEED` ``)``), the same for every seed and framework, so that runs that differ only in
their seed or framework train on the same examples. Held out, they are never trained on: a run with
``holdout = N`` trains on N examples fewer than the chapter's (its numbers are not the chapter's; that
is why it is off by default).

What :func:`final_calibration` returns goes into ``summary.json`` as ``calibration``::

    {"reliability": {"edges", "count", "confidence_sum", "correct"},   # the test set, 15 bins
     "temperature": {"held_out": N, "temperature": T,                  # absent when holdout = 0
                     "test_nll", "test_brier", "test_ece",             # after dividing the logits by T
                     "reliability": {...}},
     "posterior": {"reliability": {...}}}     # a run with parameter samples (from the first one on)
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .. import metrics

HOLDOUT_SEED = 2017
"""The generator seed of the held-out choice (a constant: the same examples in every run)."""


def split_holdout(data, n: int):
    """``(train_data, held_out)``: ``data`` without ``n`` held-out training examples, and those examples
    as the *test* split of a data set of their own (None when ``n`` is 0). Both keep the examples' order
    and ``data``'s fingerprint (the holdout is part of the run's config).

    >>> from lrlab.data import ImageDataset
    >>> data = ImageDataset("toy", np.zeros((10, 2, 2), np.uint8), np.arange(10), np.zeros((3, 2, 2), np.uint8),
    ...                     np.arange(3), tuple("0123456789"))
    >>> train, held_out = split_holdout(data, 4)
    >>> len(train.train_labels), held_out.test_labels.tolist(), sorted(set(train.train_labels) & set(held_out.test_labels))
    (6, [1, 2, 6, 7], [])
    """
    if not n:
        return data, None
    chosen = np.random.default_rng(HOLDOUT_SEED).permutation(len(data.train_labels))
    held, kept = np.sort(chosen[:n]), np.sort(chosen[n:])
    train = dataclasses.replace(data, train_images=data.train_images[kept], train_labels=data.train_labels[kept])
    held_out = dataclasses.replace(data, train_images=data.train_images[:0], train_labels=data.train_labels[:0],
                                   test_images=data.train_images[held], test_labels=data.train_labels[held])
    for part in (train, held_out):
        part.__dict__["fingerprint"] = data.fingerprint
    return train, held_out


def final_calibration(backend, data, held_out) -> dict:
    """The trained model's reliability bins on ``data``'s test set; with ``held_out``, the temperature
    fitted there (:func:`lrlab.metrics.fit_temperature`) and the test metrics after scaling; for a backend
    that keeps parameter samples, their averaged predictions' reliability bins."""
    test_x, test_y = data.as_float32("test")
    logits = backend.logits(test_x)
    result = {"reliability": metrics.reliability_bins(metrics.softmax(logits), test_y).to_dict()}
    if held_out is not None:
        held_x, held_y = held_out.as_float32("test")
        temperature = metrics.fit_temperature(backend.logits(held_x), held_y)
        scaled = metrics.softmax(logits, temperature)
        scores = metrics.classification_metrics(scaled, test_y)
        result["temperature"] = {"held_out": len(held_y), "temperature": temperature,
                                 "test_nll": scores["nll"], "test_brier": scores["brier"], "test_ece": scores["ece"],
                                 "reliability": metrics.reliability_bins(scaled, test_y).to_dict()}
    posterior = getattr(backend, "posterior_probabilities", lambda: None)()  # backends that keep samples
    if posterior is not None:
        result["posterior"] = {"reliability": metrics.reliability_bins(posterior, test_y).to_dict()}
    return result
