"""Per-version traffic from one aggregate request-log query: rates, p95 and per-minute series."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lockgate.dashboard.traffic import (
    EDGE_RATIO,
    EDGES_MS,
    NO_VERSION,
    Cell,
    quantile_ms,
    summarize,
    traffic,
)
from lockgate.gateway.runtime import Runtime
from tests.dashboard.helpers import log_request

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


def _bucket(latency: float) -> int:
    return next((i for i, edge in enumerate(EDGES_MS) if latency <= edge), len(EDGES_MS))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=1.5, max_value=60_000), min_size=1, max_size=400))
def test_histogram_p95_is_within_one_bucket_of_the_exact_value(latencies: list[float]) -> None:
    """The interpolated p95 lies within a factor of one bucket width of numpy's exact p95."""
    buckets = [0] * (len(EDGES_MS) + 1)
    for latency in latencies:
        buckets[_bucket(latency)] += 1
    estimate = quantile_ms(buckets, EDGES_MS, 0.95)
    exact = float(np.percentile(latencies, 95, method="inverted_cdf"))
    assert estimate is not None
    assert exact / EDGE_RATIO <= estimate <= exact * EDGE_RATIO


def test_quantile_of_an_empty_histogram_is_none() -> None:
    """No requests means no latency figure, never zero."""
    assert quantile_ms([0] * (len(EDGES_MS) + 1), EDGES_MS, 0.95) is None


def test_summary_lists_declared_versions_without_traffic() -> None:
    """A version of the manifest with no requests is shown with zero requests and no rates."""
    cells = [Cell("v1", 14, 5, 3, 1, 0, 0)]
    rows = {row.version: row for row in summarize(cells, versions=["v1", "v2"])}
    assert rows["v2"].total.requests == 0
    assert rows["v2"].value("error_rate") is None
    assert rows["v2"].series("rps") == [0.0] * 15
    assert rows["v1"].series("error_rate")[-1] == pytest.approx(1 / 3)
    assert rows["v1"].series("error_rate")[0] is None
    with pytest.raises(ValueError, match="unknown metric"):
        rows["v1"].value("nope")


def test_the_query_counts_each_version_minute_and_rate(any_runtime: Runtime) -> None:
    """Rows written like the gateway's give exact counts, rates and per-minute RPS per version."""
    runtime = any_runtime
    rng = random.Random(7)
    written: dict[str, list[tuple[int, float, int, str | None]]] = {"v1": [], "v2": []}
    for _ in range(300):
        version = rng.choice(["v1", "v1", "v2"])
        minute = rng.randrange(15)
        at = NOW - dt.timedelta(minutes=15) + dt.timedelta(seconds=minute * 60 + rng.uniform(1, 59))
        latency = rng.lognormvariate(5, 0.6)
        status = 503 if rng.random() < 0.1 else 200
        fallback = rng.choice([None, None, None, "retry", "handoff", "version:v1"])
        log_request(
            runtime.store,
            at=at,
            version=version,
            latency_ms=latency,
            status=status,
            fallback=fallback,
        )
        written[version].append((minute, latency, status, fallback))
    # outside the window or another service: never counted
    log_request(runtime.store, at=NOW - dt.timedelta(minutes=16), version="v1", latency_ms=5)
    log_request(runtime.store, at=NOW + dt.timedelta(seconds=1), version="v1", latency_ms=5)
    log_request(runtime.store, at=NOW, version="v1", latency_ms=5, service="other")
    log_request(
        runtime.store, at=NOW - dt.timedelta(seconds=30), version=None, latency_ms=2, status=401
    )

    rows = {row.version: row for row in traffic(runtime.store, "support-assistant", NOW)}
    assert set(rows) == {"v1", "v2", NO_VERSION}
    assert rows[NO_VERSION].total.requests == 1
    for version, requests in written.items():
        row = rows[version]
        assert row.total.requests == len(requests)
        assert row.rps == pytest.approx(len(requests) / 900)
        errors = sum(1 for *_, status, _ in requests if status >= 500)
        fallbacks = sum(1 for *_, fallback in requests if fallback is not None)
        handoffs = sum(1 for *_, fallback in requests if fallback == "handoff")
        assert row.value("error_rate") == pytest.approx(errors / len(requests))
        assert row.value("fallback_rate") == pytest.approx(fallbacks / len(requests))
        assert row.value("handoff_rate") == pytest.approx(handoffs / len(requests))
        per_minute = [sum(1 for m, *_ in requests if m == minute) / 60 for minute in range(15)]
        assert row.series("rps") == pytest.approx(per_minute)
        exact = float(np.percentile([r[1] for r in requests], 95, method="inverted_cdf"))
        p95 = row.value("p95_ms")
        assert p95 is not None and exact / EDGE_RATIO <= p95 <= exact * EDGE_RATIO


def test_boundary_rows_land_in_the_right_minute(any_runtime: Runtime) -> None:
    """A row exactly at a minute's end is in that minute; one just after is in the next."""
    runtime = any_runtime
    start = NOW - dt.timedelta(minutes=15)
    log_request(runtime.store, at=start + dt.timedelta(minutes=1), version="v1", latency_ms=10)
    log_request(
        runtime.store,
        at=start + dt.timedelta(minutes=1, microseconds=1),
        version="v1",
        latency_ms=10,
    )
    log_request(runtime.store, at=NOW, version="v1", latency_ms=10)
    row = next(r for r in traffic(runtime.store, "support-assistant", NOW) if r.version == "v1")
    counts = [minute.requests for minute in row.minutes]
    assert counts[0] == 1 and counts[1] == 1 and counts[-1] == 1 and sum(counts) == 3
