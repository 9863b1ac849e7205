"""Rule configuration: the manifest section parses into typed rules and bad settings are refused."""

import pytest
from pydantic import ValidationError

from lockgate.rollout.analysis import (
    AnalysisRules,
    ErrorRateRule,
    FeedbackQualityRule,
    LatencyP95Rule,
    OutputDistributionRule,
    ShadowAgreementRule,
    TokensPerRequestRule,
)

MANIFEST_SECTION = {
    "alpha": 0.01,
    "metrics": [
        {"metric": "error_rate", "relative_tolerance": 0.25, "ceiling": 0.05},
        {"metric": "latency_p95", "relative_tolerance": 0.2, "ceiling_ms": 2000},
        {"metric": "fallback_rate", "absolute_tolerance": 0.01},
        {"metric": "tokens_per_request", "relative_tolerance": 0.1, "bake_samples": 500},
        {"metric": "output_distribution", "absolute_tolerance": 0.05},
        {"metric": "feedback_quality", "absolute_tolerance": 0.02, "floor": 0.8},
        {"metric": "shadow_agreement", "compare": False, "floor": 0.9},
    ],
}


def test_manifest_section_parses_into_typed_rules() -> None:
    """Each entry becomes the rule class named by its ``metric`` field."""
    rules = AnalysisRules.model_validate(MANIFEST_SECTION)
    kinds = [type(rule) for rule in rules.metrics]
    assert kinds[0] is ErrorRateRule
    assert kinds[1] is LatencyP95Rule
    assert kinds[3] is TokensPerRequestRule
    assert kinds[4] is OutputDistributionRule
    assert kinds[5] is FeedbackQualityRule
    assert kinds[6] is ShadowAgreementRule
    assert rules.alpha == 0.01
    assert rules.metrics[1].limit() == 2000


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"metric": "cpu"}, "does not match any of the expected tags"),
        ({"metric": "error_rate", "compare": False}, "needs a limit"),
        ({"metric": "error_rate", "min_samples": 500, "bake_samples": 100}, "bake_samples"),
        ({"metric": "error_rate", "ceiling": 1.5}, "less than 1"),
        ({"metric": "error_rate", "relative_tolerance": -0.1}, "greater than or equal"),
        ({"metric": "feedback_quality", "relative_tolerance": 1.5}, "less than or equal"),
        ({"metric": "output_distribution", "compare": False}, "True"),
        ({"metric": "error_rate", "tolerance": 0.1}, "Extra inputs"),
    ],
)
def test_bad_rules_are_refused_with_a_reason(entry: dict[str, object], message: str) -> None:
    """Invalid settings fail validation and the error says which."""
    with pytest.raises(ValidationError, match=message):
        AnalysisRules.model_validate({"metrics": [entry]})


def test_each_metric_appears_once() -> None:
    """Two rules for the same metric are refused."""
    with pytest.raises(ValidationError, match="once"):
        AnalysisRules.model_validate({"metrics": [{"metric": "error_rate"}] * 2})


def test_rules_need_at_least_one_metric_and_a_sane_alpha() -> None:
    """No metrics, or alpha outside (0, 0.5), is refused."""
    with pytest.raises(ValidationError):
        AnalysisRules.model_validate({"metrics": []})
    with pytest.raises(ValidationError):
        AnalysisRules.model_validate({"alpha": 0.7, "metrics": [{"metric": "error_rate"}]})
