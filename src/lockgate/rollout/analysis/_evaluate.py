"""The pure evaluator: rules plus both arms' cumulative measurements give a step verdict.

Per metric (``alpha`` is the step's false-rollback budget, ``m`` the number of metrics):

* below ``min_samples`` in an arm the rule needs -> inconclusive;
* each harm check (comparison with the baseline, hard limit, or each label direction) is an
  always-valid one-sided test at ``alpha / m / checks``; any crossing -> fail;
* pass when every deciding check (the comparison, or the limit for ``compare: false``) is
  confidently on the safe side at level ``alpha`` (non-inferiority), or when ``bake_samples``
  candidate samples were reached with no check crossing its harm boundary;
* otherwise inconclusive.

The step fails if any metric fails, errs if any metric errs, passes if all pass, and otherwise
waits; once ``elapsed >= deadline`` anything but a pass becomes a fail, so a step never passes
for lack of data.
"""

from collections.abc import Sequence
from datetime import timedelta

from lockgate.rollout.analysis._checks import Evidence, Outcome, Shortfall
from lockgate.rollout.analysis._collect import gather
from lockgate.rollout.analysis._measurements import ArmMeasurements
from lockgate.rollout.analysis._rules import AnalysisRules, MetricName, MetricRule
from lockgate.rollout.analysis._verdict import MetricVerdict, ReasonCode, Status, StepVerdict


def _verdict(
    metric: MetricName,
    status: Status,
    code: ReasonCode,
    reason: str,
    *,
    evidence: Evidence,
    outcome: Outcome,
    safety: bool = False,
) -> MetricVerdict:
    # Label checks carry per-label values; metric-wide values are more telling elsewhere.
    source: Evidence | Outcome = outcome if evidence.baseline_value is None else evidence
    return MetricVerdict(
        metric=metric,
        status=status,
        code=code,
        reason=reason,
        check=outcome.check,
        statistic=outcome.safe_statistic if safety else outcome.statistic,
        threshold=outcome.safe_threshold if safety else outcome.threshold,
        p_value=outcome.safe_p_value if safety else outcome.p_value,
        baseline_value=source.baseline_value,
        candidate_value=source.candidate_value,
        samples=evidence.samples,
        baseline_samples=evidence.baseline_samples,
    )


def _judge(
    rule: MetricRule, evidence: Evidence, *, alpha_harm: float, alpha_safe: float
) -> MetricVerdict:
    metric = MetricName(rule.metric)
    checks = evidence.comparisons + evidence.limits
    each = alpha_harm / len(checks)
    outcomes = [
        check.run(alpha_harm=each, alpha_safe=alpha_safe, tune_samples=rule.tune_samples)
        for check in checks
    ]
    harmful = [outcome for outcome in outcomes if outcome.harm]
    if harmful:
        worst = max(harmful, key=lambda outcome: outcome.statistic)
        reason = (
            f"{worst.subject} is {worst.worse} {worst.allowed}: evidence"
            f" {worst.statistic:.2f} >= {worst.threshold:.2f} (always-valid p {worst.p_value:.2g}"
            f" <= alpha {each:.2g})"
        )
        code = ReasonCode.LIMIT_BREACHED if worst.is_limit else ReasonCode.HARM_DETECTED
        return _verdict(metric, Status.FAIL, code, reason, evidence=evidence, outcome=worst)
    deciding = [outcome for outcome in outcomes if outcome.is_limit != rule.compare]
    if deciding and all(outcome.safe for outcome in deciding):
        weakest = min(deciding, key=lambda outcome: outcome.safe_statistic)
        reason = (
            f"{weakest.subject} is confidently not {weakest.worse} {weakest.allowed}: evidence"
            f" {weakest.safe_statistic:.2f} >= {weakest.safe_threshold:.2f}"
        )
        code = ReasonCode.NON_INFERIOR if rule.compare else ReasonCode.WITHIN_LIMIT
        return _verdict(
            metric, Status.PASS, code, reason, evidence=evidence, outcome=weakest, safety=True
        )
    closest = min(outcomes, key=lambda outcome: outcome.harm_margin)
    summary = (
        f"{closest.subject} vs {closest.allowed}: harm evidence {closest.statistic:.2f}"
        f" of {closest.threshold:.2f}"
    )
    if rule.bake_samples is not None and evidence.samples >= rule.bake_samples:
        reason = f"baked {evidence.samples} >= {rule.bake_samples} samples without harm; {summary}"
        return _verdict(
            metric, Status.PASS, ReasonCode.BAKED, reason, evidence=evidence, outcome=closest
        )
    reason = f"not yet confident either way; {summary}"
    return _verdict(
        metric,
        Status.INCONCLUSIVE,
        ReasonCode.COLLECTING,
        reason,
        evidence=evidence,
        outcome=closest,
    )


