"""The MXNet adapter: parity with MXNet's own schedulers, purity, and the rates a real Trainer applies.

Runs in the MXNet environment (``bash scripts/mxnet-env.sh``); skipped where MXNet
does not import.

Parity convention: MXNet's scheduler objects, called directly at ``num_update = t``
(``t = 0, 1, 2, ...``), against lrlab's schedule at step ``t``. Their schedulers are
stateful (Factor and MultiFactor multiply their own ``base_lr``), so each sequence
uses a fresh instance, called in increasing order as a Trainer would.
"""

import pickle
import warnings

import numpy as np
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # mxnet's import, against numpy 1.23
    mx = pytest.importorskip("mxnet")

from mxnet import autograd, gluon  # noqa: E402

from lrlab.adapters.mxnet import MXNetSchedule  # noqa: E402
from lrlab.schedules import parse  # noqa: E402

STEPS = 400
lr_scheduler = mx.lr_scheduler

# (fresh MXNet scheduler, the lrlab spec in MXNet's convention)
PARITY = {
    "multifactor-chapter": (
        lambda: lr_scheduler.MultiFactorScheduler(step=[15, 30], factor=0.5, base_lr=0.5),
        "multifactor(base_lr=0.5, steps=[15, 30], factor=0.5, boundary='after')",
    ),
    "multifactor": (
        lambda: lr_scheduler.MultiFactorScheduler(step=[50, 120, 300], factor=0.3, base_lr=0.7),
        "multifactor(base_lr=0.7, steps=[50, 120, 300], factor=0.3, boundary='after')",
    ),
    "poly": (
        lambda: lr_scheduler.PolyScheduler(max_update=300, base_lr=0.3, pwr=2, final_lr=0.01),
        "poly(max_update=300, base_lr=0.3, power=2, final_lr=0.01)",
    ),
    "poly-warmup": (
        lambda: lr_scheduler.PolyScheduler(max_update=300, base_lr=0.3, pwr=1.5, final_lr=0.01,
                                           warmup_steps=40, warmup_begin_lr=0.05),
        "poly(max_update=300, base_lr=0.3, power=1.5, final_lr=0.01, warmup_steps=40, warmup_begin_lr=0.05)",
    ),
    "poly-warmup-constant": (
        lambda: lr_scheduler.PolyScheduler(max_update=250, base_lr=0.2, pwr=1, warmup_steps=25,
                                           warmup_begin_lr=0.02, warmup_mode="constant"),
        "poly(max_update=250, base_lr=0.2, power=1, warmup_steps=25, warmup_begin_lr=0.02, warmup_mode='constant')",
    ),
    "cosine-chapter": (
        lambda: lr_scheduler.CosineScheduler(max_update=20, base_lr=0.3, final_lr=0.01, warmup_steps=5),
        "cosine(max_update=20, base_lr=0.3, final_lr=0.01, warmup_steps=5)",
    ),
    "cosine-warmup-linear": (
        lambda: lr_scheduler.CosineScheduler(max_update=300, base_lr=0.3, final_lr=0.01, warmup_steps=30,
                                             warmup_begin_lr=0.05),
        "cosine(max_update=300, base_lr=0.3, final_lr=0.01, warmup_steps=30, warmup_begin_lr=0.05)",
    ),
    "cosine-warmup-constant": (
        lambda: lr_scheduler.CosineScheduler(max_update=300, base_lr=0.3, final_lr=0.01, warmup_steps=30,
                                             warmup_begin_lr=0.1, warmup_mode="constant"),
        "cosine(max_update=300, base_lr=0.3, final_lr=0.01, warmup_steps=30, warmup_begin_lr=0.1, warmup_mode='constant')",
    ),
}

FACTOR = {
    "factor-halving": (
        lambda: lr_scheduler.FactorScheduler(step=10, factor=0.5, base_lr=1.0),
        "step(base_lr=1.0, step_size=10, factor=0.5, boundary='after', min_lr=1e-08)",
    ),
    "factor-floor": (
        lambda: lr_scheduler.FactorScheduler(step=7, factor=0.9, stop_factor_lr=0.05, base_lr=0.5),
        "step(base_lr=0.5, step_size=7, factor=0.9, boundary='after', min_lr=0.05)",
    ),
}


def mxnet_values(make, steps=STEPS):
    scheduler = make()
    return np.array([scheduler(t) for t in range(steps)])


def lrlab_values(spec, steps=STEPS):
    return np.array([parse(spec)(t) for t in range(steps)])


def assert_same_rates(actual, expected):
    # Equal to float64's last bits, not always bitwise: MXNet multiplies its rate step
    # by step and writes pi * (t - w) / T, where lrlab has factor ** n and pi * ((t - w) / T).
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-16)


@pytest.mark.parametrize("name", PARITY)
def test_lrlab_schedules_reproduce_mxnet_schedulers(name):
    make, spec = PARITY[name]
    assert_same_rates(lrlab_values(spec), mxnet_values(make))


@pytest.mark.parametrize("name", FACTOR)
def test_step_after_reproduces_mxnet_factor_scheduler(name):
    make, spec = FACTOR[name]
    assert_same_rates(lrlab_values(spec), mxnet_values(make))


def test_factor_scheduler_changes_after_each_step_boundary():
    values = mxnet_values(FACTOR["factor-halving"][0], 32)
    assert np.flatnonzero(np.diff(values)).tolist() == [10, 20, 30]  # new values at t = 11, 21, 31


def test_mxnet_factor_schedulers_are_stateful_which_is_why_each_sequence_is_fresh():
    scheduler = lr_scheduler.FactorScheduler(step=10, factor=0.5, base_lr=1.0)
    scheduler(100)
    assert scheduler(0) != 1.0


