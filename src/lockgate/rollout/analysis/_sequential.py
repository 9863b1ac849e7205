"""Always-valid evidence: mixture likelihood ratios that may be checked after every interval.

Each test computes ``M``, a likelihood ratio of "the candidate is worse than allowed" against "it
is exactly at the allowed boundary", averaged over a prior on how much worse. Under the null ``M``
is a nonnegative (super)martingale with mean at most one, so by Ville's inequality the chance that
it EVER reaches ``1 / alpha`` is at most ``alpha``, however often it is looked at. Hence
``log M >= log(1 / alpha)`` is a test that can be repeated at every look, and ``1 / M`` is an
always-valid p-value (Robbins 1970; Johari et al. 2017; Howard et al. 2021).

* ``log_beta_ratio``: Bernoulli events tested against a fixed success probability ``q0`` with a
  beta prior truncated to one side of ``q0``. Exact in finite samples. Two rates are compared by
  conditioning on their combined event count: each event is the candidate's with probability
  ``q0`` under the null (the test used for canary counts by Lindon, Sanden and Shirikian 2022).
* ``log_normal_ratio``: a standardized statistic ``z`` at information ``u`` with a half-normal
  prior, valid as far as the central limit theorem holds (used for means).
* ``log_chi2_ratio``: a ``d``-dimensional normal prior turns Pearson's chi-squared statistic into
  a mixture ratio (used for a whole label mix), again asymptotic.

Priors are scaled so that evidence accumulates fastest near ``tune_samples``.
"""

import math

from scipy.special import betainc, betaincc, betaln

_LOG2 = math.log(2.0)
_SQRT2 = math.sqrt(2.0)
_MIN_CONCENTRATION = 1.0


def _log(value: float) -> float:
    return math.log(value) if value > 0.0 else -math.inf


def spend(alpha: float) -> float:
    """``2 log(1/alpha) + log(1 + 2 log(1/alpha))``: the evidence a tuned prior needs to reject."""
    twice = 2.0 * math.log(1.0 / alpha)
    return twice + math.log1p(twice)


def mixture_precision(alpha: float, tune_samples: float) -> float:
    """Prior variance (in per-observation standard deviations) tightest near ``tune_samples``."""
    return spend(alpha) / tune_samples


def beta_concentration(alpha: float, tune_events: float) -> float:
    """Beta prior concentration whose spread matches ``mixture_precision`` at ``tune_events``."""
    return max(tune_events / spend(alpha) - 1.0, _MIN_CONCENTRATION)


def log_beta_ratio(
    hits: int, trials: int, q0: float, concentration: float, *, above: bool
) -> float:
    """Log mixture likelihood ratio for ``q > q0`` (``above``) or ``q < q0`` among Bernoulli trials.

    The prior is ``Beta(c q0, c (1 - q0))`` restricted to the tested side of ``q0``. For every
    ``q`` on that side the likelihood ratio against ``q0`` is a supermartingale under any
    probability on the other side, so the test is valid for the composite null.
    """
    a, b = concentration * q0, concentration * (1.0 - q0)
    tail = betaincc if above else betainc
    posterior = float(betaln(hits + a, trials - hits + b)) + _log(
        float(tail(hits + a, trials - hits + b, q0))
    )
    prior = float(betaln(a, b)) + _log(float(tail(a, b, q0)))
    null = hits * math.log(q0) + (trials - hits) * math.log1p(-q0)
    return posterior - prior - null


def log_normal_ratio(z: float, x: float) -> float:
    """Log half-normal mixture ratio for a positive drift of ``z``, with ``x = rho^2 u``.

    ``M = 2 / sqrt(1 + x) * exp(z^2 s / 2) * Phi(z sqrt(s))`` with ``s = x / (1 + x)``. For
    ``z <= 0`` the ratio is below one and its exact value does not matter, so ``z`` is floored at 0.
    """
    z = max(z, 0.0)
    shrink = x / (1.0 + x)
    phi = 1.0 - 0.5 * math.erfc(z * math.sqrt(shrink) / _SQRT2)
    return _LOG2 - 0.5 * math.log1p(x) + 0.5 * z * z * shrink + math.log(phi)


def log_chi2_ratio(chi2: float, dof: int, x: float) -> float:
    """Log mixture ratio of a chi-squared statistic with ``dof`` degrees of freedom."""
    return -0.5 * dof * math.log1p(x) + 0.5 * chi2 * x / (1.0 + x)


def p_value(log_ratio: float) -> float:
    """The always-valid p-value ``min(1, 1 / M)``."""
    return math.exp(-log_ratio) if log_ratio > 0.0 else 1.0
