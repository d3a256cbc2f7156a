"""Our closed forms against the real ``torch.optim.lr_scheduler`` classes, stepped as in training.

Each torch scheduler drives a real SGD optimizer on a dummy parameter; ``lr`` at step ``t`` is
``param_groups[0]["lr"]`` after ``t`` calls of ``optimizer.step(); scheduler.step()``.

Tolerance: rel 1e-9 everywhere. The chainable schedulers (StepLR, MultiStepLR, ExponentialLR,
CosineAnnealingLR, PolynomialLR) multiply the previous rate each step, so they drift from the
closed form by about one rounding per step (measured: under 1e-14 relative over these runs).
OneCycleLR and CosineAnnealingWarmRestarts compute each rate afresh with our operations and
agree bit for bit; CyclicLR too, but we count the step within a cycle in whole steps where torch
uses ``1 + t / total - cycle`` (exact in float32 too), a difference of a few roundings.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch.optim import lr_scheduler  # noqa: E402

from lrlab.schedules import parse  # noqa: E402

RTOL = 1e-9


def torch_rates(make, steps, lr=0.1):
    """The rates a torch scheduler gives at steps ``0 .. steps-1``."""
    weight = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([weight], lr=lr, momentum=0.9)
    scheduler = make(optimizer)
    rates = []
    for t in range(steps):
        rates.append(optimizer.param_groups[0]["lr"])
        if t < steps - 1:
            optimizer.step()
            scheduler.step()
    return np.array(rates)


def assert_same(spec, make, steps, lr=0.1):
    ours = parse(spec).sample(steps)
    np.testing.assert_allclose(ours, torch_rates(make, steps, lr), rtol=RTOL, atol=0)


@pytest.mark.parametrize("boundary_steps, gamma", [([15, 30], 0.5), ([10, 50, 120], 0.1)])
def test_multistep(boundary_steps, gamma):
    assert_same(f"multifactor(base_lr=0.5, steps={boundary_steps}, factor={gamma})",
                lambda o: lr_scheduler.MultiStepLR(o, boundary_steps, gamma), 200, lr=0.5)


@pytest.mark.parametrize("step_size, gamma", [(10, 0.5), (7, 0.9), (1, 0.97)])
def test_step(step_size, gamma):
    assert_same(f"step(base_lr=0.3, step_size={step_size}, factor={gamma})",
                lambda o: lr_scheduler.StepLR(o, step_size, gamma), 300, lr=0.3)


@pytest.mark.parametrize("gamma", [0.99, 0.9, 1.0])
def test_exponential(gamma):
    assert_same(f"exponential(base_lr=0.2, factor={gamma})",
                lambda o: lr_scheduler.ExponentialLR(o, gamma), 300, lr=0.2)


@pytest.mark.parametrize("eta_min", [0.0, 0.01])
def test_cosine_annealing_up_to_t_max(eta_min):
    t_max = 100
    ours = parse(f"cosine(max_update={t_max}, base_lr=0.3, final_lr={eta_min})")
    theirs = torch_rates(lambda o: lr_scheduler.CosineAnnealingLR(o, t_max, eta_min), 250, lr=0.3)
    np.testing.assert_allclose(ours.sample(t_max + 1), theirs[: t_max + 1], rtol=RTOL, atol=0)
    # After T_max torch's cosine rises again (a full period of 2 * T_max); ours holds final_lr,
    # as MXNet, optax, Keras and the chapter do.
    assert all(ours(t) == eta_min for t in range(t_max, 250))
    assert theirs[150] == pytest.approx(eta_min + (0.3 - eta_min) / 2, rel=1e-9)
    assert theirs[200] == pytest.approx(0.3, rel=1e-9)


@pytest.mark.parametrize("power", [1.0, 2.0, 0.5])
def test_polynomial(power):
    assert_same(f"poly(max_update=100, base_lr=0.1, power={power})",
                lambda o: lr_scheduler.PolynomialLR(o, total_iters=100, power=power), 200)


@pytest.mark.parametrize("anneal", ["cos", "linear"])
@pytest.mark.parametrize("three_phase", [False, True])
@pytest.mark.parametrize("total, pct_start", [(300, 0.3), (250, 0.25), (97, 0.45), (10, 0.05), (12, 0.5)])
def test_onecycle(anneal, three_phase, total, pct_start):
    spec = (f"onecycle(max_update={total}, base_lr=0.8, pct_start={pct_start}, div_factor=20.0,"
            f" final_div_factor=100.0, anneal={anneal!r}, three_phase={three_phase})")
    make = lambda o: lr_scheduler.OneCycleLR(  # noqa: E731
        o, max_lr=0.8, total_steps=total, pct_start=pct_start, anneal_strategy=anneal,
        div_factor=20.0, final_div_factor=100.0, three_phase=three_phase)
    assert_same(spec, make, total)
    s = parse(spec)
    assert s(total) == s(total + 100) == s(total - 1) == pytest.approx(0.8 / 20 / 100)


@pytest.mark.parametrize("mode, gamma", [("triangular", 1.0), ("triangular2", 1.0), ("exp_range", 0.995)])
@pytest.mark.parametrize("up, down", [(20, None), (15, 35), (1, 1)])
def test_cyclic(mode, gamma, up, down):
    spec = (f"cyclic(min_lr=0.01, max_lr=0.5, step_size_up={up}, step_size_down={down},"
            f" mode={mode!r}, gamma={gamma})")
    make = lambda o: lr_scheduler.CyclicLR(  # noqa: E731
        o, base_lr=0.01, max_lr=0.5, step_size_up=up, step_size_down=down, mode=mode, gamma=gamma)
    assert_same(spec, make, 400)


@pytest.mark.parametrize("t_0, t_mult", [(10, 1), (10, 2), (7, 2), (3, 3)])
@pytest.mark.parametrize("eta_min", [0.0, 0.001])
def test_warm_restarts(t_0, t_mult, eta_min):
    spec = f"sgdr(base_lr=0.1, period={t_0}, period_mult={t_mult}, final_lr={eta_min})"
    assert_same(spec, lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, t_0, t_mult, eta_min), 400)