def test_the_adapter_is_pure_and_maps_the_one_based_count():
    scheduler = MXNetSchedule("cosine(max_update=20, base_lr=0.3, final_lr=0.01, warmup_steps=5)")
    schedule = scheduler.schedule
    first = [scheduler(n) for n in range(1, 40)]
    assert [scheduler(n) for n in reversed(range(1, 40))] == first[::-1]
    assert first == [schedule(t) for t in range(39)]
    assert scheduler(0) == schedule(0)


def test_epoch_clock_holds_the_rate_for_each_epoch():
    scheduler = MXNetSchedule("power(base_lr=0.1, beta=0.5)", unit="epoch", steps_per_epoch=5)
    schedule = parse("power(base_lr=0.1, beta=0.5)")
    assert [scheduler(n) for n in range(1, 16)] == [schedule(e) for e in range(3) for _ in range(5)]


def test_bad_clocks_are_refused():
    with pytest.raises(ValueError, match="steps_per_epoch"):
        MXNetSchedule("constant(0.1)", unit="epoch")
    with pytest.raises(ValueError, match="unit"):
        MXNetSchedule("constant(0.1)", unit="batch")
    with pytest.raises(ValueError, match="steps_per_epoch"):
        MXNetSchedule("constant(0.1)", unit="epoch", steps_per_epoch=0)


def test_pickles_as_trainer_states_need():
    scheduler = MXNetSchedule("cosine(max_update=20, base_lr=0.3)", unit="epoch", steps_per_epoch=3)
    copy = pickle.loads(pickle.dumps(scheduler))
    assert repr(copy) == repr(scheduler)
    assert [copy(n) for n in range(70)] == [scheduler(n) for n in range(70)]


# -- a real Gluon Trainer ------------------------------------------------------------------


def model():
    """A few weights and biases (more than MXNet's optimizer aggregates in one call)."""
    mx.random.seed(0)
    net = gluon.nn.HybridSequential()
    net.add(gluon.nn.Dense(3, in_units=2), gluon.nn.Dense(3, in_units=3), gluon.nn.Dense(1, in_units=3))
    net.initialize(mx.init.Xavier())
    return net


def applied_rates(trainer, net, updates):
    """The rate each update applies: with every weight at 0 and every gradient 1, plain
    SGD leaves each weight at -lr (in float32). Also checks every weight got the same rate."""
    params = list(net.collect_params().values())
    rates = []
    for _ in range(updates):
        for p in params:
            p.set_data(mx.nd.zeros(p.shape))
        with autograd.record():
            loss = sum(p.data().sum() for p in params)
        loss.backward()
        trainer.step(1)
        moved = np.concatenate([-p.data().asnumpy().ravel() for p in params])
        assert (moved == moved[0]).all()
        assert trainer.learning_rate == pytest.approx(float(moved[0]), rel=1e-7)
        rates.append(float(moved[0]))
    return np.array(rates, dtype=np.float32)


def expected(spec, steps):
    return np.array([parse(spec)(t) for t in steps], dtype=np.float32)


SPEC = "multifactor(base_lr=0.5, steps=[3, 6], factor=0.5)"


def test_a_trainer_applies_s_t_at_update_t():
    net = model()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"lr_scheduler": MXNetSchedule(SPEC)})
    assert trainer.learning_rate == parse(SPEC)(0)
    np.testing.assert_array_equal(applied_rates(trainer, net, 9), expected(SPEC, range(9)))


def test_mxnets_own_scheduler_in_a_trainer_gives_update_t_its_value_at_t_plus_1():
    net = model()
    native = lr_scheduler.MultiFactorScheduler(step=[3, 6], factor=0.5, base_lr=0.5)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"lr_scheduler": native})
    spec = "multifactor(base_lr=0.5, steps=[3, 6], factor=0.5, boundary='after')"
    np.testing.assert_array_equal(applied_rates(trainer, net, 9), expected(spec, range(1, 10)))


def test_a_trainer_on_the_epoch_clock():
    spec = "cosine(max_update=3, base_lr=0.4, final_lr=0.1)"
    net = model()
    scheduler = MXNetSchedule(spec, unit="epoch", steps_per_epoch=4)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"lr_scheduler": scheduler})
    rates = applied_rates(trainer, net, 16)
    np.testing.assert_array_equal(rates, expected(spec, [u // 4 for u in range(16)]))


def test_a_learning_rate_given_to_the_trainer_too_changes_nothing(capsys):
    net = model()
    scheduler = MXNetSchedule(SPEC)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"lr_scheduler": scheduler, "learning_rate": 9.0})
    assert scheduler.base_lr == 9.0  # MXNet overwrote it (and printed a warning) ...
    assert "overwritten" in capsys.readouterr().out
    np.testing.assert_array_equal(applied_rates(trainer, net, 8), expected(SPEC, range(8)))  # ... which is ignored


def test_saved_trainer_states_resume_the_same_rates(tmp_path):
    net = model()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"lr_scheduler": MXNetSchedule(SPEC)})
    applied_rates(trainer, net, 4)
    trainer.save_states(str(tmp_path / "trainer.states"))

    fresh = gluon.Trainer(net.collect_params(), "sgd", {"lr_scheduler": MXNetSchedule(SPEC)})
    fresh.load_states(str(tmp_path / "trainer.states"))  # the optimizer, its update counts and scheduler
    assert fresh.learning_rate == parse(SPEC)(3)  # the rate of the last update saved
    np.testing.assert_array_equal(applied_rates(fresh, net, 4), expected(SPEC, range(4, 8)))
