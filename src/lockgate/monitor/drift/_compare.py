"""Compare a window's profiles with the reference: one test per column, Holm over columns.

Pure: profiles in, :class:`WindowReport` out. A column alarms only when its Holm-adjusted p-value
is at most ``alpha`` *and* its effect size reaches the configured minimum, so the family-wise false
alarm rate per window stays at or below ``alpha`` and huge windows do not alarm on trivial shifts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lockgate.monitor.drift._categorical import CategoricalProfile
from lockgate.monitor.drift._config import ColumnSpec, DriftConfig, NumericTest
from lockgate.monitor.drift._numeric import NumericProfile
from lockgate.monitor.drift._report import ColumnDrift, ColumnStatus, WindowReport
from lockgate.monitor.drift._stats import (
    NO_TEST,
    TestOutcome,
    binned_ks,
    chi2_homogeneity,
    holm,
    js_distance,
    presence_test,
    psi,
)
from lockgate.monitor.drift._text import TextProfile

Profile = NumericProfile | CategoricalProfile | TextProfile


@dataclass(frozen=True, slots=True)
class ColumnEvidence:
    """A column's test before the multiple-testing adjustment."""

    test: str
    outcome: TestOutcome
    effect_name: str
    effect: float
    n_reference: int
    n_current: int


def compare_numeric(
    ref: NumericProfile, cur: NumericProfile, spec: ColumnSpec, config: DriftConfig
) -> ColumnEvidence:
    """Binned KS (or chi-squared over bins and missing) plus PSI."""
    ref_cells = [*ref.counts, ref.missing]
    cur_cells = [*cur.counts, cur.missing]
    effect = psi(ref_cells, cur_cells)
    if spec.test is NumericTest.KS:
        n_ref, n_cur = ref.total, cur.total
        outcome = (
            binned_ks(ref.counts, cur.counts) if min(n_ref, n_cur) >= config.min_rows else NO_TEST
        )
        return ColumnEvidence("ks_binned", outcome, "psi", effect, n_ref, n_cur)
    n_ref, n_cur = ref.total + ref.missing, cur.total + cur.missing
    outcome = (
        chi2_homogeneity(ref_cells, cur_cells, config.min_expected)
        if min(n_ref, n_cur) >= config.min_rows
        else NO_TEST
    )
    return ColumnEvidence("chi2_bins", outcome, "psi", effect, n_ref, n_cur)


def compare_categorical(
    ref: CategoricalProfile, cur: CategoricalProfile, config: DriftConfig
) -> ColumnEvidence:
    """Chi-squared test of homogeneity over categories (sparse ones pooled) plus JS distance."""
    names = list(dict.fromkeys([*ref.categories, *cur.categories]))
    ref_cells = [ref.count_of(n) for n in names] + [ref.other]
    cur_cells = [cur.count_of(n) for n in names] + [cur.other]
    n_ref, n_cur = ref.total, cur.total
    outcome = (
        chi2_homogeneity(ref_cells, cur_cells, config.min_expected)
        if min(n_ref, n_cur) >= config.min_rows
        else NO_TEST
    )
    return ColumnEvidence(
        "chi2_homogeneity", outcome, "js_distance", js_distance(ref_cells, cur_cells), n_ref, n_cur
    )


def compare_text(ref: TextProfile, cur: TextProfile, config: DriftConfig) -> ColumnEvidence:
    """Exact per-bucket message-presence tests (Bonferroni) plus JS distance of token buckets."""
    n_ref, n_cur = ref.messages, cur.messages
    outcome = (
        presence_test(ref.presence, n_ref, cur.presence, n_cur)
        if min(n_ref, n_cur) >= config.min_rows
        else NO_TEST
    )
    effect = js_distance(ref.tokens, cur.tokens)
    return ColumnEvidence("message_presence_exact", outcome, "js_distance", effect, n_ref, n_cur)


def compare_column(
    ref: Profile, cur: Profile, spec: ColumnSpec, config: DriftConfig
) -> ColumnEvidence:
    """Dispatch on the profile type; both profiles must be of the same kind."""
    if isinstance(ref, NumericProfile) and isinstance(cur, NumericProfile):
        return compare_numeric(ref, cur, spec, config)
    if isinstance(ref, CategoricalProfile) and isinstance(cur, CategoricalProfile):
        return compare_categorical(ref, cur, config)
    if isinstance(ref, TextProfile) and isinstance(cur, TextProfile):
        return compare_text(ref, cur, config)
    raise TypeError(
        f"column {spec.name!r}: cannot compare {type(ref).__name__} with {type(cur).__name__}"
    )


def _verdict(
    spec: ColumnSpec, ev: ColumnEvidence, p_adj: float, config: DriftConfig
) -> ColumnDrift:
    threshold = config.min_effect_for(spec)
    if ev.outcome.cells == 0:
        status = ColumnStatus.INSUFFICIENT_DATA
        reason = (
            f"not tested: {ev.n_current} window / {ev.n_reference} reference values "
            f"(need {config.min_rows} and two usable cells)"
        )
    elif p_adj > config.alpha:
        status = ColumnStatus.STABLE
        reason = f"p_adjusted {p_adj:.3g} > alpha {config.alpha:g}"
    elif ev.effect < threshold:
        status = ColumnStatus.SMALL_EFFECT
        reason = (
            f"significant (p_adjusted {p_adj:.3g}) but {ev.effect_name} {ev.effect:.4g} "
            f"< {threshold:g}"
        )
    else:
        status = ColumnStatus.DRIFTED
        reason = (
            f"p_adjusted {p_adj:.3g} <= alpha {config.alpha:g} and {ev.effect_name} "
            f"{ev.effect:.4g} >= {threshold:g}"
        )
    return ColumnDrift(
        column=spec.name,
        kind=spec.kind,
        test=ev.test,
        statistic=ev.outcome.statistic,
        p_value=ev.outcome.p_value,
        p_adjusted=p_adj,
        alpha=config.alpha,
        effect_name=ev.effect_name,
        effect=ev.effect,
        threshold=threshold,
        n_reference=ev.n_reference,
        n_current=ev.n_current,
        drifted=status is ColumnStatus.DRIFTED,
        status=status,
        reason=reason,
    )


def evaluate_window(
    reference: Mapping[str, Profile],
    window: Mapping[str, Profile],
    config: DriftConfig,
    *,
    index: int = 0,
    records: int = 0,
) -> WindowReport:
    """Test every configured column and apply Holm's adjustment across them."""
    evidence = [
        compare_column(reference[spec.name], window[spec.name], spec, config)
        for spec in config.columns
    ]
    adjusted = holm([ev.outcome.p_value for ev in evidence])
    columns = tuple(
        _verdict(spec, ev, p_adj, config)
        for spec, ev, p_adj in zip(config.columns, evidence, adjusted, strict=True)
    )
    return WindowReport(
        window=index,
        records=records,
        alpha=config.alpha,
        drifted=any(c.drifted for c in columns),
        columns=columns,
    )
