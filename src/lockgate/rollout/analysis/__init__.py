"""Canary analysis: stored measurements plus a pure evaluator that returns a verdict with evidence.

``evaluate(rules, baseline, candidate, elapsed=..., deadline=...)`` judges a rollout step from the
cumulative measurements of both arms with always-valid sequential tests, so it may be called after
every analysis interval without inflating the false rollback rate. See docs/rollout-analysis.md.
"""

import importlib as _importlib
import typing as _typing

if _typing.TYPE_CHECKING:
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

_LAZY = {
    "AnalysisRules": ("lockgate.rollout.analysis._rules", "AnalysisRules"),
    "ArmMeasurements": ("lockgate.rollout.analysis._measurements", "ArmMeasurements"),
    "BUCKET_COUNT": ("lockgate.rollout.analysis._histogram", "BUCKET_COUNT"),
    "ErrorRateRule": ("lockgate.rollout.analysis._rules", "ErrorRateRule"),
    "FallbackRateRule": ("lockgate.rollout.analysis._rules", "FallbackRateRule"),
    "FeedbackQualityRule": ("lockgate.rollout.analysis._rules", "FeedbackQualityRule"),
    "LabelCounts": ("lockgate.rollout.analysis._measurements", "LabelCounts"),
    "LatencyHistogram": ("lockgate.rollout.analysis._histogram", "LatencyHistogram"),
    "LatencyP95Rule": ("lockgate.rollout.analysis._rules", "LatencyP95Rule"),
    "MeasurementError": ("lockgate.rollout.analysis._measurements", "MeasurementError"),
    "MetricName": ("lockgate.rollout.analysis._rules", "MetricName"),
    "MetricRule": ("lockgate.rollout.analysis._rules", "MetricRule"),
    "MetricVerdict": ("lockgate.rollout.analysis._verdict", "MetricVerdict"),
    "OutputDistributionRule": ("lockgate.rollout.analysis._rules", "OutputDistributionRule"),
    "ReasonCode": ("lockgate.rollout.analysis._verdict", "ReasonCode"),
    "ShadowAgreementRule": ("lockgate.rollout.analysis._rules", "ShadowAgreementRule"),
    "Status": ("lockgate.rollout.analysis._verdict", "Status"),
    "StepVerdict": ("lockgate.rollout.analysis._verdict", "StepVerdict"),
    "TokenStats": ("lockgate.rollout.analysis._measurements", "TokenStats"),
    "TokensPerRequestRule": ("lockgate.rollout.analysis._rules", "TokensPerRequestRule"),
    "bucket_edges_ms": ("lockgate.rollout.analysis._histogram", "bucket_edges_ms"),
    "bucket_index": ("lockgate.rollout.analysis._histogram", "bucket_index"),
    "evaluate": ("lockgate.rollout.analysis._evaluate", "evaluate"),
    "evaluate_metric": ("lockgate.rollout.analysis._evaluate", "evaluate_metric"),
    "merge_all": ("lockgate.rollout.analysis._measurements", "merge_all"),
}


def __getattr__(name: str) -> _typing.Any:
    """Import an attribute's module on first use: scipy loads only when analysis runs."""
    try:
        module, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(_importlib.import_module(module), attribute)
    globals()[name] = value
    return value


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
