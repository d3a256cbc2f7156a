"""The Keras adapter: parity with Keras's own schedules, tf.function, model.fit, saving."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from lrlab.adapters.keras import EpochSchedule, KerasSchedule  # noqa: E402
from lrlab.schedules import parse  # noqa: E402

S = keras.optimizers.schedules
STEPS = 300

# Where Keras's conventions meet lrlab's: (Keras schedule, the same lrlab schedule).
PARITY = {
    # Keras counts decay_steps after the warmup, lrlab's max_update includes it.
    "cosine with warmup": (
        S.CosineDecay(0.0, decay_steps=15, alpha=0.01 / 0.3, warmup_target=0.3, warmup_steps=5),
        "cosine(max_update=20, base_lr=0.3, final_lr=0.01, warmup_steps=5)",
    ),
    # PiecewiseConstantDecay changes value one step after each boundary.
    "piecewise constant": (
        S.PiecewiseConstantDecay([15, 30], [0.5, 0.2, 0.03]),
        "piecewise(values=[0.5, 0.2, 0.03], boundaries=[15, 30], boundary='after')",
    ),
    "exponential staircase": (
        S.ExponentialDecay(0.3, decay_steps=10, decay_rate=0.9, staircase=True),
        "exponential(base_lr=0.3, factor=0.9, step_size=10, staircase=True)",
    ),
    "exponential": (
        S.ExponentialDecay(0.3, decay_steps=10, decay_rate=0.9),
        "exponential(base_lr=0.3, factor=0.9, step_size=10)",
    ),
    "polynomial, cycle=False": (
        S.PolynomialDecay(0.3, decay_steps=100, end_learning_rate=0.01, power=2.0, cycle=False),
        "poly(max_update=100, base_lr=0.3, power=2, final_lr=0.01)",
    ),
    # Keras's floor, alpha * initial * m_mul ** i, decays with the peaks; lrlab's final_lr
    # does not: they meet when alpha = 0 or m_mul = 1.
    "cosine restarts, decaying peaks": (
        S.CosineDecayRestarts(0.3, first_decay_steps=10, t_mul=2.0, m_mul=0.5),
        "sgdr(base_lr=0.3, period=10, period_mult=2.0, decay=0.5)",
    ),
    "cosine restarts, a floor": (
        S.CosineDecayRestarts(0.3, first_decay_steps=7, t_mul=3.0, m_mul=1.0, alpha=0.1),
        "sgdr(base_lr=0.3, period=7, period_mult=3.0, final_lr=0.03)",
    ),
    "inverse time": (
        S.InverseTimeDecay(0.5, decay_steps=4, decay_rate=0.3),
        "inverse_time(base_lr=0.5, rate=0.3, step_size=4)",
    ),
    "inverse time, staircase": (
        S.InverseTimeDecay(0.5, decay_steps=3, decay_rate=2.0, staircase=True),
        "inverse_time(base_lr=0.5, rate=2.0, step_size=3, staircase=True)",
    ),
    "inverse time, rate == decay_steps is power(beta=1)": (
        S.InverseTimeDecay(0.5, decay_steps=4, decay_rate=4.0),
        "power(base_lr=0.5, beta=1)",
    ),
}


def keras_values(schedule, steps=STEPS):
    """Keras's values at steps 0 .. steps-1, one scalar call each (CosineDecay branches per call)."""
    compiled = tf.function(schedule.__call__)
    return np.array([compiled(tf.constant(t, tf.int64)).numpy() for t in range(steps)], dtype=np.float32)


@pytest.mark.parametrize("name", PARITY)
def test_matches_keras_own_schedule(name):
    theirs, spec = PARITY[name]
    ours = KerasSchedule(spec)(tf.range(STEPS, dtype=tf.int64)).numpy()
    expected = keras_values(theirs)
    assert ours.dtype == np.float32
    # Keras computes in float32: its phase (t / period, ...) is off by a few float32 ulps,
    # an absolute error of about 1e-7 of the peak rate by step 300.
    np.testing.assert_allclose(ours, expected, rtol=2e-6, atol=1e-6 * expected.max())