def evaluate_metric(
    rule: MetricRule,
    baseline: ArmMeasurements,
    candidate: ArmMeasurements,
    *,
    alpha_harm: float,
    alpha_safe: float,
) -> MetricVerdict:
    """Judge one metric; never raises for bad data, returning an ``error`` verdict instead."""
    metric = MetricName(rule.metric)
    try:
        gathered = gather(rule, baseline, candidate)
        if isinstance(gathered, Evidence):
            return _judge(rule, gathered, alpha_harm=alpha_harm, alpha_safe=alpha_safe)
    except (ArithmeticError, ValueError) as exc:
        reason = f"could not evaluate {metric}: {exc}"
        return MetricVerdict(metric, Status.ERROR, ReasonCode.UNMEASURABLE, reason)
    status, code = (
        (Status.INCONCLUSIVE, ReasonCode.BELOW_MIN_SAMPLES)
        if isinstance(gathered, Shortfall)
        else (Status.ERROR, ReasonCode.UNMEASURABLE)
    )
    return MetricVerdict(
        metric,
        status,
        code,
        gathered.reason,
        samples=gathered.samples,
        baseline_samples=gathered.baseline_samples,
    )


def _combine(verdicts: Sequence[MetricVerdict]) -> tuple[Status, ReasonCode, str]:
    def listing(status: Status) -> str:
        return "; ".join(f"{v.metric}: {v.reason}" for v in verdicts if v.status is status)

    statuses = {verdict.status for verdict in verdicts}
    if Status.FAIL in statuses:
        return Status.FAIL, ReasonCode.METRIC_FAILED, listing(Status.FAIL)
    if Status.ERROR in statuses:
        return Status.ERROR, ReasonCode.METRIC_ERROR, listing(Status.ERROR)
    if statuses == {Status.PASS}:
        return Status.PASS, ReasonCode.ALL_PASSED, "every metric passed"
    return Status.INCONCLUSIVE, ReasonCode.WAITING, listing(Status.INCONCLUSIVE)


def evaluate(
    rules: AnalysisRules,
    baseline: ArmMeasurements,
    candidate: ArmMeasurements,
    *,
    elapsed: timedelta,
    deadline: timedelta,
) -> StepVerdict:
    """Judge a step from both arms' measurements cumulative since the step started."""
    alpha_harm = rules.alpha / len(rules.metrics)
    verdicts = tuple(
        evaluate_metric(rule, baseline, candidate, alpha_harm=alpha_harm, alpha_safe=rules.alpha)
        for rule in rules.metrics
    )
    status, code, reason = _combine(verdicts)
    if status in {Status.INCONCLUSIVE, Status.ERROR} and elapsed >= deadline:
        status, code = Status.FAIL, ReasonCode.DEADLINE_EXCEEDED
        reason = f"deadline {deadline} reached without a pass; {reason}"
    return StepVerdict(
        status=status,
        code=code,
        reason=reason,
        metrics=verdicts,
        elapsed_seconds=elapsed.total_seconds(),
        deadline_seconds=deadline.total_seconds(),
    )
