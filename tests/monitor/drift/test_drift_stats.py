"""Pure statistics: effect sizes, two-sample tests and Holm's adjustment."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.spatial import distance

from lockgate.monitor.drift import binned_ks, chi2_homogeneity, holm, js_distance, psi


def test_js_distance_matches_scipy() -> None:
    """JS distance equals scipy's base-2 Jensen-Shannon distance on the normalized counts."""
    rng = np.random.default_rng(1)
    a, b = rng.integers(0, 50, 12), rng.integers(0, 50, 12)
    assert js_distance(a, b) == pytest.approx(distance.jensenshannon(a, b, base=2), abs=1e-12)


def test_js_distance_bounds() -> None:
    """Identical distributions are at 0, disjoint ones at 1."""
    assert js_distance([3, 5, 0], [6, 10, 0]) == pytest.approx(0.0, abs=1e-12)
    assert js_distance([5, 0], [0, 7]) == pytest.approx(1.0)


def test_psi_is_symmetric_and_zero_on_equal_shares() -> None:
    """PSI is 0 for equal shares, positive and symmetric otherwise."""
    assert psi([10, 20, 30], [1, 2, 3]) == pytest.approx(0.0)
    assert psi([10, 20, 30], [30, 20, 10]) == pytest.approx(psi([30, 20, 10], [10, 20, 30]))
    assert psi([10, 20, 30], [30, 20, 10]) > 0.5


def test_chi2_homogeneity_matches_scipy_without_pooling() -> None:
    """With every expected count above the minimum it is scipy's chi2_contingency."""
    rng = np.random.default_rng(2)
    a, b = rng.integers(20, 200, 8), rng.integers(20, 200, 8)
    expected = stats.chi2_contingency(np.stack([a, b]), correction=False)
    got = chi2_homogeneity(a, b)
    assert got.statistic == pytest.approx(expected.statistic)
    assert got.p_value == pytest.approx(expected.pvalue)
    assert got.cells == 8


def test_chi2_homogeneity_pools_sparse_cells() -> None:
    """Cells with tiny expected counts are pooled into one before testing."""
    ref = [5000, 3000, 2000, 3, 2, 1]
    cur = [500, 300, 200, 0, 1, 0]
    got = chi2_homogeneity(ref, cur, min_expected=5.0)
    assert got.cells == 3  # the three sparse cells join the smallest kept cell
    pooled = stats.chi2_contingency(
        np.array([[5000, 3000, 2006], [500, 300, 201]]), correction=False
    )
    assert got.p_value == pytest.approx(pooled.pvalue)


def test_chi2_homogeneity_without_two_cells_is_no_test() -> None:
    """One usable cell, or an empty sample, gives p = 1 and zero cells."""
    assert chi2_homogeneity([10, 0], [3, 0]).cells == 0
    assert chi2_homogeneity([10, 4], [0, 0]).p_value == 1.0


def test_binned_ks_equals_raw_ks_for_values_on_bin_edges() -> None:
    """When every value sits on a bin edge, binning loses nothing: the statistic is scipy's."""
    rng = np.random.default_rng(3)
    x, y = rng.integers(0, 6, 400), rng.integers(0, 7, 300)
    edges = np.arange(0, 7)
    a = np.bincount(np.searchsorted(edges, x), minlength=8)
    b = np.bincount(np.searchsorted(edges, y), minlength=8)
    got = binned_ks(a, b)
    assert got.statistic == pytest.approx(stats.ks_2samp(x, y).statistic)
    assert got.p_value < 0.05


def test_holm_matches_the_step_down_definition() -> None:
    """Adjusted p-values are the running maximum of (m - rank) * p, capped at 1."""
    p = [0.01, 0.04, 0.03, 0.005, 0.5]
    assert holm(p) == pytest.approx([0.04, 0.09, 0.09, 0.025, 0.5])


def test_holm_never_below_the_raw_p_value() -> None:
    """Adjustment can only raise p-values, and keeps their order."""
    rng = np.random.default_rng(4)
    p = rng.random(30).tolist()
    adj = holm(p)
    assert all(q >= r for q, r in zip(adj, p, strict=True))
    order = np.argsort(p)
    assert np.all(np.diff(np.asarray(adj)[order]) >= 0)
