"""Canary analysis: stored measurements plus a pure evaluator that returns a verdict with evidence.

``evaluate(rules, baseline, candidate, elapsed=..., deadline=...)`` judges a rollout step from the
cumulative measurements of both arms with always-valid sequential tests, so it may be called after
every analysis interval without inflating the false rollback rate. See docs/rollout-analysis.md.
"""

from lockgate.rollout.analysis._evaluate import evaluate, evaluate_metric
from lockgate.rollout.analysis._histogram import (
    BUCKET_COUNT,
    LatencyHistogram,
    bucket_edges_ms,
    bucket_index,
)
from lockgate.rollout.analysis._measurements import (
    ArmMeasurements,
    LabelCounts,
    MeasurementError,
    TokenStats,
    merge_all,
)
from lockgate.rollout.analysis._rules import (
    AnalysisRules,
    ErrorRateRule,
    FallbackRateRule,
    FeedbackQualityRule,
    LatencyP95Rule,
    MetricName,
    MetricRule,
    OutputDistributionRule,
    ShadowAgreementRule,
    TokensPerRequestRule,
)
from lockgate.rollout.analysis._verdict import MetricVerdict, ReasonCode, Status, StepVerdict

__all__ = [
    "BUCKET_COUNT",
    "AnalysisRules",
    "ArmMeasurements",
    "ErrorRateRule",
    "FallbackRateRule",
    "FeedbackQualityRule",
    "LabelCounts",
    "LatencyHistogram",
    "LatencyP95Rule",
    "MeasurementError",
    "MetricName",
    "MetricRule",
    "MetricVerdict",
    "OutputDistributionRule",
    "ReasonCode",
    "ShadowAgreementRule",
    "Status",
    "StepVerdict",
    "TokenStats",
    "TokensPerRequestRule",
    "bucket_edges_ms",
    "bucket_index",
    "evaluate",
    "evaluate_metric",
    "merge_all",
]
