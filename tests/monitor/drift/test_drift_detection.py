"""Clear shifts are detected per column kind; trivial shifts in huge windows are not alarms."""

from __future__ import annotations

import numpy as np
import pytest
from drift_synth import category_labels, make_topics, messages, shifted_shares, zipf_shares

from lockgate.monitor.drift import (
    CategoricalProfile,
    ColumnProfile,
    ColumnSpec,
    ColumnStatus,
    DriftConfig,
    DriftMonitor,
    NumericProfile,
    TextProfile,
    build_reference_from_columns,
    evaluate_window,
)

LAUNCH = ("novaphone", "preorder", "keynote", "aurora")


def _categorical(labels: list[str], counts: np.ndarray) -> CategoricalProfile:
    return CategoricalProfile(len(labels), labels, counts.tolist(), frozen=True)


def _numeric(counts: np.ndarray) -> NumericProfile:
    return NumericProfile(tuple(float(e) for e in range(1, counts.size)), counts.tolist())


def _tabular_family() -> DriftConfig:
    specs = [ColumnSpec(name=f"n{i}", kind="numeric") for i in range(10)]
    specs += [ColumnSpec(name=f"c{i}", kind="categorical") for i in range(3)]
    return DriftConfig(columns=tuple(specs))


@pytest.mark.parametrize("index", [0, 3, 30])
def test_two_point_category_shift_detected_at_100k_rows(index: int) -> None:
    """Moving 2 points of share onto one of 50 categories alarms in >= 95% of 100k windows.

    The family is 13 columns (10 numeric, 3 categorical), so Holm's correction is in force.
    """
    rng = np.random.default_rng(20 + index)
    config = _tabular_family()
    labels = category_labels(50)
    p = zipf_shares(50)
    q = shifted_shares(p, index, 0.02)
    deciles = np.full(10, 0.1)
    reference: dict[str, ColumnProfile] = {
        f"n{i}": _numeric(rng.multinomial(100_000, deciles)) for i in range(10)
    }
    reference |= {f"c{i}": _categorical(labels, rng.multinomial(100_000, p)) for i in range(3)}
    windows, hits, others = 40, 0, 0
    for _ in range(windows):
        window: dict[str, ColumnProfile] = {
            f"n{i}": _numeric(rng.multinomial(100_000, deciles)) for i in range(10)
        }
        window |= {f"c{i}": _categorical(labels, rng.multinomial(100_000, p)) for i in range(3)}
        window["c0"] = _categorical(labels, rng.multinomial(100_000, q))
        report = evaluate_window(reference, window, config)
        hits += report.column("c0").drifted
        others += len(report.drifted_columns) - report.column("c0").drifted
    assert hits >= 0.95 * windows
    assert others <= 2


def test_effect_threshold_silences_trivial_shifts_in_huge_windows() -> None:
    """At a million rows a half-point shift is significant but below min_js: no alarm."""
    rng = np.random.default_rng(21)
    config = DriftConfig(columns=(ColumnSpec(name="c", kind="categorical"),))
    labels = category_labels(20)
    p = zipf_shares(20)
    ref = {"c": _categorical(labels, rng.multinomial(1_000_000, p))}
    cur = {"c": _categorical(labels, rng.multinomial(1_000_000, shifted_shares(p, 0, 0.005)))}
    column = evaluate_window(ref, cur, config).column("c")
    assert column.p_adjusted <= config.alpha
    assert column.status is ColumnStatus.SMALL_EFFECT
    assert not column.drifted


def test_numeric_mean_shift_detected() -> None:
    """A quarter-SD mean shift in 5,000-row windows alarms every time, by KS and by chi-squared."""
    rng = np.random.default_rng(22)
    config = DriftConfig(
        columns=(
            ColumnSpec(name="ks", kind="numeric"),
            ColumnSpec(name="chi2", kind="numeric", test="chi2"),
        )
    )
    ref = {name: rng.normal(0, 1, 50_000) for name in ("ks", "chi2")}
    monitor = DriftMonitor(build_reference_from_columns(ref, config), config)
    for _ in range(10):
        monitor.observe_columns({name: rng.normal(0.25, 1, 5_000) for name in ("ks", "chi2")})
        report = monitor.close_window()
        assert report.drifted_columns == ("ks", "chi2")
        assert all(c.effect >= config.min_psi for c in report.columns)


def test_numeric_chi2_catches_a_jump_in_missing_values() -> None:
    """With test=chi2 the missing-value cell is tested, so a broken feature pipeline alarms."""
    rng = np.random.default_rng(23)
    config = DriftConfig(columns=(ColumnSpec(name="x", kind="numeric", test="chi2"),))
    ref = rng.normal(size=20_000)
    ref[rng.random(20_000) < 0.01] = np.nan
    cur = rng.normal(size=2_000)
    cur[rng.random(2_000) < 0.2] = np.nan
    monitor = DriftMonitor(build_reference_from_columns({"x": ref}, config), config)
    monitor.observe_columns({"x": cur})
    assert monitor.close_window().drifted


def test_new_product_launch_vocabulary_is_caught() -> None:
    """When 10% of messages talk about a launch with new words, the text column alarms."""
    rng = np.random.default_rng(24)
    topics = make_topics()
    config = DriftConfig(columns=(ColumnSpec(name="prompt", kind="text", buckets=256),))
    ref = TextProfile(256)
    ref.update_many(messages(rng, topics, 5_000))
    before = after = 0
    for _ in range(10):
        calm, launch = ref.empty_like(), ref.empty_like()
        calm.update_many(messages(rng, topics, 500))
        launch.update_many(messages(rng, topics, 500, new_words=LAUNCH, new_share=0.1))
        before += evaluate_window({"prompt": ref}, {"prompt": calm}, config).drifted
        after += evaluate_window({"prompt": ref}, {"prompt": launch}, config).drifted
    assert after >= 9
    assert before <= 1
