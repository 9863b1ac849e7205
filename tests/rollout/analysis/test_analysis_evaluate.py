"""The evaluator on hand-built measurements: statuses, reasons, numbers and step combination."""

import json
import math
from datetime import timedelta

import numpy as np
import pytest
from analysis_support import rates, simulated_arm

from lockgate.rollout.analysis import (
    AnalysisRules,
    ArmMeasurements,
    ErrorRateRule,
    FeedbackQualityRule,
    LabelCounts,
    LatencyHistogram,
    LatencyP95Rule,
    MetricName,
    MetricRule,
    OutputDistributionRule,
    ReasonCode,
    ShadowAgreementRule,
    Status,
    StepVerdict,
    TokensPerRequestRule,
    TokenStats,
    evaluate,
)

EARLY = timedelta(minutes=5)
DEADLINE = timedelta(minutes=30)


def judge(
    *rules: MetricRule,
    baseline: ArmMeasurements,
    candidate: ArmMeasurements,
    elapsed: timedelta = EARLY,
    alpha: float = 0.005,
) -> StepVerdict:
    """Evaluate ``rules`` at ``elapsed`` against the standard deadline."""
    return evaluate(
        AnalysisRules(alpha=alpha, metrics=rules),
        baseline,
        candidate,
        elapsed=elapsed,
        deadline=DEADLINE,
    )


def test_tripled_error_rate_fails_with_its_evidence() -> None:
    """8 % errors against a 2 % baseline fails, and the verdict carries the numbers."""
    verdict = judge(ErrorRateRule(), baseline=rates(10_000, 200), candidate=rates(1_000, 80))
    assert verdict.status is Status.FAIL
    assert verdict.code is ReasonCode.METRIC_FAILED
    metric = verdict.metrics[0]
    assert metric.metric is MetricName.ERROR_RATE
    assert metric.code is ReasonCode.HARM_DETECTED
    assert metric.check == "vs_baseline"
    assert metric.statistic is not None
    assert metric.threshold == pytest.approx(math.log(1 / 0.005))
    assert metric.statistic >= metric.threshold
    assert metric.p_value is not None
    assert metric.p_value <= 0.005
    assert metric.p_value == pytest.approx(math.exp(-metric.statistic))
    assert (metric.baseline_value, metric.candidate_value) == (0.02, 0.08)
    assert (metric.samples, metric.baseline_samples) == (1_000, 10_000)
    assert "8.00 %" in metric.reason


def test_below_min_samples_is_inconclusive_without_numbers() -> None:
    """Too few candidate requests give inconclusive, whatever the rate looks like."""
    verdict = judge(
        ErrorRateRule(min_samples=100), baseline=rates(10_000, 200), candidate=rates(50, 25)
    )
    assert verdict.status is Status.INCONCLUSIVE
    metric = verdict.metrics[0]
    assert metric.code is ReasonCode.BELOW_MIN_SAMPLES
    assert metric.statistic is None
    assert metric.samples == 50
    assert "fewer than min_samples 100" in metric.reason


def test_below_min_baseline_samples_is_inconclusive() -> None:
    """A comparison waits for the baseline too."""
    verdict = judge(ErrorRateRule(min_samples=100), baseline=rates(40, 1), candidate=rates(500, 10))
    assert verdict.metrics[0].code is ReasonCode.BELOW_MIN_SAMPLES
    assert "baseline has 40" in verdict.metrics[0].reason


def test_deadline_turns_missing_data_into_a_fail() -> None:
    """Inconclusive at the deadline fails the step: it never passes for lack of data."""
    verdict = judge(
        ErrorRateRule(), baseline=rates(10_000, 200), candidate=rates(20, 0), elapsed=DEADLINE
    )
    assert verdict.status is Status.FAIL
    assert verdict.code is ReasonCode.DEADLINE_EXCEEDED
    assert verdict.metrics[0].status is Status.INCONCLUSIVE


def test_deadline_also_fails_an_undecided_comparison() -> None:
    """Enough samples but no decision either way is a fail once the deadline passes."""
    rule = ErrorRateRule(relative_tolerance=0.25)
    before = judge(rule, baseline=rates(10_000, 200), candidate=rates(1_000, 22))
    assert before.status is Status.INCONCLUSIVE
    assert before.metrics[0].code is ReasonCode.COLLECTING
    after = judge(rule, baseline=rates(10_000, 200), candidate=rates(1_000, 22), elapsed=DEADLINE)
    assert after.status is Status.FAIL
    assert after.code is ReasonCode.DEADLINE_EXCEEDED


def test_hard_ceiling_fails_even_when_the_baseline_is_as_bad() -> None:
    """12 % errors breach a 5 % ceiling although the baseline has 12 % too."""
    verdict = judge(
        ErrorRateRule(ceiling=0.05), baseline=rates(10_000, 1_200), candidate=rates(1_000, 120)
    )
    assert verdict.status is Status.FAIL
    metric = verdict.metrics[0]
    assert metric.code is ReasonCode.LIMIT_BREACHED
    assert metric.check == "ceiling"


