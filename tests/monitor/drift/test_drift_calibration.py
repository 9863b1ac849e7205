"""False alarm rates on unshifted data stay near (or below) the nominal level."""

from __future__ import annotations

import numpy as np
from drift_synth import category_labels, make_topics, messages, zipf_shares
from scipy import stats

from lockgate.monitor.drift import (
    ColumnSpec,
    DriftConfig,
    DriftMonitor,
    NumericProfile,
    TextProfile,
    binned_ks,
    build_reference_from_columns,
    chi2_homogeneity,
    presence_test,
    quantile_edges,
)

ALPHA = 0.05


def _rate(hits: int, n: int) -> float:
    return hits / n


def test_numeric_tests_hold_their_level() -> None:
    """Binned KS stays at or below alpha (conservative); chi-squared on bins sits near alpha."""
    rng = np.random.default_rng(10)
    reference = rng.lognormal(3.0, 0.8, 20_000)
    ref = NumericProfile(quantile_edges(reference, 10))
    ref.update_many(reference)
    ks = chi2 = 0
    windows = 600
    for _ in range(windows):
        cur = ref.empty_like()
        cur.update_many(rng.lognormal(3.0, 0.8, 200))
        ks += binned_ks(ref.counts, cur.counts).p_value <= ALPHA
        chi2 += chi2_homogeneity(ref.counts, cur.counts).p_value <= ALPHA
    assert _rate(ks, windows) <= ALPHA + 0.02
    assert 0.025 <= _rate(chi2, windows) <= 0.075


def test_categorical_two_sample_test_holds_its_level_on_sparse_skewed_data() -> None:
    """The pooled 2 x k test stays near alpha with 50 skewed categories and small windows."""
    rng = np.random.default_rng(11)
    p = zipf_shares(50)
    for n_ref, n_cur in ((50_000, 200), (2_000, 2_000), (1_000, 60)):
        hits = sum(
            chi2_homogeneity(rng.multinomial(n_ref, p), rng.multinomial(n_cur, p)).p_value <= ALPHA
            for _ in range(800)
        )
        assert 0.025 <= _rate(hits, 800) <= 0.075, (n_ref, n_cur, hits)


def test_treating_reference_shares_as_exact_raises_false_alarms() -> None:
    """A goodness-of-fit test against reference shares alarms far too often; ours does not."""
    rng = np.random.default_rng(12)
    p = np.array([0.4, 0.25, 0.15, 0.12, 0.08])
    windows = 800
    refs, curs = rng.multinomial(2_000, p, windows), rng.multinomial(2_000, p, windows)
    ours = sum(chi2_homogeneity(r, c).p_value <= ALPHA for r, c in zip(refs, curs, strict=True))
    expected = refs / refs.sum(axis=1, keepdims=True) * curs.sum(axis=1, keepdims=True)
    gof = ((curs - expected) ** 2 / expected).sum(axis=1)
    naive = int(np.sum(stats.chi2.sf(gof, p.size - 1) <= ALPHA))
    assert _rate(ours, windows) <= ALPHA + 0.02
    assert _rate(naive, windows) > 0.2


def test_text_test_holds_its_level_although_tokens_are_correlated() -> None:
    """Message-level presence tests stay below alpha; a token-level chi-squared does not."""
    rng = np.random.default_rng(13)
    topics = make_topics()
    ref = TextProfile(256)
    ref.update_many(messages(rng, topics, 3_000))
    ours = naive = 0
    windows = 250
    for _ in range(windows):
        cur = ref.empty_like()
        cur.update_many(messages(rng, topics, 100))
        ours += (
            presence_test(ref.presence, ref.messages, cur.presence, cur.messages).p_value <= ALPHA
        )
        naive += chi2_homogeneity(ref.tokens, cur.tokens).p_value <= ALPHA
    assert _rate(ours, windows) <= ALPHA + 0.02
    assert _rate(naive, windows) > 0.3


def test_monitor_family_wise_false_alarm_rate_over_many_columns() -> None:
    """With 10 columns of three kinds, windows with any alarm stay near alpha (Holm)."""
    rng = np.random.default_rng(14)
    topics = make_topics()
    labels = np.asarray(category_labels(40), dtype=object)
    p = zipf_shares(40)

    def batch(n: int) -> dict[str, object]:
        cols: dict[str, object] = {f"n{i}": rng.gamma(1.0 + i, 1.0, n) for i in range(6)}
        cols |= {f"c{i}": labels[rng.choice(40, n, p=p)].tolist() for i in range(3)}
        cols["t"] = messages(rng, topics, n)
        return cols

    specs = [ColumnSpec(name=f"n{i}", kind="numeric") for i in range(6)]
    specs += [ColumnSpec(name=f"c{i}", kind="categorical") for i in range(3)]
    specs.append(ColumnSpec(name="t", kind="text", buckets=256))
    config = DriftConfig(columns=tuple(specs), alpha=ALPHA, min_psi=0.0, min_js=0.0)
    monitor = DriftMonitor(build_reference_from_columns(batch(3_000), config), config)  # type: ignore[arg-type]
    windows = 120
    alarms = 0
    for _ in range(windows):
        monitor.observe_columns(batch(120))  # type: ignore[arg-type]
        alarms += monitor.close_window().drifted
    assert _rate(alarms, windows) <= ALPHA + 0.03
