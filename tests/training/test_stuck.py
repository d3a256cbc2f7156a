"""A run whose train loss stays at chance level (ln of the classes) to the end ends "stuck":
the rule, a real tiny training that ends so, its resumption, and ``lrlab train``'s exit status 4."""

import json
import math

import pytest

from lrlab.cli import main
from lrlab.runfolder import RunDir, Status
from lrlab.training.loop import STUCK_EPOCHS, STUCK_FRACTION, stuck_at_chance, train

LN10 = math.log(10)


@pytest.mark.parametrize("losses, classes, stuck", [
    ([2.31, 2.302, 2.304], 10, True),                  # at chance throughout
    ([1.2, 0.6, 0.5, 2.302, 2.303, 2.304], 10, True),  # learned, then collapsed (the multi-factor seed 0)
    ([2.303, 2.303, 2.302, 1.9, 1.2], 10, False),      # a warm-up from 0 at chance, then learning
    ([2.303, 2.303, 2.302, 1.9], 10, False),           # only the last epochs count
    ([2.303, 2.303, 2.9, 13.7], 10, True),             # above chance is no better than chance
    ([0.5, 2.303], 10, False),                         # learning in one of the last STUCK_EPOCHS
    ([2.303], 10, False),                              # fewer epochs than STUCK_EPOCHS: too short to tell
    ([2.31, 2.303], 10, False),
    ([9.0, 2.31, 2.303], 10, True),                    # exactly STUCK_EPOCHS
    ([2.265, 2.265, 2.265], 10, False),                # slowly learning: below the 1% margin
    ([], 10, False),                                   # no epoch: nothing to judge
    ([0.693, 0.70, 0.694], 2, True),                   # two classes: ln 2
    ([0.693, 0.70, 0.694], 10, False),                 # ln 2 is far below ln 10
    ([4.6, 4.61, 4.605], 100, True),                   # a hundred classes: ln 100 = 4.605
    ([2.303, 2.303, 2.303], 100, False),
    ([0.0, 0.0, 0.0], 1, False),                       # one class: no chance level
    ([2.303, None, 2.303], 10, False),                 # a non-finite loss is diverged, not stuck
])
def test_the_rule(losses, classes, stuck):
    assert stuck_at_chance(losses, classes) is stuck


def test_the_rule_s_bounds():
    assert STUCK_EPOCHS == 3 and STUCK_FRACTION == 0.99
    edge = STUCK_FRACTION * LN10
    assert stuck_at_chance([edge] * 3, 10) and not stuck_at_chance([math.nextafter(edge, 0)] * 3, 10)


# constant(2.0) on the tiny subset, seed 0: train losses 2.460, 2.316, 2.312 (finite, at chance), test acc 0.1
STUCK_SETTINGS = dict(schedule="constant(2.0)", epochs=3, seed=0)


def test_a_real_training_at_chance_ends_stuck_and_resumes_as_finished(tiny_config, tmp_path):
    out = tmp_path / "run"
    summary = train(tiny_config(**STUCK_SETTINGS), out, progress=False)
    assert summary.status is Status.STUCK and summary.status.finished and summary.epochs_completed == 3
    assert summary.message.startswith("stuck: the train loss stayed at ln(10) = 2.303 (chance) or above "
                                      "for the last 3 epochs (2.4")
    assert "; lr 2)" in summary.message and all(math.isfinite(summary.final[m]) for m in summary.final)
    document = json.loads((out / "config.json").read_text())
    assert document["data"]["classes"] == 10
    assert json.loads((out / "summary.json").read_text())["status"] == "stuck"
    rows = RunDir(out).read_metrics()
    assert len(rows) == 3 and all(row.train_loss >= STUCK_FRACTION * LN10 for row in rows)
    # resuming a stuck run trains nothing and says so again, as for a completed one
    again = train(None, out, resume=True, progress=False)
    assert again.status is Status.STUCK and again.message == summary.message and again.final == summary.final
    assert RunDir(out).read_metrics() == rows


def test_a_run_shorter_than_stuck_epochs_is_never_stuck(tiny_config, tmp_path):
    """The same stuck setting for 2 epochs: too short to tell (a first epoch's mean loss includes its start)."""
    summary = train(tiny_config(**STUCK_SETTINGS | {"epochs": 2}), tmp_path / "run", progress=False)
    assert summary.status is Status.COMPLETED and summary.final["train_loss"] >= STUCK_FRACTION * LN10


TINY = ["--train-subset", "1000", "--test-subset", "500", "--batch-size", "100", "--threads", "1"]


def test_lrlab_train_exits_4_with_the_reason(tmp_path, capsys, fashion_mnist):
    out = tmp_path / "run"
    assert main(["train", "--schedule", "constant(2.0)", "--epochs", "3", "--seed", "0", *TINY, "--out", str(out)]) == 4
    err = capsys.readouterr().err
    assert err.startswith("lrlab train: stuck: the train loss stayed at ln(10) = 2.303") and str(out) in err
    assert main(["train", "--resume", str(out)]) == 4  # already finished: nothing to train, the same answer
    assert "lrlab train: stuck: " in capsys.readouterr().err
