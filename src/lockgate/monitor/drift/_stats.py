"""Pure statistics on binned counts: two-sample tests, effect sizes, Holm's adjustment.

Every test compares two *samples* (reference and window); neither side's proportions are taken as
exact. Counts are 1-D sequences over the same cells.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

Counts = Sequence[int] | npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class TestOutcome:
    """A test statistic, its p-value and how many cells or buckets it used."""

    statistic: float
    p_value: float
    cells: int


NO_TEST = TestOutcome(statistic=0.0, p_value=1.0, cells=0)


def _pair(ref: Counts, cur: Counts) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    a = np.asarray(ref, dtype=np.float64)
    b = np.asarray(cur, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"count vectors differ in length: {a.shape} vs {b.shape}")
    return a, b


def psi(ref: Counts, cur: Counts, floor: float = 1e-4) -> float:
    """Population stability index, proportions floored at ``floor`` so empty bins stay finite."""
    a, b = _pair(ref, cur)
    if a.sum() == 0 or b.sum() == 0:
        return 0.0
    p = np.maximum(a / a.sum(), floor)
    q = np.maximum(b / b.sum(), floor)
    return float(np.sum((q - p) * np.log(q / p)))


def js_distance(ref: Counts, cur: Counts) -> float:
    """Jensen-Shannon distance (base 2, in [0, 1]) between the two count distributions."""
    a, b = _pair(ref, cur)
    if a.sum() == 0 or b.sum() == 0:
        return 0.0
    p = a / a.sum()
    q = b / b.sum()
    m = 0.5 * (p + q)
    with np.errstate(divide="ignore", invalid="ignore"):
        kp = np.where(p > 0, p * np.log2(p / m), 0.0)
        kq = np.where(q > 0, q * np.log2(q / m), 0.0)
    div = 0.5 * float(kp.sum() + kq.sum())
    return math.sqrt(min(max(div, 0.0), 1.0))


def chi2_homogeneity(ref: Counts, cur: Counts, min_expected: float = 5.0) -> TestOutcome:
    """Pearson's chi-squared test that two samples share one distribution over the cells.

    A 2 x k contingency test: expected counts come from the pooled margins. Cells whose smaller
    expected count is below ``min_expected`` are pooled into one cell; if that cell is still too
    small it joins the smallest kept cell. Fewer than two cells left means no test.
    """
    a, b = _pair(ref, cur)
    n1, n2 = a.sum(), b.sum()
    if n1 == 0 or n2 == 0:
        return NO_TEST
    col = a + b
    smaller = col * min(n1, n2) / (n1 + n2)
    keep = smaller >= min_expected
    pa, pb = a[~keep].sum(), b[~keep].sum()
    a, b = a[keep], b[keep]
    if pa + pb > 0:
        if (pa + pb) * min(n1, n2) / (n1 + n2) >= min_expected or a.size == 0:
            a, b = np.append(a, pa), np.append(b, pb)
        else:
            j = int(np.argmin(a + b))
            a[j] += pa
            b[j] += pb
    k = a.size
    if k < 2:
        return NO_TEST
    col = a + b
    total = n1 + n2
    e1, e2 = col * (n1 / total), col * (n2 / total)
    stat = float(np.sum((a - e1) ** 2 / e1) + np.sum((b - e2) ** 2 / e2))
    return TestOutcome(stat, float(stats.chi2.sf(stat, k - 1)), k)


def binned_ks(ref: Counts, cur: Counts) -> TestOutcome:
    """Two-sample Kolmogorov-Smirnov test on ordered bins.

    The statistic is the largest gap between the two empirical CDFs at the bin edges. It can only
    be smaller than the gap over all points, so the continuous-data p-value is conservative: the
    false alarm rate stays at or below the nominal level.
    """
    a, b = _pair(ref, cur)
    n1, n2 = a.sum(), b.sum()
    if n1 == 0 or n2 == 0:
        return NO_TEST
    d = float(np.max(np.abs(np.cumsum(a) / n1 - np.cumsum(b) / n2)))
    en = n1 * n2 / (n1 + n2)
    if en <= 1000:
        p = float(stats.kstwo.sf(d, max(round(en), 1)))
    else:  # the limiting law: as accurate there, slightly larger, and far cheaper to evaluate
        p = float(stats.kstwobign.sf(d * math.sqrt(en)))
    return TestOutcome(d, min(max(p, 0.0), 1.0), a.size)


def presence_test(
    ref_presence: Counts,
    ref_messages: int,
    cur_presence: Counts,
    cur_messages: int,
    screen: int = 16,
) -> TestOutcome:
    """Exact per-bucket test of message presence rates, Bonferroni-combined over buckets.

    For each bucket the 2 x 2 table (messages with / without a token in it, reference / window) is
    tested exactly, conditioning on its margins (hypergeometric, two-sided as twice the smaller
    tail). Messages are the sampling units, so tokens repeated or correlated inside a message do
    not inflate the evidence. The combined p-value is the smallest one times the number of buckets
    seen, valid whatever the dependence between buckets. Exact p-values are computed only for the
    ``screen`` buckets with the largest z-scores: a minimum over fewer buckets can only be larger,
    so the result stays valid. The statistic is the largest absolute change in presence rate.
    """
    a, b = _pair(ref_presence, cur_presence)
    if ref_messages == 0 or cur_messages == 0:
        return NO_TEST
    seen = (a + b) > 0
    a, b = a[seen], b[seen]
    m = int(a.size)
    if m == 0:
        return NO_TEST
    rate_a, rate_b = a / ref_messages, b / cur_messages
    pooled = (a + b) / (ref_messages + cur_messages)
    var = pooled * (1.0 - pooled) * (1.0 / ref_messages + 1.0 / cur_messages)
    z = np.divide(np.abs(rate_b - rate_a), np.sqrt(var), out=np.zeros_like(var), where=var > 0)
    top = np.argsort(-z, kind="stable")[:screen]
    k, x = (a + b)[top], b[top]
    total = ref_messages + cur_messages
    upper = stats.hypergeom.sf(x - 1, total, k, cur_messages)
    lower = stats.hypergeom.cdf(x, total, k, cur_messages)
    p_min = float(np.min(np.minimum(1.0, 2.0 * np.minimum(upper, lower))))
    gap = float(np.max(np.abs(rate_b - rate_a)))
    return TestOutcome(gap, min(1.0, p_min * m), m)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (family-wise error control, any dependence)."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted
