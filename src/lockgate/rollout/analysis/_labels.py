"""Checks for the output label mix (for example the predicted intent of each answer).

With zero tolerance the whole mix is tested at once with a sequential chi-squared test of
homogeneity. With a tolerance each label's share gets two one-sided contrasts, one for rising
above ``(1 + r) * share_b + a`` and one for falling below ``(1 - r) * share_b - a``.
"""

from collections.abc import Mapping

from lockgate.rollout.analysis._checks import Check, Evidence
from lockgate.rollout.analysis._hypotheses import MixHomogeneity, RateComparison
from lockgate.rollout.analysis._rules import OutputDistributionRule


def _pct(rate: float) -> str:
    return f"{100.0 * rate:.2f} %"


def pearson_chi2(baseline: Mapping[str, int], candidate: Mapping[str, int]) -> tuple[float, int]:
    """Pearson's chi-squared statistic of homogeneity for two label counts, and its dof."""
    n_b, n_c = sum(baseline.values()), sum(candidate.values())
    total = n_b + n_c
    labels = sorted(label for label in set(baseline) | set(candidate))
    chi2 = 0.0
    for label in labels:
        column = baseline.get(label, 0) + candidate.get(label, 0)
        for observed, row in ((baseline.get(label, 0), n_b), (candidate.get(label, 0), n_c)):
            expected = row * column / total
            chi2 += (observed - expected) ** 2 / expected
    return chi2, max(len(labels) - 1, 0)


def label_evidence(
    rule: OutputDistributionRule, baseline: Mapping[str, int], candidate: Mapping[str, int]
) -> Evidence:
    """Evidence for a label-mix rule; both arms must already have ``min_samples`` labels."""
    n_b, n_c = sum(baseline.values()), sum(candidate.values())
    labels = sorted(set(baseline) | set(candidate))
    shares = {
        label: (baseline.get(label, 0) / n_b, candidate.get(label, 0) / n_c) for label in labels
    }
    distance = 0.5 * sum(abs(share_c - share_b) for share_b, share_c in shares.values())
    r, a = rule.relative_tolerance, rule.absolute_tolerance
    if r == 0.0 and a == 0.0:
        chi2, dof = pearson_chi2(baseline, candidate)
        moved = max(labels, key=lambda label: abs(shares[label][1] - shares[label][0]))
        share_b, share_c = shares[moved]
        check = Check(
            name="mix",
            subject=f"candidate label mix (total variation {distance:.3f}; largest shift"
            f" {moved!r} {_pct(share_b)} -> {_pct(share_c)})",
            allowed="the baseline mix",
            worse="different from",
            is_limit=False,
            hypothesis=MixHomogeneity(chi2, dof, info=n_b * n_c / (n_b + n_c)),
            baseline_value=None,
            candidate_value=distance,
        )
        return Evidence(n_c, n_b, None, distance, (check,), ())
    checks: list[Check] = []
    for label in labels:
        hits_b, hits_c = baseline.get(label, 0), candidate.get(label, 0)
        share_b, share_c = shares[label]
        subject = f"candidate share of {label!r} {_pct(share_c)}"
        checks.append(
            Check(
                name=f"label:{label}:up",
                subject=subject,
                allowed=f"{_pct((1.0 + r) * share_b + a)} (baseline {_pct(share_b)})",
                worse="above",
                is_limit=False,
                hypothesis=RateComparison(hits_c, n_c, hits_b, n_b, scale=1.0 + r, offset=a),
                baseline_value=share_b,
                candidate_value=share_c,
            )
        )
        checks.append(
            Check(
                name=f"label:{label}:down",
                subject=subject,
                allowed=f"{_pct((1.0 - r) * share_b - a)} (baseline {_pct(share_b)})",
                worse="below",
                is_limit=False,
                hypothesis=RateComparison(
                    n_c - hits_c, n_c, n_b - hits_b, n_b, scale=1.0 - r, offset=r + a
                ),
                baseline_value=share_b,
                candidate_value=share_c,
            )
        )
    return Evidence(n_c, n_b, None, distance, tuple(checks), ())
