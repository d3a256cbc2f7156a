"""Accuracy, NLL, Brier and ECE on cases small enough to compute by hand; the bins at their edges;
temperature scaling finding a temperature that made the labels."""

import math

import numpy as np
import pytest

from lrlab.metrics import (BINS, bin_edges, brier_score, classification_metrics, expected_calibration_error,
                           fit_temperature, negative_log_likelihood, reliability_bins, softmax)

P = np.array([[0.9, 0.05, 0.05],    # right, confidence 0.9
              [0.6, 0.3, 0.1],      # wrong (label 1), confidence 0.6
              [0.2, 0.7, 0.1],      # right, confidence 0.7
              [0.25, 0.25, 0.5]])   # wrong (label 0), confidence 0.5
Y = np.array([0, 1, 1, 0])


def test_nll_by_hand():
    expected = -(math.log(0.9) + math.log(0.3) + math.log(0.7) + math.log(0.25)) / 4
    assert negative_log_likelihood(P, Y) == pytest.approx(expected, rel=1e-14)


def test_brier_by_hand():
    rows = [0.1 ** 2 + 0.05 ** 2 + 0.05 ** 2,
            0.6 ** 2 + 0.7 ** 2 + 0.1 ** 2,
            0.2 ** 2 + 0.3 ** 2 + 0.1 ** 2,
            0.75 ** 2 + 0.25 ** 2 + 0.5 ** 2]
    assert brier_score(P, Y) == pytest.approx(sum(rows) / 4, rel=1e-14)


def test_ece_by_hand_with_15_bins():
    # 0.9 -> bin (0.8667, 0.9333], 0.7 -> (0.6667, 0.7333], 0.6 = 9/15 closes (0.5333, 0.6],
    # 0.5 -> (0.4667, 0.5333]: every prediction alone in its bin, so ECE = mean |right - confidence|.
    expected = (abs(1 - 0.9) + abs(0 - 0.6) + abs(1 - 0.7) + abs(0 - 0.5)) / 4
    assert expected_calibration_error(P, Y) == pytest.approx(expected, rel=1e-14)
    scores = classification_metrics(P, Y)
    assert scores["acc"] == 0.5 and scores["ece"] == pytest.approx(expected, rel=1e-14)


def test_ece_of_a_shared_bin_compares_means_not_examples():
    p = np.array([[0.82, 0.18], [0.86, 0.14]])  # both in (0.8, 0.8667]
    # one right, one wrong: |0.5 - 0.84| = 0.34 (per example it would be (0.18 + 0.86) / 2 = 0.52)
    assert expected_calibration_error(p, np.array([0, 1])) == pytest.approx(0.34, rel=1e-12)


@pytest.mark.parametrize("k", range(1, BINS + 1))
def test_a_confidence_exactly_on_an_edge_falls_in_the_bin_it_closes(k):
    """Bins are (lo, hi]: the edge k/15 (as numpy.linspace writes it) belongs to bin k - 1 (0-based)."""
    edge = bin_edges()[k]
    if edge < 0.5:  # a confidence of two classes is at least 1/2: use more classes
        classes = math.ceil(1 / edge) + 1
        rest = (1 - edge) / (classes - 1)
        p = np.array([[edge] + [rest] * (classes - 1)])
        assert p.max() == edge
    else:
        p = np.array([[edge, 1 - edge]])
    bins = reliability_bins(p, np.array([0]))
    assert bins.count.tolist() == [1.0 if m == k - 1 else 0.0 for m in range(BINS)]
    just_above = reliability_bins(np.array([[np.nextafter(edge, 2), 0.0]]), np.array([0])) if k < BINS else None
    if just_above is not None:
        assert just_above.count[k] == 1.0


def test_the_edges_are_equal_width_from_0_to_1():
    edges = bin_edges()
    assert len(edges) == BINS + 1 and edges[0] == 0.0 and edges[-1] == 1.0
    assert np.allclose(np.diff(edges), 1 / 15)


def test_bins_add_up_over_chunks():
    rng = np.random.default_rng(3)
    p = softmax(rng.normal(size=(200, 10)) * 3)
    y = rng.integers(0, 10, 200)
    whole = reliability_bins(p, y)
    parts = reliability_bins(p[:70], y[:70]) + reliability_bins(p[70:], y[70:])
    assert np.allclose(whole.count, parts.count) and np.allclose(whole.correct, parts.correct)
    assert parts.ece == pytest.approx(whole.ece, rel=1e-12)
    assert whole.count.sum() == 200


def test_bad_shapes_are_one_line_errors():
    with pytest.raises(ValueError, match="probabilities must be"):
        brier_score(np.ones(3), np.zeros(3, int))
    with pytest.raises(ValueError, match="labels must be in 0..1"):
        brier_score(np.full((1, 2), 0.5), np.array([2]))


def test_temperature_scaling_recovers_the_temperature_that_made_the_labels():
    """Labels drawn from softmax(z / 2.5): the NLL's minimiser is the maximum-likelihood T, whose
    spread over data sets of 40,000 examples is about 0.012 (std over seeds 0-19); 0.1 is 8 of those."""
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(40_000, 10)) * 6
    p = softmax(logits, 2.5)
    labels = (p.cumsum(axis=1) > rng.random((len(p), 1))).argmax(axis=1)
    t = fit_temperature(logits, labels)
    assert abs(t - 2.5) < 0.1
    before = negative_log_likelihood(softmax(logits), labels)
    after = negative_log_likelihood(softmax(logits, t), labels)
    assert after < before
    assert expected_calibration_error(softmax(logits, t), labels) < expected_calibration_error(softmax(logits), labels)


def test_temperature_of_calibrated_logits_is_1():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(40_000, 5)) * 2
    labels = (softmax(logits).cumsum(axis=1) > rng.random((40_000, 1))).argmax(axis=1)
    assert abs(fit_temperature(logits, labels) - 1.0) < 0.05
