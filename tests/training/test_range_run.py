"""A range test trains what ``lrlab train`` would: the same model, data order and updates."""

import numpy as np
import pytest

from lrlab.backends import backend_class
from lrlab.training.loop import epoch_order, load_data
from lrlab.training.range_run import batches, range_config, run_range_test
from lrlab.training.range_test import RangeTest


@pytest.mark.parametrize("backend", ["torch", "keras"])
def test_update_by_update_is_an_epoch_bitwise(tiny_config, backend):
    """``train_update`` over an epoch's batches leaves the model as ``train_epoch`` does, with the
    same mean loss: the range test's updates are a training's."""
    config = range_config(tiny_config(backend=backend, seed=3), RangeTest(min_lr=0.01, max_lr=1.0, steps=10))
    data = load_data(config)
    by_epoch, by_update = (backend_class(backend)(config.job(data)) for _ in range(2))
    try:
        order = epoch_order(config.seed, 0, len(data.train_labels))
        stats = by_epoch.train_epoch(0, order, lambda: None)
        losses = [by_update.train_update(batch) for batch in batches(config.seed, len(order), config.batch_size, 10)]
        assert by_update.evaluate() == by_epoch.evaluate()
        assert np.mean(losses) == pytest.approx(stats.train_loss, rel=1e-6)  # batches of 100: equal weights
    finally:
        by_epoch.close()
        by_update.close()


def test_the_curve_holds_each_update_its_rate_and_what_the_test_suggests(tiny_config):
    test = RangeTest(min_lr=1e-2, max_lr=1e5, steps=30)
    curve = run_range_test(tiny_config(seed=0), test)
    n = len(curve.losses)
    assert curve.stopped and n < 30  # the loss of this LeNet explodes at rates of a few units
    assert curve.rates.tolist() == test.rates()[:n].tolist()
    assert curve.smoothed.tolist() == test.smooth(curve.losses).tolist()
    assert set(curve.suggestions) == {"valley", "steep", "min_div_10"}
