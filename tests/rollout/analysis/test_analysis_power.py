"""Simulated rollouts looked at every interval: A/A rarely fails, 3x errors nearly always do."""

import statistics
from datetime import timedelta

import numpy as np
from analysis_support import simulated_arm

from lockgate.rollout.analysis import (
    AnalysisRules,
    ArmMeasurements,
    ErrorRateRule,
    LatencyP95Rule,
    Status,
    evaluate,
)

INTERVAL = 500
WEIGHT = 0.1
LOOKS = 20
BASE_ERROR_RATE = 0.02


def rollout(rules: AnalysisRules, seed: int, candidate_error_rate: float) -> tuple[Status, int]:
    """Run one 10 % canary step to its end; return the final status and candidate requests."""
    rng = np.random.default_rng([seed, int(candidate_error_rate * 1000)])
    n_c = round(WEIGHT * INTERVAL)
    baseline, candidate = ArmMeasurements(), ArmMeasurements()
    deadline = timedelta(minutes=LOOKS)
    for look in range(1, LOOKS + 1):
        baseline = baseline.merge(simulated_arm(rng, INTERVAL - n_c, error_rate=BASE_ERROR_RATE))
        candidate = candidate.merge(simulated_arm(rng, n_c, error_rate=candidate_error_rate))
        verdict = evaluate(
            rules, baseline, candidate, elapsed=timedelta(minutes=look), deadline=deadline
        )
        if verdict.status in {Status.PASS, Status.FAIL}:
            return verdict.status, candidate.requests
    return Status.INCONCLUSIVE, candidate.requests


def strict_rules(alpha: float) -> AnalysisRules:
    """Error rate and p95 may not be worse than the baseline at all; bake 1,000 requests."""
    common = {"min_samples": 100, "bake_samples": LOOKS * round(WEIGHT * INTERVAL)}
    return AnalysisRules(alpha=alpha, metrics=(ErrorRateRule(**common), LatencyP95Rule(**common)))


def test_identical_versions_fail_at_most_alpha_of_the_time() -> None:
    """300 A/A rollouts, each looked at 20 times at alpha 0.05, fail in at most 5 % of runs."""
    alpha, runs = 0.05, 300
    rules = strict_rules(alpha)
    outcomes = [rollout(rules, seed, BASE_ERROR_RATE)[0] for seed in range(runs)]
    assert Status.INCONCLUSIVE not in outcomes
    assert outcomes.count(Status.FAIL) <= alpha * runs


def test_tripled_error_rate_is_caught_within_a_few_hundred_requests() -> None:
    """100 rollouts at 3x the baseline error rate fail in 97 % or more, at a median <= 500."""
    rules = strict_rules(0.005)
    results = [rollout(rules, seed, 3 * BASE_ERROR_RATE) for seed in range(100)]
    failed = [requests for status, requests in results if status is Status.FAIL]
    assert len(failed) >= 97
    assert statistics.median(failed) <= 500
