"""Cumulative measurements of one arm (baseline or candidate) of a canary.

Every value is a count or an exact sum, so measurements merge by addition: merging is associative
and commutative, and the measurements of a step are the merge of its intervals. They serialise to
plain JSON (``to_json`` / ``from_json``) for storage per analysis interval.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lockgate.errors import LockgateError
from lockgate.rollout.analysis._histogram import BUCKET_COUNT, LatencyHistogram

JSON_VERSION = 1


class MeasurementError(LockgateError, ValueError):
    """Measurements are inconsistent or a stored payload cannot be read."""

    status = 500
    code = "invalid_measurements"
    type = "server_error"


@dataclass(frozen=True, slots=True)
class TokenStats:
    """Count, sum and sum of squares of tokens per request: enough for a mean and a variance."""

    count: int = 0
    total: int = 0
    total_sq: int = 0

    def __post_init__(self) -> None:
        if min(self.count, self.total, self.total_sq) < 0:
            raise MeasurementError("token statistics must be non-negative")
        if self.total * self.total > self.total_sq * self.count:
            raise MeasurementError("token sum of squares is too small for the sum and count")

    @classmethod
    def from_samples(cls, tokens: Iterable[int]) -> "TokenStats":
        """Statistics of a batch of per-request token counts."""
        values = list(tokens)
        return cls(len(values), sum(values), sum(value * value for value in values))

    def merge(self, other: "TokenStats") -> "TokenStats":
        """Statistics of both batches."""
        return TokenStats(
            self.count + other.count, self.total + other.total, self.total_sq + other.total_sq
        )

    @property
    def mean(self) -> float | None:
        """Mean tokens per request, or ``None`` when nothing was recorded."""
        return self.total / self.count if self.count else None

    @property
    def variance(self) -> float | None:
        """Unbiased sample variance, or ``None`` below two requests."""
        if self.count < 2:
            return None
        spread = self.total_sq * self.count - self.total * self.total
        return spread / (self.count * (self.count - 1))


@dataclass(frozen=True, slots=True)
class LabelCounts:
    """How often each output label (for example a predicted intent) was produced."""

    items: tuple[tuple[str, int], ...] = ()

    def __post_init__(self) -> None:
        labels = [label for label, _ in self.items]
        if labels != sorted(set(labels)):
            raise MeasurementError("label counts must be sorted by label without repeats")
        if any(count <= 0 for _, count in self.items):
            raise MeasurementError("label counts must be positive; leave unseen labels out")

    @classmethod
    def from_mapping(cls, counts: Mapping[str, int]) -> "LabelCounts":
        """Build from ``{label: count}``; zero counts are dropped."""
        if any(count < 0 for count in counts.values()):
            raise MeasurementError("label counts must be non-negative")
        return cls(tuple(sorted((label, count) for label, count in counts.items() if count)))

    def as_dict(self) -> dict[str, int]:
        """``{label: count}``."""
        return dict(self.items)

    @property
    def total(self) -> int:
        """Number of labelled outputs."""
        return sum(count for _, count in self.items)

    def merge(self, other: "LabelCounts") -> "LabelCounts":
        """Counts of both batches."""
        merged = self.as_dict()
        for label, count in other.items:
            merged[label] = merged.get(label, 0) + count
        return LabelCounts.from_mapping(merged)


@dataclass(frozen=True, slots=True)
class ArmMeasurements:
    """Everything the analysis knows about one arm, cumulative since the step started."""

    requests: int = 0
    errors: int = 0
    fallbacks: int = 0
    tokens: TokenStats = field(default_factory=TokenStats)
    latency: LatencyHistogram = field(default_factory=LatencyHistogram)
    labels: LabelCounts = field(default_factory=LabelCounts)
    feedback_correct: int = 0
    feedback_incorrect: int = 0
    shadow_agree: int = 0
    shadow_disagree: int = 0

    _COUNTS: ClassVar[tuple[str, ...]] = (
        "requests",
        "errors",
        "fallbacks",
        "feedback_correct",
        "feedback_incorrect",
        "shadow_agree",
        "shadow_disagree",
    )

    def __post_init__(self) -> None:
        if any(getattr(self, name) < 0 for name in self._COUNTS):
            raise MeasurementError("measurement counts must be non-negative")
        for name, value in (
            ("errors", self.errors),
            ("fallbacks", self.fallbacks),
            ("token counts", self.tokens.count),
            ("latencies", self.latency.total),
        ):
            if value > self.requests:
                raise MeasurementError(f"{name} ({value}) exceed requests ({self.requests})")

    @property
    def feedback_total(self) -> int:
        """Number of feedback answers (correct or not)."""
        return self.feedback_correct + self.feedback_incorrect

    @property
    def shadow_total(self) -> int:
        """Number of shadow comparisons."""
        return self.shadow_agree + self.shadow_disagree

    def merge(self, other: "ArmMeasurements") -> "ArmMeasurements":
        """Measurements of both periods together."""
        counts = {name: getattr(self, name) + getattr(other, name) for name in self._COUNTS}
        return ArmMeasurements(
            tokens=self.tokens.merge(other.tokens),
            latency=self.latency.merge(other.latency),
            labels=self.labels.merge(other.labels),
            **counts,
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dictionary; ``from_json`` reads it back unchanged."""
        return {
            "version": JSON_VERSION,
            "requests": self.requests,
            "errors": self.errors,
            "fallbacks": self.fallbacks,
            "tokens": {
                "count": self.tokens.count,
                "total": self.tokens.total,
                "total_sq": self.tokens.total_sq,
            },
            "latency_ms": {str(index): count for index, count in self.latency.to_sparse().items()},
            "labels": self.labels.as_dict(),
            "feedback": {"correct": self.feedback_correct, "incorrect": self.feedback_incorrect},
            "shadow": {"agree": self.shadow_agree, "disagree": self.shadow_disagree},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "ArmMeasurements":
        """Read what ``to_json`` wrote; raises ``MeasurementError`` on a malformed payload."""
        try:
            payload = _ArmPayload.model_validate(data)
        except ValidationError as exc:
            raise MeasurementError(f"stored measurements are malformed: {exc}") from exc
        try:
            latency = LatencyHistogram.from_sparse(
                {int(index): count for index, count in payload.latency_ms.items()}
            )
        except ValueError as exc:
            raise MeasurementError(f"stored latency histogram is malformed: {exc}") from exc
        return cls(
            requests=payload.requests,
            errors=payload.errors,
            fallbacks=payload.fallbacks,
            tokens=TokenStats(payload.tokens.count, payload.tokens.total, payload.tokens.total_sq),
            latency=latency,
            labels=LabelCounts.from_mapping(payload.labels),
            feedback_correct=payload.feedback.correct,
            feedback_incorrect=payload.feedback.incorrect,
            shadow_agree=payload.shadow.agree,
            shadow_disagree=payload.shadow.disagree,
        )


def merge_all(parts: Iterable[ArmMeasurements]) -> ArmMeasurements:
    """Merge any number of measurements; the empty merge is all zeros."""
    merged = ArmMeasurements()
    for part in parts:
        merged = merged.merge(part)
    return merged


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class _TokensPayload(_Strict):
    count: int = Field(ge=0)
    total: int = Field(ge=0)
    total_sq: int = Field(ge=0)


class _FeedbackPayload(_Strict):
    correct: int = Field(ge=0)
    incorrect: int = Field(ge=0)


class _ShadowPayload(_Strict):
    agree: int = Field(ge=0)
    disagree: int = Field(ge=0)


class _ArmPayload(_Strict):
    version: int = Field(ge=JSON_VERSION, le=JSON_VERSION)
    requests: int = Field(ge=0)
    errors: int = Field(ge=0)
    fallbacks: int = Field(ge=0)
    tokens: _TokensPayload
    latency_ms: dict[str, int] = Field(max_length=BUCKET_COUNT)
    labels: dict[str, int]
    feedback: _FeedbackPayload
    shadow: _ShadowPayload
