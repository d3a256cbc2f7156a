"""Temperature scaling (Guo et al. 2017): one number ``T > 0`` divides every logit, ``softmax(z / T)``,
chosen to minimise the negative log-likelihood on held-out examples. The predicted classes (and so
accuracy) do not change; ``T > 1`` softens over-confident predictions.

``NLL(beta) = (1/n) sum_i [logsumexp_k(beta z_ik) - beta z_iy_i]`` is convex in ``beta = 1/T`` (a
log-sum-exp of linear functions, minus a linear one), so it has one minimum along ``log T`` too:
a golden-section search on ``log T`` finds it without derivatives.

>>> import math
>>> import numpy as np
>>> z = np.array([[2.0, 0.0], [2.0, 0.0], [2.0, 0.0], [2.0, 0.0]])
>>> y = np.array([0, 0, 0, 1])          # 75% right: the best T makes p = 0.75, so 2 / T = ln 3
>>> round(fit_temperature(z, y), 4), round(2 / math.log(3), 4)
(1.8205, 1.8205)
"""

from __future__ import annotations

import math

import numpy as np

from .classification import negative_log_likelihood, softmax

LOG_T_RANGE = (math.log(1e-2), math.log(1e2))
"""The search's bracket on ``log T``: 0.01 to 100 (an answer at an end means the bracket cut it)."""
TOLERANCE = 1e-7
"""The bracket's width on ``log T`` at which the search stops (a relative error on T of about 1e-7)."""
GOLDEN = (math.sqrt(5) - 1) / 2


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The ``T`` in :data:`LOG_T_RANGE` minimising ``NLL(softmax(logits / T), labels)``."""
    logits = np.asarray(logits, dtype=np.float64)

    def nll(log_t: float) -> float:
        return negative_log_likelihood(softmax(logits, math.exp(log_t)), labels)

    low, high = LOG_T_RANGE
    left, right = high - GOLDEN * (high - low), low + GOLDEN * (high - low)
    f_left, f_right = nll(left), nll(right)
    while high - low > TOLERANCE:
        if f_left <= f_right:  # the minimum is left of `right`
            high, right, f_right = right, left, f_left
            left = high - GOLDEN * (high - low)
            f_left = nll(left)
        else:
            low, left, f_left = left, right, f_right
            right = low + GOLDEN * (high - low)
            f_right = nll(right)
    return math.exp((low + high) / 2)
