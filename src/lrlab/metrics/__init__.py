"""How good and how honest a classifier's predicted probabilities are: accuracy, negative
log-likelihood, Brier score, expected calibration error and its reliability bins, and
temperature scaling. Pure numpy (it also runs in the MXNet environment, numpy 1.23), so every
backend and the report use the same formulas.

>>> import numpy as np
>>> probabilities = np.array([[0.9, 0.1], [0.4, 0.6]])
>>> scores = classification_metrics(probabilities, np.array([0, 0]))
>>> {name: round(value, 4) for name, value in scores.items()}
{'acc': 0.5, 'nll': 0.5108, 'brier': 0.37, 'ece': 0.35}
"""

from .calibration import BINS, ReliabilityBins, bin_edges, expected_calibration_error, reliability_bins
from .classification import accuracy, brier_score, classification_metrics, negative_log_likelihood, softmax
from .temperature import fit_temperature

__all__ = ["BINS", "ReliabilityBins", "accuracy", "bin_edges", "brier_score", "classification_metrics",
           "expected_calibration_error", "fit_temperature", "negative_log_likelihood", "reliability_bins", "softmax"]