def test_ceiling_alone_passes_a_candidate_well_inside_it() -> None:
    """Without a comparison, a candidate confidently under the ceiling passes."""
    rule = ErrorRateRule(compare=False, ceiling=0.05)
    verdict = judge(rule, baseline=ArmMeasurements(), candidate=rates(2_000, 20))
    assert verdict.status is Status.PASS
    assert verdict.metrics[0].code is ReasonCode.WITHIN_LIMIT


def test_non_inferiority_passes_before_any_bake() -> None:
    """With a 25 % tolerance and plenty of data, a slightly better candidate passes early."""
    rule = ErrorRateRule(relative_tolerance=0.25)
    verdict = judge(rule, baseline=rates(40_000, 800), candidate=rates(20_000, 340))
    assert verdict.status is Status.PASS
    metric = verdict.metrics[0]
    assert metric.code is ReasonCode.NON_INFERIOR
    assert metric.statistic is not None
    assert metric.threshold is not None
    assert metric.statistic >= metric.threshold


def test_bake_passes_only_once_reached() -> None:
    """An unremarkable candidate passes at bake_samples, not before."""
    baseline, candidate = rates(9_000, 180), rates(1_000, 21)
    early = judge(ErrorRateRule(bake_samples=2_000), baseline=baseline, candidate=candidate)
    assert early.status is Status.INCONCLUSIVE
    baked = judge(ErrorRateRule(bake_samples=1_000), baseline=baseline, candidate=candidate)
    assert baked.status is Status.PASS
    assert baked.metrics[0].code is ReasonCode.BAKED


def test_slower_latency_fails_and_identical_latency_bakes() -> None:
    """A candidate 50 % slower fails the p95 comparison; an identical one passes at bake."""
    rng = np.random.default_rng(5)
    baseline = simulated_arm(rng, 9_000, error_rate=0.0)
    rule = LatencyP95Rule(relative_tolerance=0.1, bake_samples=1_000)
    slow = judge(
        rule,
        baseline=baseline,
        candidate=simulated_arm(rng, 1_000, error_rate=0.0, median_ms=300.0),
    )
    assert slow.status is Status.FAIL
    assert slow.metrics[0].baseline_value == pytest.approx(455.0, rel=0.05)
    assert slow.metrics[0].candidate_value == pytest.approx(683.0, rel=0.05)
    same = judge(rule, baseline=baseline, candidate=simulated_arm(rng, 1_000, error_rate=0.0))
    assert same.status is Status.PASS


def test_latency_ceiling_fails_a_slow_candidate() -> None:
    """A p95 around 680 ms breaches a 500 ms ceiling."""
    rng = np.random.default_rng(8)
    rule = LatencyP95Rule(compare=False, ceiling_ms=500.0)
    verdict = judge(
        rule,
        baseline=ArmMeasurements(),
        candidate=simulated_arm(rng, 1_000, error_rate=0.0, median_ms=300.0),
    )
    assert verdict.status is Status.FAIL
    assert verdict.metrics[0].code is ReasonCode.LIMIT_BREACHED


def test_latency_beyond_the_histogram_is_an_error_then_a_fail() -> None:
    """A p95 in the overflow bucket cannot be compared: error, and fail at the deadline."""
    overflow = LatencyHistogram.from_samples([1e7] * 300)
    arm = ArmMeasurements(requests=300, latency=overflow)
    verdict = judge(LatencyP95Rule(), baseline=arm, candidate=arm)
    assert verdict.status is Status.ERROR
    assert verdict.metrics[0].code is ReasonCode.UNMEASURABLE
    late = judge(LatencyP95Rule(), baseline=arm, candidate=arm, elapsed=DEADLINE)
    assert late.status is Status.FAIL


def tokens(samples: list[int], repeat: int) -> ArmMeasurements:
    """An arm whose requests used the given token counts, repeated."""
    values = samples * repeat
    return ArmMeasurements(requests=len(values), tokens=TokenStats.from_samples(values))


def test_more_tokens_per_request_fail_and_the_ceiling_applies() -> None:
    """Half again as many tokens fails a 10 % tolerance; a mean above the ceiling fails too."""
    baseline = tokens([150, 200, 250], 300)
    candidate = tokens([250, 300, 350], 100)
    verdict = judge(
        TokensPerRequestRule(relative_tolerance=0.1), baseline=baseline, candidate=candidate
    )
    assert verdict.status is Status.FAIL
    assert verdict.metrics[0].candidate_value == pytest.approx(300.0)
    capped = judge(
        TokensPerRequestRule(compare=False, ceiling=250.0), baseline=baseline, candidate=candidate
    )
    assert capped.metrics[0].code is ReasonCode.LIMIT_BREACHED


