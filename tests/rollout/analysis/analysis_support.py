"""Builders for analysis tests: measurements from simulated requests."""

import numpy as np

from lockgate.rollout.analysis import ArmMeasurements, LatencyHistogram

MEDIAN_MS = 200.0
SIGMA = 0.5


def simulated_arm(
    rng: np.random.Generator,
    requests: int,
    *,
    error_rate: float,
    median_ms: float = MEDIAN_MS,
    sigma: float = SIGMA,
) -> ArmMeasurements:
    """``requests`` requests with binomial errors and lognormal latencies."""
    latencies = rng.lognormal(np.log(median_ms), sigma, requests)
    return ArmMeasurements(
        requests=requests,
        errors=int(rng.binomial(requests, error_rate)),
        latency=LatencyHistogram.from_samples(latencies),
    )


def rates(requests: int, errors: int) -> ArmMeasurements:
    """An arm with only request and error counts."""
    return ArmMeasurements(requests=requests, errors=errors)
