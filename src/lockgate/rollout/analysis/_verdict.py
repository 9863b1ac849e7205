"""Verdicts: each decision keeps its status, a reason code, the numbers behind it and a sentence."""

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from lockgate.rollout.analysis._rules import MetricName


class Status(StrEnum):
    """Outcome of a metric or a step, as in Argo Rollouts' analysis runs."""

    PASS = "pass"  # noqa: S105
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"
    ERROR = "error"


class ReasonCode(StrEnum):
    """Why a metric or a step got its status."""

    BELOW_MIN_SAMPLES = "below_min_samples"
    COLLECTING = "collecting"
    HARM_DETECTED = "harm_detected"
    LIMIT_BREACHED = "limit_breached"
    NON_INFERIOR = "non_inferior"
    WITHIN_LIMIT = "within_limit"
    BAKED = "baked_without_harm"
    UNMEASURABLE = "unmeasurable"
    ALL_PASSED = "all_passed"
    METRIC_FAILED = "metric_failed"
    METRIC_ERROR = "metric_error"
    WAITING = "waiting"
    DEADLINE_EXCEEDED = "deadline_exceeded"


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


@dataclass(frozen=True, slots=True)
class MetricVerdict:
    """The judgement of one metric with its evidence.

    ``statistic`` is the evidence of the deciding test, the log of its mixture likelihood ratio,
    and ``threshold`` the ``log(1 / alpha)`` it must reach; ``p_value`` is that test's
    always-valid p-value. The deciding test is the harm test, except for a non-inferiority pass
    where it is the safety test. ``check`` names it: ``vs_baseline``, ``ceiling``, ``floor``,
    ``mix`` or ``label:<name>:up|down``.
    """

    metric: MetricName
    status: Status
    code: ReasonCode
    reason: str
    check: str | None = None
    statistic: float | None = None
    threshold: float | None = None
    p_value: float | None = None
    baseline_value: float | None = None
    candidate_value: float | None = None
    samples: int = 0
    baseline_samples: int = 0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dictionary (non-finite numbers become ``None``)."""
        return {
            "metric": str(self.metric),
            "status": str(self.status),
            "code": str(self.code),
            "reason": self.reason,
            "check": self.check,
            "statistic": _finite(self.statistic),
            "threshold": _finite(self.threshold),
            "p_value": _finite(self.p_value),
            "baseline_value": _finite(self.baseline_value),
            "candidate_value": _finite(self.candidate_value),
            "samples": self.samples,
            "baseline_samples": self.baseline_samples,
        }


@dataclass(frozen=True, slots=True)
class StepVerdict:
    """The judgement of a rollout step: the combined status and every metric's verdict."""

    status: Status
    code: ReasonCode
    reason: str
    metrics: tuple[MetricVerdict, ...]
    elapsed_seconds: float
    deadline_seconds: float

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "status": str(self.status),
            "code": str(self.code),
            "reason": self.reason,
            "elapsed_seconds": self.elapsed_seconds,
            "deadline_seconds": self.deadline_seconds,
            "metrics": [verdict.to_json() for verdict in self.metrics],
        }
