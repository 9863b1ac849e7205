"""Turn a rule and two arms' measurements into the checks that judge the metric.

Rates (errors, fallbacks, feedback, shadow agreement) become rate comparisons; latency p95 becomes
the share of requests slower than a threshold; tokens become a difference of means; the label mix
is handled in ``_labels``.
"""

from lockgate.rollout.analysis._checks import Check, Evidence, Gathered, Shortfall, Unmeasurable
from lockgate.rollout.analysis._histogram import edge_at_or_above, edge_ms, nearest_edge
from lockgate.rollout.analysis._hypotheses import (
    MeanComparison,
    MeanLimit,
    Moments,
    RateComparison,
    RateLimit,
)
from lockgate.rollout.analysis._labels import label_evidence
from lockgate.rollout.analysis._measurements import ArmMeasurements
from lockgate.rollout.analysis._rules import (
    ErrorRateRule,
    FallbackRateRule,
    FeedbackQualityRule,
    LatencyP95Rule,
    MetricRule,
    OutputDistributionRule,
    ShadowAgreementRule,
    TokensPerRequestRule,
)

P95 = 0.95
TOKEN_MIN_VARIANCE = 0.25

RateRule = ErrorRateRule | FallbackRateRule | FeedbackQualityRule | ShadowAgreementRule


def shortfall(rule: MetricRule, samples: int, baseline_samples: int) -> Shortfall | None:
    """A ``Shortfall`` when either arm the rule needs is below ``min_samples``."""
    if samples < rule.min_samples:
        reason = f"candidate has {samples} samples, fewer than min_samples {rule.min_samples}"
        return Shortfall(samples, baseline_samples, reason)
    if rule.compare and baseline_samples < rule.min_samples:
        reason = (
            f"baseline has {baseline_samples} samples, fewer than min_samples {rule.min_samples}"
        )
        return Shortfall(samples, baseline_samples, reason)
    return None


def _pct(rate: float) -> str:
    return f"{100.0 * rate:.2f} %"


def _bad_events(
    rule: RateRule, baseline: ArmMeasurements, candidate: ArmMeasurements
) -> tuple[int, int, int, int]:
    """``(bad_c, n_c, bad_b, n_b)``: each rate as a count of bad events among its trials."""
    match rule:
        case ErrorRateRule():
            return candidate.errors, candidate.requests, baseline.errors, baseline.requests
        case FallbackRateRule():
            return candidate.fallbacks, candidate.requests, baseline.fallbacks, baseline.requests
        case FeedbackQualityRule():
            return (
                candidate.feedback_incorrect,
                candidate.feedback_total,
                baseline.feedback_incorrect,
                baseline.feedback_total,
            )
        case ShadowAgreementRule():
            return (
                candidate.shadow_disagree,
                candidate.shadow_total,
                baseline.shadow_disagree,
                baseline.shadow_total,
            )


def _rate_evidence(
    rule: RateRule, baseline: ArmMeasurements, candidate: ArmMeasurements
) -> Gathered:
    """Rates as shares of bad events, so that "higher is worse" holds for every rate."""
    bad_c, n_c, bad_b, n_b = _bad_events(rule, baseline, candidate)
    if (missing := shortfall(rule, n_c, n_b)) is not None:
        return missing
    higher_is_worse = isinstance(rule, ErrorRateRule | FallbackRateRule)
    r, a = rule.relative_tolerance, rule.absolute_tolerance
    # A floor on a good rate p is a ceiling on the bad rate q = 1 - p:
    # "p >= (1 - r) p_b - a" is "q <= (1 - r) q_b + r + a".
    scale, offset = (1.0 + r, a) if higher_is_worse else (1.0 - r, r + a)

    def natural(bad: int, trials: int) -> float:
        return bad / trials if higher_is_worse else 1.0 - bad / trials

    value_c = natural(bad_c, n_c)
    value_b = natural(bad_b, n_b) if n_b else None
    subject = f"candidate {rule.metric.replace('_', ' ')} {_pct(value_c)}"
    worse = "above" if higher_is_worse else "below"
    comparisons: tuple[Check, ...] = ()
    if rule.compare:
        bound = scale * bad_b / n_b + offset
        allowed = bound if higher_is_worse else 1.0 - bound
        factor, sign = (1.0 + r, "+") if higher_is_worse else (1.0 - r, "-")
        extra = (f" x {factor:g}" if r else "") + (f" {sign} {100 * a:g} pp" if a else "")
        tolerance = f"{extra} = {_pct(allowed)}" if extra else ""
        comparisons = (
            Check(
                name="vs_baseline",
                subject=subject,
                allowed=f"baseline {_pct(value_b or 0.0)}{tolerance}",
                worse=worse,
                is_limit=False,
                hypothesis=RateComparison(bad_c, n_c, bad_b, n_b, scale=scale, offset=offset),
                baseline_value=value_b,
                candidate_value=value_c,
            ),
        )
    limits: tuple[Check, ...] = ()
    if (limit := rule.limit()) is not None:
        kind = "ceiling" if higher_is_worse else "floor"
        limits = (
            Check(
                name=kind,
                subject=subject,
                allowed=f"the {kind} {_pct(limit)}",
                worse=worse,
                is_limit=True,
                hypothesis=RateLimit(bad_c, n_c, limit if higher_is_worse else 1.0 - limit),
                baseline_value=value_b,
                candidate_value=value_c,
            ),
        )
    return Evidence(n_c, n_b, value_b, value_c, comparisons, limits)


