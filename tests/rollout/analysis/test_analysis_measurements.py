"""Measurements: histogram layout, statistics, merging and JSON storage."""

import json
import math
import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lockgate.rollout.analysis import (
    BUCKET_COUNT,
    ArmMeasurements,
    LabelCounts,
    LatencyHistogram,
    MeasurementError,
    TokenStats,
    bucket_edges_ms,
    bucket_index,
    merge_all,
)

# Timing varies on shared machines; the properties, not the speed, are under test.
PROPERTY = settings(deadline=None, max_examples=60)


@st.composite
def arms(draw: st.DrawFn) -> ArmMeasurements:
    """Consistent measurements of one arm."""
    latency = draw(
        st.dictionaries(st.integers(0, BUCKET_COUNT - 1), st.integers(1, 50), max_size=8)
    )
    tokens = draw(st.lists(st.integers(0, 5000), max_size=12))
    labels = draw(
        st.dictionaries(st.sampled_from(["billing", "refund", "other"]), st.integers(0, 40))
    )
    floor = max(sum(latency.values()), len(tokens))
    requests = draw(st.integers(floor, floor + 500))
    return ArmMeasurements(
        requests=requests,
        errors=draw(st.integers(0, requests)),
        fallbacks=draw(st.integers(0, requests)),
        tokens=TokenStats.from_samples(tokens),
        latency=LatencyHistogram.from_sparse(latency),
        labels=LabelCounts.from_mapping(labels),
        feedback_correct=draw(st.integers(0, 100)),
        feedback_incorrect=draw(st.integers(0, 100)),
        shadow_agree=draw(st.integers(0, 100)),
        shadow_disagree=draw(st.integers(0, 100)),
    )


@PROPERTY
@given(arms(), arms(), arms())
def test_merge_is_associative(a: ArmMeasurements, b: ArmMeasurements, c: ArmMeasurements) -> None:
    """Merging three periods gives the same result whatever the grouping."""
    assert a.merge(b).merge(c) == a.merge(b.merge(c))


@PROPERTY
@given(arms(), arms())
def test_merge_is_commutative_with_zero_identity(a: ArmMeasurements, b: ArmMeasurements) -> None:
    """Order does not matter and the empty measurements change nothing."""
    assert a.merge(b) == b.merge(a)
    assert a.merge(ArmMeasurements()) == a
    assert merge_all([a, b]) == a.merge(b)


@PROPERTY
@given(arms())
def test_json_round_trip(arm: ArmMeasurements) -> None:
    """What to_json writes, through real JSON text, reads back identical."""
    text = json.dumps(arm.to_json())
    assert ArmMeasurements.from_json(json.loads(text)) == arm


@PROPERTY
@given(arms(), arms())
def test_merged_counts_add_up(a: ArmMeasurements, b: ArmMeasurements) -> None:
    """Every count of a merge is the sum of the parts."""
    merged = a.merge(b)
    assert merged.requests == a.requests + b.requests
    assert merged.latency.total == a.latency.total + b.latency.total
    assert merged.labels.total == a.labels.total + b.labels.total
    assert merged.tokens.total == a.tokens.total + b.tokens.total


def test_bucket_index_follows_the_layout() -> None:
    """Sub-millisecond, first edge, one octave and overflow land in the expected buckets."""
    edges = bucket_edges_ms()
    assert bucket_index(0.0) == 0
    assert bucket_index(0.999) == 0
    assert bucket_index(1.0) == 1
    assert bucket_index(2.01) == 17
    assert bucket_index(edges[-1] * 2) == BUCKET_COUNT - 1
    assert len(edges) == BUCKET_COUNT - 1
    with pytest.raises(ValueError, match="non-negative"):
        bucket_index(-1.0)
    with pytest.raises(ValueError, match="non-negative"):
        bucket_index(math.nan)


def test_from_samples_matches_bucket_index() -> None:
    """The vectorised histogram puts every latency where bucket_index says."""
    rng = np.random.default_rng(7)
    values = rng.lognormal(3.0, 2.5, 2000)
    histogram = LatencyHistogram.from_samples(values)
    expected = [0] * BUCKET_COUNT
    for value in values:
        expected[bucket_index(float(value))] += 1
    assert histogram.counts == tuple(expected)


def test_quantile_is_within_one_bucket_of_the_exact_value() -> None:
    """The interpolated p95 of 20,000 latencies is within 4.5 % of numpy's exact p95."""
    rng = np.random.default_rng(11)
    values = rng.lognormal(np.log(200.0), 0.5, 20_000)
    estimate = LatencyHistogram.from_samples(values).quantile(0.95)
    assert estimate is not None
    assert abs(estimate / float(np.percentile(values, 95)) - 1.0) < 0.045


def test_quantile_edge_bounds_the_share_above() -> None:
    """At most 5 % of latencies lie above the p95 edge, and more than 5 % above the edge before."""
    rng = np.random.default_rng(3)
    histogram = LatencyHistogram.from_samples(rng.lognormal(5.0, 1.0, 5000))
    edge = histogram.quantile_edge(0.95)
    assert edge is not None
    assert histogram.count_above(edge) <= 0.05 * histogram.total
    assert histogram.count_above(edge - 1) > 0.05 * histogram.total


def test_empty_histogram_has_no_quantile() -> None:
    """With no latencies there is no quantile to report."""
    assert LatencyHistogram().quantile(0.95) is None
    assert LatencyHistogram().quantile_edge(0.95) is None


def test_token_stats_match_the_statistics_module() -> None:
    """Mean and variance from the stored sums equal the direct computation."""
    tokens = [120, 80, 400, 96, 310, 77]
    stats = TokenStats.from_samples(tokens)
    assert stats.mean == pytest.approx(statistics.mean(tokens))
    assert stats.variance == pytest.approx(statistics.variance(tokens))
    assert TokenStats().mean is None
    assert TokenStats.from_samples([5]).variance is None


@pytest.mark.parametrize(
    "build",
    [
        lambda: ArmMeasurements(requests=10, errors=11),
        lambda: ArmMeasurements(requests=10, fallbacks=-1),
        lambda: ArmMeasurements(requests=1, latency=LatencyHistogram.from_sparse({3: 2})),
        lambda: TokenStats(count=2, total=10, total_sq=10),
        lambda: LabelCounts((("b", 1), ("a", 2))),
        lambda: LabelCounts.from_mapping({"a": -1}),
    ],
)
def test_inconsistent_measurements_are_rejected(build: object) -> None:
    """Counts that cannot come from real traffic raise MeasurementError."""
    assert callable(build)
    with pytest.raises(MeasurementError):
        build()


@pytest.mark.parametrize(
    "change",
    [
        {"version": 2},
        {"requests": "12"},
        {"latency_ms": {"9999": 1}},
        {"latency_ms": {"x": 1}},
        {"unexpected": 1},
        {"errors": 10_000},
    ],
)
def test_malformed_payloads_raise_measurement_error(change: dict[str, object]) -> None:
    """A stored payload with a wrong field is refused with MeasurementError."""
    payload = ArmMeasurements(requests=100, errors=3).to_json() | change
    with pytest.raises(MeasurementError):
        ArmMeasurements.from_json(payload)
