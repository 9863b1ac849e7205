"""Hypotheses about one metric, each able to weigh the evidence for harm and for safety.

Every hypothesis compares "the candidate is worse than allowed" (harm) with "it is within what is
allowed" (safe) and returns the log mixture likelihood ratio of each side (see ``_sequential``).
Rates are written as rates of bad events (errors, fallbacks, slow requests, wrong answers), so a
higher rate is always worse; the rule allows ``scale * baseline_rate + offset``.
"""

import math
from dataclasses import dataclass
from typing import Protocol

from lockgate.rollout.analysis._sequential import (
    beta_concentration,
    log_beta_ratio,
    log_chi2_ratio,
    log_normal_ratio,
    mixture_precision,
)

_EDGE = 1e-12
_MIN_RATIO = 1e-9


@dataclass(frozen=True, slots=True)
class LogRatios:
    """Log mixture likelihood ratios for harm and for safety at this look."""

    harm: float
    safe: float


class Hypothesis(Protocol):
    """Anything that can weigh harm against safety from cumulative measurements."""

    def log_ratios(self, *, alpha_harm: float, alpha_safe: float, tune_samples: float) -> LogRatios:
        """Evidence for harm and for safety, each tuned for its own level."""
        ...


def _clip(probability: float) -> float:
    return min(max(probability, _EDGE), 1.0 - _EDGE)


@dataclass(frozen=True, slots=True)
class RateComparison:
    """Candidate bad-event rate against ``scale * baseline rate + offset``.

    Conditional on the combined number of bad events, each one is the candidate's with
    probability ``q0 = n_c k / (n_c k + n_b)`` when the candidate's rate is exactly ``k`` times
    the baseline's. With ``offset == 0`` the allowed ratio ``k = scale`` is known and the test is
    exact; otherwise ``k = scale + offset / baseline_rate`` uses the baseline's (smoothed) rate.
    """

    bad_c: int
    n_c: int
    bad_b: int
    n_b: int
    scale: float
    offset: float

    def null_share(self) -> float:
        """``q0``: the candidate's share of bad events at the allowed boundary."""
        ratio = self.scale
        if self.offset:
            ratio += self.offset / ((self.bad_b + 0.5) / (self.n_b + 1.0))
        ratio = max(ratio, _MIN_RATIO)
        return _clip(self.n_c * ratio / (self.n_c * ratio + self.n_b))

    def log_ratios(self, *, alpha_harm: float, alpha_safe: float, tune_samples: float) -> LogRatios:
        """Beta-binomial mixtures on the candidate's share of the bad events."""
        q0 = self.null_share()
        events = self.bad_c + self.bad_b
        tune_events = tune_samples * (events + 1.0) / self.n_c
        return LogRatios(
            harm=log_beta_ratio(
                self.bad_c, events, q0, beta_concentration(alpha_harm, tune_events), above=True
            ),
            safe=log_beta_ratio(
                self.bad_c, events, q0, beta_concentration(alpha_safe, tune_events), above=False
            ),
        )


@dataclass(frozen=True, slots=True)
class RateLimit:
    """Candidate bad-event rate against a fixed limit: exact Bernoulli mixtures."""

    bad_c: int
    n_c: int
    limit: float

    def log_ratios(self, *, alpha_harm: float, alpha_safe: float, tune_samples: float) -> LogRatios:
        """Beta-binomial mixtures on the candidate's bad requests."""
        q0 = _clip(self.limit)
        return LogRatios(
            harm=log_beta_ratio(
                self.bad_c, self.n_c, q0, beta_concentration(alpha_harm, tune_samples), above=True
            ),
            safe=log_beta_ratio(
                self.bad_c, self.n_c, q0, beta_concentration(alpha_safe, tune_samples), above=False
            ),
        )


@dataclass(frozen=True, slots=True)
class Moments:
    """Mean, unbiased variance and count of one arm's observations."""

    mean: float
    variance: float
    count: int


def _normal(
    z: float, info: float, *, alpha_harm: float, alpha_safe: float, tune: float
) -> LogRatios:
    return LogRatios(
        harm=log_normal_ratio(z, mixture_precision(alpha_harm, tune) * info),
        safe=log_normal_ratio(-z, mixture_precision(alpha_safe, tune) * info),
    )


@dataclass(frozen=True, slots=True)
class MeanComparison:
    """Candidate mean against ``scale * baseline mean + offset`` (Welch standard error)."""

    candidate: Moments
    baseline: Moments
    scale: float
    offset: float
    min_variance: float

    def log_ratios(self, *, alpha_harm: float, alpha_safe: float, tune_samples: float) -> LogRatios:
        """Normal mixtures on the standardized difference."""
        var_c = max(self.candidate.variance, self.min_variance) / self.candidate.count
        var_b = self.scale**2 * max(self.baseline.variance, self.min_variance) / self.baseline.count
        variance = var_c + var_b
        estimate = self.candidate.mean - (self.scale * self.baseline.mean + self.offset)
        info = self.candidate.count * var_c / variance
        z = estimate / math.sqrt(variance)
        return _normal(z, info, alpha_harm=alpha_harm, alpha_safe=alpha_safe, tune=tune_samples)


@dataclass(frozen=True, slots=True)
class MeanLimit:
    """Candidate mean against a fixed limit."""

    candidate: Moments
    limit: float
    min_variance: float

    def log_ratios(self, *, alpha_harm: float, alpha_safe: float, tune_samples: float) -> LogRatios:
        """Normal mixtures on the standardized distance to the limit."""
        se = math.sqrt(max(self.candidate.variance, self.min_variance) / self.candidate.count)
        z = (self.candidate.mean - self.limit) / se
        info = float(self.candidate.count)
        return _normal(z, info, alpha_harm=alpha_harm, alpha_safe=alpha_safe, tune=tune_samples)


@dataclass(frozen=True, slots=True)
class MixHomogeneity:
    """Whether two label mixes differ at all: a sequential chi-squared test (harm only)."""

    chi2: float
    dof: int
    info: float

    def log_ratios(self, *, alpha_harm: float, alpha_safe: float, tune_samples: float) -> LogRatios:
        """Chi-squared mixture for harm; equality can never be shown, so safety is ``-inf``."""
        del alpha_safe
        harm = (
            log_chi2_ratio(
                self.chi2, self.dof, mixture_precision(alpha_harm, tune_samples) * self.info
            )
            if self.dof > 0
            else 0.0
        )
        return LogRatios(harm=harm, safe=-math.inf)
