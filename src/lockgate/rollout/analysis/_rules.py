"""Metric rules: what to compare, how much worse is tolerated, hard limits and sample sizes.

They are the ``rollout.analysis`` section of the manifest::

    analysis:
      alpha: 0.005                  # chance of a false rollback per step, shared by all metrics
      metrics:
        - metric: error_rate
          relative_tolerance: 0.25  # candidate may be up to 25 % worse than the baseline
          ceiling: 0.05             # and never confidently above 5 %
          min_samples: 200
          bake_samples: 1000
"""

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class MetricName(StrEnum):
    """The metrics the analysis knows how to judge."""

    ERROR_RATE = "error_rate"
    LATENCY_P95 = "latency_p95"
    FALLBACK_RATE = "fallback_rate"
    TOKENS_PER_REQUEST = "tokens_per_request"
    OUTPUT_DISTRIBUTION = "output_distribution"
    FEEDBACK_QUALITY = "feedback_quality"
    SHADOW_AGREEMENT = "shadow_agreement"


class _Rule(BaseModel):
    """Fields every metric rule shares."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    relative_tolerance: float = Field(default=0.0, ge=0.0, allow_inf_nan=False)
    absolute_tolerance: float = Field(default=0.0, ge=0.0, allow_inf_nan=False)
    compare: bool = True
    min_samples: int = Field(default=100, ge=2)
    bake_samples: int | None = Field(default=None, ge=2)
    tune_samples: int = Field(default=500, ge=1)

    def limit(self) -> float | None:
        """The hard ceiling or floor, if the metric has one."""
        return None

    @model_validator(mode="after")
    def _consistent(self) -> "_Rule":
        if self.bake_samples is not None and self.bake_samples < self.min_samples:
            raise ValueError("bake_samples must be at least min_samples")
        if not self.compare and self.limit() is None:
            raise ValueError("a rule that does not compare with the baseline needs a limit")
        return self


class ErrorRateRule(_Rule):
    """Share of requests that failed; ``ceiling`` is the SLO the candidate must never breach."""

    metric: Literal["error_rate"] = "error_rate"
    ceiling: float | None = Field(default=None, gt=0.0, lt=1.0)

    def limit(self) -> float | None:
        """The error-rate ceiling."""
        return self.ceiling


class FallbackRateRule(_Rule):
    """Share of requests served by a fallback."""

    metric: Literal["fallback_rate"] = "fallback_rate"
    ceiling: float | None = Field(default=None, gt=0.0, lt=1.0)

    def limit(self) -> float | None:
        """The fallback-rate ceiling."""
        return self.ceiling


class LatencyP95Rule(_Rule):
    """95th percentile latency; ``absolute_tolerance`` and ``ceiling_ms`` are in milliseconds."""

    metric: Literal["latency_p95"] = "latency_p95"
    ceiling_ms: float | None = Field(default=None, gt=0.0, allow_inf_nan=False)

    def limit(self) -> float | None:
        """The p95 ceiling in milliseconds."""
        return self.ceiling_ms


class TokensPerRequestRule(_Rule):
    """Mean tokens per request (cost); ``absolute_tolerance`` and ``ceiling`` are in tokens."""

    metric: Literal["tokens_per_request"] = "tokens_per_request"
    ceiling: float | None = Field(default=None, gt=0.0, allow_inf_nan=False)

    def limit(self) -> float | None:
        """The mean-tokens ceiling."""
        return self.ceiling


class OutputDistributionRule(_Rule):
    """Mix of output labels; tolerances bound the shift of each label's share.

    With both tolerances at zero any change of the mix counts as harm (a sequential chi-squared
    test); otherwise each label's share may move by ``relative_tolerance`` of the baseline share
    plus ``absolute_tolerance`` in either direction.
    """

    metric: Literal["output_distribution"] = "output_distribution"
    relative_tolerance: float = Field(default=0.0, ge=0.0, le=1.0, allow_inf_nan=False)
    absolute_tolerance: float = Field(default=0.0, ge=0.0, lt=1.0, allow_inf_nan=False)
    compare: Literal[True] = True


class FeedbackQualityRule(_Rule):
    """Share of user feedback marking the answer correct; ``floor`` is the lowest acceptable."""

    metric: Literal["feedback_quality"] = "feedback_quality"
    relative_tolerance: float = Field(default=0.0, ge=0.0, le=1.0, allow_inf_nan=False)
    floor: float | None = Field(default=None, gt=0.0, lt=1.0)

    def limit(self) -> float | None:
        """The quality floor."""
        return self.floor


class ShadowAgreementRule(_Rule):
    """Share of shadowed requests where the candidate agreed with the reference answer."""

    metric: Literal["shadow_agreement"] = "shadow_agreement"
    relative_tolerance: float = Field(default=0.0, ge=0.0, le=1.0, allow_inf_nan=False)
    floor: float | None = Field(default=None, gt=0.0, lt=1.0)

    def limit(self) -> float | None:
        """The agreement floor."""
        return self.floor


MetricRule = Annotated[
    ErrorRateRule
    | FallbackRateRule
    | LatencyP95Rule
    | TokensPerRequestRule
    | OutputDistributionRule
    | FeedbackQualityRule
    | ShadowAgreementRule,
    Field(discriminator="metric"),
]


class AnalysisRules(BaseModel):
    """The rules of one rollout; ``alpha`` bounds the false rollback chance of each step."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    alpha: float = Field(default=0.005, gt=0.0, lt=0.5)
    metrics: tuple[MetricRule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> "AnalysisRules":
        names = [rule.metric for rule in self.metrics]
        if len(names) != len(set(names)):
            raise ValueError("each metric may appear once in rollout.analysis.metrics")
        return self