def _latency_evidence(
    rule: LatencyP95Rule, baseline: ArmMeasurements, candidate: ArmMeasurements
) -> Gathered:
    """p95 as a share of slow requests.

    The threshold ``t`` is the p95 of both arms pooled, so that choosing it favours neither arm.
    The candidate may be slower than ``t * (1 + r) + a`` no more often than the baseline is
    slower than ``t``: if the candidate were the baseline slowed down by that much, both shares
    would be equal.
    """
    hist_c, hist_b = candidate.latency, baseline.latency
    n_c, n_b = hist_c.total, hist_b.total
    if (missing := shortfall(rule, n_c, n_b)) is not None:
        return missing
    p95_c, p95_b = hist_c.quantile(P95), hist_b.quantile(P95)
    subject_p95 = f"candidate p95 {p95_c or 0.0:.0f} ms"
    comparisons: tuple[Check, ...] = ()
    if rule.compare:
        edge = hist_b.merge(hist_c).quantile_edge(P95)
        if edge is None:
            return Unmeasurable(n_c, n_b, "the p95 is beyond the histogram's last bucket")
        threshold = edge_ms(edge)
        r, a = rule.relative_tolerance, rule.absolute_tolerance
        edge_c = nearest_edge(threshold * (1.0 + r) + a)
        slow_c, slow_b = hist_c.count_above(edge_c), hist_b.count_above(edge)
        comparisons = (
            Check(
                name="vs_baseline",
                subject=f"{subject_p95}; share slower than {edge_ms(edge_c):.0f} ms"
                f" {_pct(slow_c / n_c)}",
                allowed=f"baseline p95 {p95_b or 0.0:.0f} ms x {1.0 + r:g}"
                f"{f' + {a:g} ms' if a else ''}; baseline share slower than {threshold:.0f} ms"
                f" {_pct(slow_b / n_b)}",
                worse="above",
                is_limit=False,
                hypothesis=RateComparison(slow_c, n_c, slow_b, n_b, scale=1.0, offset=0.0),
                baseline_value=p95_b,
                candidate_value=p95_c,
            ),
        )
    limits: tuple[Check, ...] = ()
    if rule.ceiling_ms is not None:
        edge = edge_at_or_above(rule.ceiling_ms)
        slow = hist_c.count_above(edge)
        limits = (
            Check(
                name="ceiling",
                subject=f"{subject_p95}; share slower than {edge_ms(edge):.0f} ms"
                f" {_pct(slow / n_c)}",
                allowed=f"the ceiling {rule.ceiling_ms:g} ms (at most 5 % slower)",
                worse="above",
                is_limit=True,
                hypothesis=RateLimit(slow, n_c, 1.0 - P95),
                baseline_value=p95_b,
                candidate_value=p95_c,
            ),
        )
    return Evidence(n_c, n_b, p95_b, p95_c, comparisons, limits)


def _token_evidence(
    rule: TokensPerRequestRule, baseline: ArmMeasurements, candidate: ArmMeasurements
) -> Gathered:
    """Mean tokens per request compared with a Welch-type standard error."""
    stats_c, stats_b = candidate.tokens, baseline.tokens
    if (missing := shortfall(rule, stats_c.count, stats_b.count)) is not None:
        return missing
    moments_c = Moments(stats_c.mean or 0.0, stats_c.variance or 0.0, stats_c.count)
    subject = f"candidate mean {moments_c.mean:.1f} tokens per request"
    mean_b = stats_b.mean
    comparisons: tuple[Check, ...] = ()
    if rule.compare and mean_b is not None:
        r, a = rule.relative_tolerance, rule.absolute_tolerance
        moments_b = Moments(mean_b, stats_b.variance or 0.0, stats_b.count)
        comparisons = (
            Check(
                name="vs_baseline",
                subject=subject,
                allowed=f"baseline {mean_b:.1f} x {1.0 + r:g}{f' + {a:g}' if a else ''}"
                f" = {(1.0 + r) * mean_b + a:.1f}",
                worse="above",
                is_limit=False,
                hypothesis=MeanComparison(
                    moments_c, moments_b, scale=1.0 + r, offset=a, min_variance=TOKEN_MIN_VARIANCE
                ),
                baseline_value=mean_b,
                candidate_value=moments_c.mean,
            ),
        )
    limits: tuple[Check, ...] = ()
    if rule.ceiling is not None:
        limits = (
            Check(
                name="ceiling",
                subject=subject,
                allowed=f"the ceiling {rule.ceiling:g}",
                worse="above",
                is_limit=True,
                hypothesis=MeanLimit(moments_c, rule.ceiling, min_variance=TOKEN_MIN_VARIANCE),
                baseline_value=mean_b,
                candidate_value=moments_c.mean,
            ),
        )
    return Evidence(stats_c.count, stats_b.count, mean_b, moments_c.mean, comparisons, limits)


def gather(rule: MetricRule, baseline: ArmMeasurements, candidate: ArmMeasurements) -> Gathered:
    """The evidence for ``rule``, or why there is none yet."""
    match rule:
        case LatencyP95Rule():
            return _latency_evidence(rule, baseline, candidate)
        case TokensPerRequestRule():
            return _token_evidence(rule, baseline, candidate)
        case OutputDistributionRule():
            labels_c, labels_b = candidate.labels, baseline.labels
            if (missing := shortfall(rule, labels_c.total, labels_b.total)) is not None:
                return missing
            return label_evidence(rule, labels_b.as_dict(), labels_c.as_dict())
        case _:
            return _rate_evidence(rule, baseline, candidate)
