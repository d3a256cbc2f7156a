"""Scores of predicted class probabilities against labels: accuracy, negative log-likelihood,
Brier score (and, from :mod:`.calibration`, the expected calibration error), all in float64.

``probabilities`` is an (n, C) array whose rows sum to 1; ``labels`` n integers in ``0 .. C-1``.

>>> import numpy as np
>>> p = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
>>> y = np.array([0, 1])
>>> accuracy(p, y), round(negative_log_likelihood(p, y), 6), round(brier_score(p, y), 6)
(0.5, 0.780324, 0.5)
"""

from __future__ import annotations

import numpy as np

SMALLEST = np.finfo(np.float64).tiny
"""A probability of exactly 0 (a softmax that underflowed) counts as this in the log: its NLL is
about 708 instead of infinity, so one example cannot make a run's NLL infinite."""


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """``softmax(z / T)`` row by row, in float64, stable for large logits:
    ``p_k = exp(z_k / T - max_j z_j / T) / sum_j exp(z_j / T - max_j z_j / T)``.

    >>> softmax(np.array([[0.0, np.log(3.0)]])).round(6).tolist()
    [[0.25, 0.75]]
    >>> softmax(np.array([[1000.0, 1000.0]]), temperature=2.0).tolist()
    [[0.5, 0.5]]
    """
    scaled = np.asarray(logits, dtype=np.float64) / temperature
    scaled = scaled - scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    return exp / exp.sum(axis=1, keepdims=True)


def accuracy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The share of examples whose most probable class (the first, on a tie) is the label.

    >>> accuracy(np.array([[0.5, 0.5], [0.2, 0.8]]), np.array([0, 0]))
    0.5
    """
    probabilities, labels = _checked(probabilities, labels)
    return float(np.mean(probabilities.argmax(axis=1) == labels))


def negative_log_likelihood(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """``NLL = -(1/n) sum_i log p_i[y_i]``: the mean cross-entropy (a run's ``test_loss``, computed
    from the logits, is this number up to float32 rounding); 0 for a certain, right prediction,
    ``ln C`` for a uniform guess. A probability of 0 counts as :data:`SMALLEST`.

    >>> round(negative_log_likelihood(np.full((4, 10), 0.1), np.arange(4)), 6) == round(float(np.log(10)), 6)
    True
    """
    probabilities, labels = _checked(probabilities, labels)
    chosen = probabilities[np.arange(len(labels)), labels]
    return float(-np.mean(np.log(np.maximum(chosen, SMALLEST))))


def brier_score(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """``Brier = (1/n) sum_i sum_k (p_ik - [k = y_i])^2`` (Brier 1950, over all C classes):
    0 for certain right predictions, 2 for certain wrong ones, ``1 - 1/C`` for a uniform guess.

    >>> brier_score(np.array([[1.0, 0.0], [1.0, 0.0]]), np.array([0, 1]))
    1.0
    >>> round(brier_score(np.full((3, 4), 0.25), np.array([0, 1, 2])), 6)
    0.75
    """
    probabilities, labels = _checked(probabilities, labels)
    one_hot = np.zeros_like(probabilities)
    one_hot[np.arange(len(labels)), labels] = 1.0
    return float(np.mean(np.sum((probabilities - one_hot) ** 2, axis=1)))


def classification_metrics(probabilities: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """``{"acc", "nll", "brier", "ece"}`` of the predictions (ECE with
    :data:`lrlab.metrics.calibration.BINS` equal-width bins)."""
    from .calibration import expected_calibration_error

    return {"acc": accuracy(probabilities, labels), "nll": negative_log_likelihood(probabilities, labels),
            "brier": brier_score(probabilities, labels),
            "ece": expected_calibration_error(probabilities, labels)}


def _checked(probabilities, labels) -> tuple[np.ndarray, np.ndarray]:
    """The arrays as float64 (n, C) and int (n,); ValueError in one line when they do not fit."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    labels = np.asarray(labels)
    if probabilities.ndim != 2 or labels.shape != probabilities.shape[:1] or len(labels) == 0:
        raise ValueError(f"probabilities must be (n, classes) and labels (n,) with n >= 1, "
                         f"not {probabilities.shape} and {labels.shape}")
    if labels.min() < 0 or labels.max() >= probabilities.shape[1]:
        raise ValueError(f"labels must be in 0..{probabilities.shape[1] - 1}")
    return probabilities, labels.astype(np.int64)
