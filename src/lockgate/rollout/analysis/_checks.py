"""Checks: one hypothesis about one metric in words, and its outcome at one look."""

import math
from dataclasses import dataclass

from lockgate.rollout.analysis._hypotheses import Hypothesis
from lockgate.rollout.analysis._sequential import p_value


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one check concluded at this look, with the numbers behind it.

    ``statistic`` and ``safe_statistic`` are log mixture likelihood ratios (evidence, in nats) for
    harm and for safety; each decides once it reaches its ``threshold``, ``log(1 / alpha)``.
    """

    check: str
    subject: str
    allowed: str
    worse: str
    is_limit: bool
    statistic: float
    threshold: float
    safe_statistic: float
    safe_threshold: float
    baseline_value: float | None
    candidate_value: float | None

    @property
    def harm(self) -> bool:
        """Confident that the candidate is worse than allowed."""
        return self.statistic >= self.threshold

    @property
    def safe(self) -> bool:
        """Confident that the candidate is within what is allowed."""
        return self.safe_statistic >= self.safe_threshold

    @property
    def p_value(self) -> float:
        """Always-valid p-value for harm."""
        return p_value(self.statistic)

    @property
    def safe_p_value(self) -> float:
        """Always-valid p-value for "worse than allowed" as the null (small means safe)."""
        return p_value(self.safe_statistic)

    @property
    def harm_margin(self) -> float:
        """Evidence still missing before harm is declared (negative once it is)."""
        return self.threshold - self.statistic


@dataclass(frozen=True, slots=True)
class Check:
    """A hypothesis with the words to explain it.

    ``subject`` names the candidate's value, ``allowed`` what the rule allows, and ``worse`` the
    direction that is harmful ("above", "below" or "different from").
    """

    name: str
    subject: str
    allowed: str
    worse: str
    is_limit: bool
    hypothesis: Hypothesis
    baseline_value: float | None
    candidate_value: float | None

    def run(self, *, alpha_harm: float, alpha_safe: float, tune_samples: float) -> Outcome:
        """Weigh the evidence at this look."""
        ratios = self.hypothesis.log_ratios(
            alpha_harm=alpha_harm, alpha_safe=alpha_safe, tune_samples=tune_samples
        )
        return Outcome(
            check=self.name,
            subject=self.subject,
            allowed=self.allowed,
            worse=self.worse,
            is_limit=self.is_limit,
            statistic=ratios.harm,
            threshold=math.log(1.0 / alpha_harm),
            safe_statistic=ratios.safe,
            safe_threshold=math.log(1.0 / alpha_safe),
            baseline_value=self.baseline_value,
            candidate_value=self.candidate_value,
        )


@dataclass(frozen=True, slots=True)
class Evidence:
    """The checks of one metric once both arms have enough samples."""

    samples: int
    baseline_samples: int
    baseline_value: float | None
    candidate_value: float | None
    comparisons: tuple[Check, ...]
    limits: tuple[Check, ...]


@dataclass(frozen=True, slots=True)
class Shortfall:
    """Not enough samples yet to test anything."""

    samples: int
    baseline_samples: int
    reason: str


@dataclass(frozen=True, slots=True)
class Unmeasurable:
    """The data cannot answer the rule (for example a p95 beyond the histogram's last bucket)."""

    samples: int
    baseline_samples: int
    reason: str


Gathered = Evidence | Shortfall | Unmeasurable