@pytest.mark.parametrize("spec", [PARITY[name][1] for name in PARITY] + [
    "join([linear(0.0, 0.3, 5), cosine(15, 0.3, 0.01)], boundaries=[5])",
    "warmup(0.5 * cosine(max_update=15, base_lr=0.3), steps=5, start=0.01)",
])
def test_matches_the_scalar_path_inside_tf_function(spec):
    schedule = KerasSchedule(spec)
    compiled = tf.function(lambda step: schedule(step))
    values = np.array([compiled(tf.constant(t, tf.int64)).numpy() for t in range(60)])
    expected = np.array([schedule.schedule(t) for t in range(60)], dtype=np.float32)
    np.testing.assert_allclose(values, expected, rtol=1e-6, atol=1e-8)


def test_the_first_update_of_a_keras_optimizer_uses_step_0():
    schedule = parse("multifactor(base_lr=0.5, steps=[2, 4], factor=0.5)")
    optimizer = keras.optimizers.SGD(learning_rate=KerasSchedule(schedule))
    weight = keras.Variable(0.0)
    applied = []
    for _ in range(6):
        before = float(weight.numpy())
        optimizer.apply([tf.constant(1.0)], [weight])  # gradient 1: the weight moves by -lr
        applied.append(before - float(weight.numpy()))
    np.testing.assert_allclose(applied, [schedule(t) for t in range(6)], rtol=1e-6)


def tiny_model(learning_rate):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


class RecordRate(keras.callbacks.Callback):
    """The rate the optimizer applies at each update, read before the update."""

    def __init__(self):
        super().__init__()
        self.rates = []

    def on_train_batch_begin(self, batch, logs=None):
        self.rates.append(float(self.model.optimizer.learning_rate))


def fit(model, callbacks, epochs):
    x = np.random.default_rng(0).normal(size=(12, 3)).astype(np.float32)
    y = np.arange(12) % 2
    model.fit(x, y, batch_size=4, epochs=epochs, shuffle=False, verbose=0, callbacks=callbacks)


def test_drives_model_fit_per_update():
    schedule = parse("cosine(max_update=8, base_lr=0.3, final_lr=0.01, warmup_steps=2)")
    model, record = tiny_model(KerasSchedule(schedule)), RecordRate()
    fit(model, [record], epochs=3)  # 3 updates per epoch
    np.testing.assert_allclose(record.rates, np.float32([schedule(t) for t in range(9)]), rtol=1e-6)
    assert int(model.optimizer.iterations) == 9


def test_epoch_schedule_sets_s_of_e_at_the_start_of_each_epoch():
    schedule = parse("multifactor(base_lr=0.5, steps=[1, 2], factor=0.5)")
    model, record = tiny_model(1.0), RecordRate()
    fit(model, [EpochSchedule(schedule), record], epochs=3)
    assert record.rates == [float(np.float32(schedule(e))) for e in range(3) for _ in range(3)]


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # Keras + numpy 2, any model
def test_a_saved_model_loads_with_the_same_schedule(tmp_path):
    schedule = parse("cosine(max_update=20, base_lr=0.3, final_lr=0.01, warmup_steps=5)")
    model = tiny_model(KerasSchedule(schedule))
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras")
    restored = loaded.optimizer._learning_rate
    assert isinstance(restored, KerasSchedule) and restored.schedule == schedule
    steps = tf.range(30, dtype=tf.int64)
    np.testing.assert_array_equal(restored(steps).numpy(), KerasSchedule(schedule)(steps).numpy())


def test_config_round_trip_accepts_a_schedule_or_a_spec():
    schedule = KerasSchedule(parse("constant(0.3)"))
    assert schedule.get_config() == {"spec": "constant(base_lr=0.3)"}
    assert KerasSchedule.from_config(schedule.get_config()).schedule == schedule.schedule
