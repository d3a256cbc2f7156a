"""SGLD (Welling and Teh 2011) in torch: the noise's variance is the step size, the samples of a
2-D Gaussian posterior have its mean and covariance, the rate is eps_t (gradient descent at eps_t *
N / 2 on the mean loss without noise), and the noise continues exactly from a state_dict.

Every tolerance is derived from the sample count (and, for the posterior, the discretisation's
known bias); the seeds are fixed, so the tests give the same numbers on every run."""

import math

import pytest

torch = pytest.importorskip("torch")

from lrlab.optimizers.torch_sgd import SGD  # noqa: E402
from lrlab.optimizers.torch_sgld import SGLD  # noqa: E402

DRAWS = 200_000


@pytest.fixture(autouse=True)
def one_thread():
    """Small tensor operations on one thread: on a busy machine, threads that wait on each other at
    every operation make the posterior's 5200 updates many times slower."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def chi_square_bound(n: int, sigmas: float = 6.0) -> float:
    """How far ``sum(x**2) / (n * var)`` may be from 1 for ``n`` normal draws: ``n * s**2 / var`` is
    chi-square with ``n`` degrees of freedom, mean ``n`` and variance ``2n`` (normal to a good
    approximation for n this large); 6 standard deviations, a chance of about 2e-9 of failing on a
    random seed."""
    return sigmas * math.sqrt(2 / n)


@pytest.mark.parametrize("eps, temperature", [(0.01, 1.0), (1e-6, 1.0), (0.04, 0.25), (0.3, 2.0)])
def test_the_noise_on_a_parameter_without_gradient_has_variance_eps_times_temperature(eps, temperature):
    w = torch.zeros(DRAWS)
    optimizer = SGLD([w], lr=eps, dataset_size=60_000, prior_precision=0.0, temperature=temperature, seed=3)
    for _ in range(3):  # three updates, each from zero: three independent samples of the noise
        w.zero_()
        w.grad = torch.zeros_like(w)
        optimizer.step()
        draws = w.double()
        assert abs(draws.square().mean().item() / (eps * temperature) - 1) <= chi_square_bound(DRAWS)
        assert abs(draws.mean().item()) <= 6 * math.sqrt(eps * temperature / DRAWS)


def test_a_parameter_without_a_gradient_is_left_alone_and_draws_no_noise():
    a, b = torch.zeros(4), torch.zeros(4)
    optimizer = SGLD([a, b], lr=0.1, dataset_size=10, seed=0)
    a.grad = torch.zeros(4)
    optimizer.step()
    alone = SGLD([torch.zeros(4)], lr=0.1, dataset_size=10, seed=0)
    alone.param_groups[0]["params"][0].grad = torch.zeros(4)
    alone.step()
    assert torch.equal(b, torch.zeros(4)) and torch.equal(a, alone.param_groups[0]["params"][0])


def test_without_noise_or_prior_the_rate_eps_is_gradient_descent_at_eps_n_over_2_on_the_mean_loss():
    generator = torch.Generator().manual_seed(0)
    start, grad = torch.randn(50, generator=generator), torch.randn(50, generator=generator)
    eps, n = 3e-6, 60_000
    w_sgld, w_sgd = start.clone(), start.clone()
    w_sgld.grad, w_sgd.grad = grad.clone(), grad.clone()
    SGLD([w_sgld], lr=eps, dataset_size=n, prior_precision=0.0, temperature=0.0).step()
    SGD([w_sgd], lr=eps * n / 2).step()
    assert torch.allclose(w_sgld, w_sgd, rtol=1e-6, atol=1e-7)


def test_the_prior_pulls_towards_zero_with_its_precision():
    w = torch.ones(3)
    w.grad = torch.zeros(3)
    SGLD([w], lr=0.1, dataset_size=100, prior_precision=4.0, temperature=0.0).step()
    assert torch.allclose(w, torch.full((3,), 1 - 0.1 / 2 * 4.0))


# A 2-D Gaussian posterior: N observations y_i with -log p(y_i | theta) = (theta - y_i)' A (theta - y_i) / 2,
# and the prior N(0, I / lambda). Its precision is P = lambda * I + N * A, its mean P^-1 N A ybar.
A = torch.tensor([[1.0, 0.5], [0.5, 1.0]], dtype=torch.float64)
N, PRIOR, YBAR = 100, 1.0, torch.tensor([0.3, -0.2], dtype=torch.float64)
CHAINS, STEPS, EPS = 10_000, 2_600, 3e-4


@pytest.mark.parametrize("temperature", [1.0, 0.25])
def test_samples_of_a_gaussian_posterior_have_its_mean_and_covariance(temperature):
    """CHAINS independent chains (the rows of one parameter) from 0, STEPS updates each, the last
    state of each a sample. P's eigenvalues are 51 and 151: the slow direction forgets the start as
    (1 - EPS * 51 / 2) ** STEPS = e^-20. The discretised chain's stationary variance along an
    eigenvalue p is T / (p * (1 - EPS * p / 4)): at most a relative EPS * 151 / 4 (1.1%) above the
    posterior's. The sample mean's error has standard deviation sqrt(C_jj / CHAINS); a sample
    covariance entry's sqrt((C_jk^2 + C_jj C_kk) / CHAINS); allowed 5 of them, plus the bias."""
    precision = PRIOR * torch.eye(2, dtype=torch.float64) + N * A
    covariance = temperature * torch.linalg.inv(precision)
    mean = torch.linalg.solve(precision, N * A @ YBAR)
    theta = torch.zeros(CHAINS, 2)
    optimizer = SGLD([theta], lr=EPS, dataset_size=N, prior_precision=PRIOR, temperature=temperature, seed=7)
    a, ybar = A.float(), YBAR.float()
    for _ in range(STEPS):
        theta.grad = (theta - ybar) @ a  # the gradient of the mean loss over all N observations
        optimizer.step()
    samples = theta.double()
    centred = samples - samples.mean(0)
    sample_covariance = centred.T @ centred / (CHAINS - 1)
    mean_tolerance = 5 * torch.sqrt(covariance.diagonal() / CHAINS)
    assert ((samples.mean(0) - mean).abs() <= mean_tolerance).all(), (samples.mean(0), mean)
    p_max = torch.linalg.eigvalsh(precision).max().item()
    bias = EPS * p_max / 4 / (1 - EPS * p_max / 4) * torch.linalg.eigvalsh(covariance).max()
    spread = torch.sqrt((covariance ** 2 + torch.outer(covariance.diagonal(), covariance.diagonal())) / CHAINS)
    assert ((sample_covariance - covariance).abs() <= 5 * spread + bias).all(), (sample_covariance, covariance)


def test_a_state_dict_continues_the_same_noise():
    def run(w, optimizer, steps):
        for _ in range(steps):
            w.grad = w.clone()
            optimizer.step()

    w = torch.ones(1000)
    straight = SGLD([w], lr=1e-3, dataset_size=50, seed=11)
    run(w, straight, 3)
    saved_w, saved = w.clone(), straight.state_dict()
    run(w, straight, 4)
    again = saved_w.clone()
    resumed = SGLD([again], lr=0.5, dataset_size=50, seed=999)  # its own rate and seed are overwritten
    resumed.load_state_dict(saved)
    run(again, resumed, 4)
    assert torch.equal(again, w)


def test_the_noise_depends_on_the_seed_and_is_not_the_initialisations_stream():
    def noise(seed):
        w = torch.zeros(100)
        w.grad = torch.zeros(100)
        SGLD([w], lr=1.0, dataset_size=1, prior_precision=0.0, seed=seed).step()
        return w

    assert torch.equal(noise(0), noise(0)) and not torch.equal(noise(0), noise(1))
    assert not torch.equal(noise(0), torch.randn(100, generator=torch.Generator().manual_seed(0)))
