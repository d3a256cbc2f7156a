"""Expected calibration error and the reliability diagram's bins (Guo et al. 2017, "On
Calibration of Modern Neural Networks").

A prediction's confidence is its largest probability, ``c_i = max_k p_ik``, and it is right when
that class (the first, on a tie) is the label. The confidences are put in ``M`` = :data:`BINS`
equal-width bins ``B_m = ((m-1)/M, m/M]``, m = 1..M: **a confidence exactly on an edge m/M falls
in the bin below it** (the bin it closes, as Guo et al.'s half-open intervals), and a confidence
of 0 in the first bin. Then

``ECE = sum_m |B_m| / n * |acc(B_m) - conf(B_m)|``,

with ``acc(B_m)`` the share of right predictions in the bin and ``conf(B_m)`` their mean
confidence; empty bins add nothing. 0 is perfectly calibrated: among the predictions made with
confidence 0.8, 80% are right.

>>> import numpy as np
>>> p = np.array([[0.8, 0.2], [0.8, 0.2], [0.8, 0.2], [0.8, 0.2], [0.8, 0.2]])
>>> round(expected_calibration_error(p, np.array([0, 0, 0, 0, 1])), 12)  # 80% right at 0.8
0.0
>>> round(expected_calibration_error(p, np.array([0, 0, 0, 1, 1])), 12)  # 60% right at 0.8
0.2
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .classification import _checked

BINS = 15
"""Equal-width confidence bins, as Guo et al. 2017."""


def bin_edges(bins: int = BINS) -> np.ndarray:
    """The ``bins + 1`` edges from 0 to 1 (``numpy.linspace``: the floats the binning compares with).

    >>> bin_edges(4).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    return np.linspace(0.0, 1.0, bins + 1)


@dataclasses.dataclass(frozen=True)
class ReliabilityBins:
    """A reliability diagram's numbers: per bin, the count of predictions, the sum of their
    confidences and the count of right ones (sums, so that bins of several seeds or test-set
    chunks add up). ``edges`` are :func:`bin_edges`."""

    edges: np.ndarray
    count: np.ndarray
    confidence_sum: np.ndarray
    correct: np.ndarray

    @property
    def accuracy(self) -> np.ndarray:
        """``acc(B_m)`` per bin (NaN for an empty bin)."""
        return _ratio(self.correct, self.count)

    @property
    def confidence(self) -> np.ndarray:
        """``conf(B_m)`` per bin (NaN for an empty bin)."""
        return _ratio(self.confidence_sum, self.count)

    @property
    def ece(self) -> float:
        """``sum_m |B_m| / n * |acc(B_m) - conf(B_m)|``."""
        gaps = np.abs(self.correct - self.confidence_sum)  # = |B_m| * |acc - conf|
        return float(gaps.sum() / self.count.sum())

    def __add__(self, other: "ReliabilityBins") -> "ReliabilityBins":
        return ReliabilityBins(self.edges, self.count + other.count, self.confidence_sum + other.confidence_sum,
                               self.correct + other.correct)

    def to_dict(self) -> dict[str, list]:
        """Plain lists for JSON (``summary.json``'s calibration)."""
        return {"edges": self.edges.tolist(), "count": self.count.tolist(),
                "confidence_sum": self.confidence_sum.tolist(), "correct": self.correct.tolist()}

    @classmethod
    def from_dict(cls, data) -> "ReliabilityBins":
        return cls(*(np.asarray(data[key], dtype=np.float64)
                     for key in ("edges", "count", "confidence_sum", "correct")))


def reliability_bins(probabilities: np.ndarray, labels: np.ndarray, bins: int = BINS) -> ReliabilityBins:
    """The predictions' confidences and correctness, binned as the module docstring says.

    Edges: 0.5 closes the first of 2 bins, so a confidence of exactly 0.5 counts there.

    >>> b = reliability_bins(np.array([[0.5, 0.5], [0.75, 0.25], [1.0, 0.0]]), np.array([1, 0, 0]), bins=2)
    >>> b.count.tolist(), b.correct.tolist(), b.confidence.tolist()
    ([1.0, 2.0], [0.0, 2.0], [0.5, 0.875])
    """
    probabilities, labels = _checked(probabilities, labels)
    confidence = probabilities.max(axis=1)
    correct = (probabilities.argmax(axis=1) == labels).astype(np.float64)
    edges = bin_edges(bins)
    # side="left": a confidence equal to edges[k] gets k, so bin k - 1, the one it closes.
    index = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, bins - 1)
    return ReliabilityBins(edges, np.bincount(index, minlength=bins).astype(np.float64),
                           np.bincount(index, weights=confidence, minlength=bins),
                           np.bincount(index, weights=correct, minlength=bins))


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray, bins: int = BINS) -> float:
    """ECE over ``bins`` equal-width confidence bins (the module docstring's formula)."""
    return reliability_bins(probabilities, labels, bins).ece


def _ratio(numerator: np.ndarray, count: np.ndarray) -> np.ndarray:
    return np.divide(numerator, count, out=np.full(count.shape, np.nan), where=count > 0)