def labelled(counts: dict[str, int]) -> ArmMeasurements:
    """An arm whose answers carried these labels."""
    return ArmMeasurements(requests=sum(counts.values()), labels=LabelCounts.from_mapping(counts))


def test_shifted_label_mix_fails_the_sequential_chi_squared() -> None:
    """Refunds jumping from 10 % to 25 % of answers is a different mix."""
    baseline = labelled({"billing": 4_500, "refund": 1_000, "other": 4_500})
    candidate = labelled({"billing": 375, "refund": 250, "other": 375})
    verdict = judge(OutputDistributionRule(), baseline=baseline, candidate=candidate)
    assert verdict.status is Status.FAIL
    assert verdict.metrics[0].check == "mix"
    assert "'refund'" in verdict.metrics[0].reason


def test_label_shift_beyond_tolerance_names_the_label() -> None:
    """With a 5-point tolerance the refund share rising 15 points fails on that label."""
    baseline = labelled({"billing": 4_500, "refund": 1_000, "other": 4_500})
    candidate = labelled({"billing": 375, "refund": 250, "other": 375})
    verdict = judge(
        OutputDistributionRule(absolute_tolerance=0.05), baseline=baseline, candidate=candidate
    )
    metric = verdict.metrics[0]
    assert metric.status is Status.FAIL
    assert metric.check == "label:refund:up"
    assert (metric.baseline_value, metric.candidate_value) == (0.1, 0.25)


def test_same_label_mix_within_tolerance_passes() -> None:
    """A mix within 5 points of the baseline passes once the data are plentiful."""
    baseline = labelled({"billing": 45_000, "refund": 10_000, "other": 45_000})
    candidate = labelled({"billing": 9_100, "refund": 1_950, "other": 8_950})
    verdict = judge(
        OutputDistributionRule(absolute_tolerance=0.05), baseline=baseline, candidate=candidate
    )
    assert verdict.status is Status.PASS
    assert verdict.metrics[0].code is ReasonCode.NON_INFERIOR


def test_feedback_quality_drop_and_floor() -> None:
    """Accuracy falling from 90 % to 70 % fails; above the floor alone it passes."""
    baseline = ArmMeasurements(feedback_correct=1_800, feedback_incorrect=200)
    candidate = ArmMeasurements(feedback_correct=210, feedback_incorrect=90)
    drop = judge(
        FeedbackQualityRule(absolute_tolerance=0.02), baseline=baseline, candidate=candidate
    )
    assert drop.status is Status.FAIL
    assert drop.metrics[0].candidate_value == pytest.approx(0.7)
    floor = judge(
        FeedbackQualityRule(compare=False, floor=0.5), baseline=baseline, candidate=candidate
    )
    assert floor.status is Status.PASS


def test_shadow_agreement_below_floor_fails() -> None:
    """Agreeing with the reference on 80 % of shadowed requests breaches a 90 % floor."""
    candidate = ArmMeasurements(shadow_agree=800, shadow_disagree=200)
    verdict = judge(
        ShadowAgreementRule(compare=False, floor=0.9),
        baseline=ArmMeasurements(),
        candidate=candidate,
    )
    assert verdict.status is Status.FAIL
    assert verdict.metrics[0].check == "floor"


def test_step_combines_metrics() -> None:
    """Any fail fails the step, a waiting metric holds it, all passes pass it."""
    good, bad = rates(1_000, 20), rates(1_000, 90)
    baseline = rates(9_000, 180)
    waiting = ErrorRateRule(bake_samples=1_000), FeedbackQualityRule()
    assert judge(*waiting, baseline=baseline, candidate=good).status is Status.INCONCLUSIVE
    assert judge(*waiting, baseline=baseline, candidate=bad).status is Status.FAIL
    shadow = ShadowAgreementRule(compare=False, floor=0.5)
    both_good = ArmMeasurements(requests=1_000, errors=20, shadow_agree=990, shadow_disagree=10)
    verdict = judge(
        ErrorRateRule(bake_samples=1_000), shadow, baseline=baseline, candidate=both_good
    )
    assert verdict.status is Status.PASS
    assert verdict.code is ReasonCode.ALL_PASSED


def test_verdicts_serialise_to_plain_json() -> None:
    """Step and metric verdicts become JSON text with every number finite or null."""
    verdict = judge(
        ErrorRateRule(ceiling=0.05),
        OutputDistributionRule(),
        baseline=rates(10_000, 200),
        candidate=rates(1_000, 80),
    )
    data = json.loads(json.dumps(verdict.to_json(), allow_nan=False))
    assert data["status"] == "fail"
    assert data["elapsed_seconds"] == 300.0
    assert [m["metric"] for m in data["metrics"]] == ["error_rate", "output_distribution"]
    assert data["metrics"][1]["status"] == "inconclusive"
