"""The guarded clock: a horizon in the wrong unit is caught, the seed chapter's runs are not."""

import pytest

from lrlab.schedules import parse
from lrlab.training.clock import clock_warning

BOOK = dict(epochs=30, updates_per_epoch=235)  # 60000 examples, batch 256


def warning(spec, unit, **run):
    return clock_warning(parse(spec), unit=unit, **(BOOK | run))


def test_the_books_mxnet_cosine_is_caught_and_the_conversion_offered():
    text = warning("cosine(max_update=20, base_lr=0.3, final_lr=0.01)", "step")
    assert text.startswith("cosine stops changing after 20 updates, 0.3% of this run's 7050 updates: "
                           "was its horizon (max_update=20) meant in epochs?")
    assert "--unit epoch" in text
    offered = "stretch(cosine(max_update=20, base_lr=0.3, final_lr=0.01), by=235, mode='hold')"
    assert offered in text and "mode='continuous'" in text
    # The offer is a valid spec, and taking it silences the warning.
    assert warning(offered, "step") is None


def test_an_update_horizon_run_per_epoch_is_caught():
    text = warning("cosine(max_update=7050, base_lr=0.3)", "epoch")
    assert "stops changing after 7050 epochs, but this run has only 30 epochs (0.4% of it)" in text
    assert "meant in updates? Run it per update with --unit step (235 updates per epoch)" in text


@pytest.mark.parametrize("spec", [
    "constant(0.3)",
    "power(base_lr=0.1, beta=0.5)",
    "multifactor(base_lr=0.5, steps=[15, 30], factor=0.5, boundary='after')",
    "cosine(max_update=20, base_lr=0.3, final_lr=0.01)",
    "cosine(max_update=20, base_lr=0.3, final_lr=0.01, warmup_steps=5)",
])
def test_the_seed_chapters_epoch_schedules_pass(spec):
    assert warning(spec, "epoch") is None


def test_the_thresholds_are_a_quarter_and_four_times_the_run():
    assert warning("linear(0.3, 0.0, 10)", "epoch", epochs=40) is None
    assert warning("linear(0.3, 0.0, 9)", "epoch", epochs=40) is not None
    assert warning("linear(0.3, 0.0, 160)", "epoch", epochs=40) is None
    assert warning("linear(0.3, 0.0, 161)", "epoch", epochs=40) is not None


def test_far_off_horizons_without_a_unit_fix_still_say_what_happens():
    assert warning("cosine(max_update=100000, base_lr=0.3)", "step").endswith("most of the schedule is never reached. "
                                                                             "If that is meant, ignore this warning.")
    assert "the rest of the run trains at a constant rate" in warning("cosine(max_update=5, base_lr=0.3)", "epoch")
