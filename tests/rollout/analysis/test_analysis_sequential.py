"""Always-valid mixtures: closed forms match integrals and Ville's bound holds at every look."""

import math

import numpy as np
import pytest
from scipy import integrate, stats

from lockgate.rollout.analysis._sequential import (
    beta_concentration,
    log_beta_ratio,
    log_chi2_ratio,
    log_normal_ratio,
    mixture_precision,
    p_value,
)


@pytest.mark.parametrize(
    ("hits", "trials", "q0", "concentration", "above"),
    [(7, 30, 0.1, 8.0, True), (2, 40, 0.2, 5.0, False), (30, 200, 0.12, 20.0, True)],
)
def test_beta_ratio_matches_numerical_integration(
    hits: int, trials: int, q0: float, concentration: float, above: bool
) -> None:
    """The closed form equals the likelihood ratio averaged over the truncated beta prior."""
    a, b = concentration * q0, concentration * (1 - q0)
    prior = stats.beta(a, b)
    low, high = (q0, 1.0) if above else (0.0, q0)
    mass = prior.cdf(high) - prior.cdf(low)

    def ratio(q: float) -> float:
        return float(
            math.exp(hits * math.log(q / q0) + (trials - hits) * math.log((1 - q) / (1 - q0)))
        )

    average = integrate.quad(lambda q: ratio(q) * prior.pdf(q) / mass, low, high, limit=200)[0]
    assert log_beta_ratio(hits, trials, q0, concentration, above=above) == pytest.approx(
        math.log(average), rel=1e-6
    )


@pytest.mark.parametrize(("z", "x"), [(0.5, 2.0), (3.0, 10.0), (4.2, 30.0)])
def test_normal_ratio_matches_numerical_integration(z: float, x: float) -> None:
    """The closed form equals the Gaussian likelihood ratio averaged over a half-normal prior."""
    u = 100.0
    rho = math.sqrt(x / u)
    w = z * math.sqrt(u)

    def integrand(eta: float) -> float:
        return math.exp(eta * w - eta * eta * u / 2) * 2 * stats.norm.pdf(eta, scale=rho)

    average = integrate.quad(integrand, 0.0, math.inf)[0]
    assert log_normal_ratio(z, x) == pytest.approx(math.log(average), rel=1e-7)


def test_chi2_ratio_with_one_degree_matches_two_sided_normal_mixture() -> None:
    """With one degree of freedom the chi-squared mixture is the two-sided normal mixture."""
    z, x = 2.7, 12.0
    two_sided = -0.5 * math.log1p(x) + 0.5 * z * z * x / (1 + x)
    assert log_chi2_ratio(z * z, 1, x) == pytest.approx(two_sided)


def test_bernoulli_null_rarely_reaches_the_boundary_over_many_looks() -> None:
    """Under q = q0, 600 paths looked at 40 times cross log(1/alpha) at most alpha of the time."""
    rng = np.random.default_rng(2024)
    alpha, q0, paths, looks, per_look = 0.1, 0.15, 600, 40, 10
    concentration = beta_concentration(alpha, 100.0)
    hits = np.cumsum(rng.binomial(per_look, q0, size=(paths, looks)), axis=1)
    crossed = 0
    for path in hits:
        for look, count in enumerate(path, start=1):
            if log_beta_ratio(int(count), look * per_look, q0, concentration, above=True) >= (
                math.log(1 / alpha)
            ):
                crossed += 1
                break
    assert crossed / paths <= alpha


def test_naive_repeated_z_test_on_the_same_paths_exceeds_alpha() -> None:
    """The same simulation catches a test that is NOT valid under peeking (fixed z at 1.28)."""
    rng = np.random.default_rng(2024)
    alpha, q0, paths, looks, per_look = 0.1, 0.15, 600, 40, 10
    hits = np.cumsum(rng.binomial(per_look, q0, size=(paths, looks)), axis=1)
    trials = per_look * np.arange(1, looks + 1)
    z = (hits / trials - q0) / np.sqrt(q0 * (1 - q0) / trials)
    crossed = np.mean((z >= stats.norm.ppf(1 - alpha)).any(axis=1))
    assert crossed > 2 * alpha


def test_gaussian_null_rarely_reaches_the_boundary_over_many_looks() -> None:
    """A standardized random walk looked at 50 times crosses at most alpha of the time."""
    rng = np.random.default_rng(99)
    alpha, paths, looks, per_look = 0.05, 2000, 50, 20
    precision = mixture_precision(alpha, 400.0)
    sums = np.cumsum(rng.standard_normal((paths, looks * per_look)), axis=1)[
        :, per_look - 1 :: per_look
    ]
    crossed = 0
    for path in sums:
        for look, total in enumerate(path, start=1):
            u = look * per_look
            if log_normal_ratio(float(total) / math.sqrt(u), precision * u) >= math.log(1 / alpha):
                crossed += 1
                break
    assert crossed / paths <= alpha


def test_p_value_is_the_inverse_ratio_capped_at_one() -> None:
    """Evidence of log(20) is a p-value of 0.05; no evidence is a p-value of 1."""
    assert p_value(math.log(20.0)) == pytest.approx(0.05)
    assert p_value(-3.0) == 1.0
    assert p_value(-math.inf) == 1.0


def test_more_hits_mean_more_evidence_of_harm() -> None:
    """The harm ratio grows with the hits and the safety ratio shrinks."""
    harm = [log_beta_ratio(hits, 200, 0.1, 10.0, above=True) for hits in (10, 20, 30, 40)]
    safe = [log_beta_ratio(hits, 200, 0.1, 10.0, above=False) for hits in (10, 20, 30, 40)]
    assert harm == sorted(harm)
    assert safe == sorted(safe, reverse=True)
