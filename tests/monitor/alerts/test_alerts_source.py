"""Window statistics from the request log on SQLite and PostgreSQL, and the metric registry."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from alerts_support import NOW, insert, request_rows
from sqlalchemy import event

from lockgate.manifest.reliability import SLO, SLIKind
from lockgate.monitor.alerts import Events, Metrics, Reading, RequestLogSource, Scope, WindowStats
from lockgate.monitor.alerts.requestlog import default_edges_ms
from lockgate.store.db import Store

SERVICE = "support-assistant"


def ago(seconds: float) -> dt.datetime:
    return NOW - dt.timedelta(seconds=seconds)


def test_status_classes_fallbacks_and_tokens(store: Store) -> None:
    """Only 5xx are errors (429 and 4xx are not); fallbacks exclude `none`; tokens per reporter."""
    rows = (
        request_rows(100, at=ago(10))
        + request_rows(10, at=ago(10), status=500)
        + request_rows(5, at=ago(10), status=503)
        + request_rows(20, at=ago(10), status=429)
        + request_rows(7, at=ago(10), status=400)
        + request_rows(3, at=ago(10), fallback="handoff")
        + request_rows(4, at=ago(10), fallback="retry")
        + request_rows(6, at=ago(10), fallback="none", tokens=None)
    )
    insert(store, rows)
    metrics = Metrics(RequestLogSource(store, versions=["v1", "v2"]))
    scope = Scope(SERVICE)
    total = 155
    assert metrics.read("request_count", scope, 60, NOW).value == total
    assert metrics.read("error_rate", scope, 60, NOW).value == pytest.approx(15 / total)
    assert metrics.read("fallback_rate", scope, 60, NOW).value == pytest.approx(7 / total)
    assert metrics.read("handoff_rate", scope, 60, NOW).value == pytest.approx(3 / total)
    assert metrics.read("tokens_per_request", scope, 60, NOW).value == pytest.approx(15.0)


def test_window_bounds_versions_and_services(store: Store) -> None:
    """The window is (now - w, now]; a version filter narrows it; other services never count."""
    insert(
        store,
        request_rows(1, at=NOW)
        + request_rows(2, at=ago(59))
        + request_rows(4, at=ago(60))
        + request_rows(8, at=NOW + dt.timedelta(seconds=1))
        + request_rows(16, at=ago(30), version="v2")
        + request_rows(32, at=ago(30), version=None, status=503)
        + request_rows(64, at=ago(30), service="other"),
    )
    source = RequestLogSource(store, versions=["v1", "v2"])
    assert source.stats(SERVICE, None, 60, NOW).requests == 1 + 2 + 16 + 32
    assert source.stats(SERVICE, "v1", 60, NOW).requests == 3
    assert source.stats(SERVICE, "v2", 60, NOW).requests == 16
    assert source.stats(SERVICE, None, 61, NOW).requests == 1 + 2 + 4 + 16 + 32
    unscoped = RequestLogSource(store)  # without the version list: a plain service filter
    assert unscoped.stats(SERVICE, None, 60, NOW).requests == 1 + 2 + 16 + 32
    assert unscoped.stats(SERVICE, None, 60, NOW).errors == 32


def test_p95_tracks_the_exact_percentile(store: Store) -> None:
    """The bucketed p95 is within one bucket ratio (1.2x) of numpy's exact percentile."""
    rng = random.Random(7)
    latencies = [rng.lognormvariate(5.5, 0.8) for _ in range(2000)]
    rows: list[dict[str, Any]] = []
    for i, latency in enumerate(latencies):
        rows += request_rows(1, at=ago(i % 50), latency_ms=latency)
        rows[-1]["request_id"] = f"p{i}"
    insert(store, rows)
    metrics = Metrics(RequestLogSource(store))
    p95 = metrics.read("latency_p95", Scope(SERVICE, "v1"), 60, NOW).value
    exact = float(np.percentile(latencies, 95)) / 1000
    assert p95 is not None
    assert exact / 1.2 <= p95 <= exact * 1.2
    assert p95 == pytest.approx(exact, rel=0.05)


@pytest.mark.parametrize(("slow", "breaches"), [(5, False), (6, True)])
def test_p95_is_exact_at_a_declared_threshold(store: Store, slow: int, breaches: bool) -> None:
    """With 800 ms declared, p95 > 0.8 s exactly when more than 5% of requests are slower."""
    insert(
        store,
        request_rows(100 - slow, at=ago(5), latency_ms=799.0)
        + request_rows(slow, at=ago(5), latency_ms=801.0, version="v1", status=201),
    )
    metrics = Metrics(RequestLogSource(store, thresholds_ms=[800.0]))
    p95 = metrics.read("latency_p95", Scope(SERVICE), 60, NOW).value
    assert p95 is not None
    assert (p95 > 0.8) is breaches


def test_latency_sli_counts_requests_within_the_threshold(store: Store) -> None:
    """Latency SLO events: good is at most the threshold (inclusive), total every request."""
    insert(
        store,
        request_rows(7, at=ago(5), latency_ms=500.0)
        + request_rows(3, at=ago(5), latency_ms=500.5, status=201),
    )
    metrics = Metrics(RequestLogSource(store, thresholds_ms=[500.0]))
    target = SLO(name="latency", sli="latency", objective=99, threshold=0.5)
    assert metrics.events(target, Scope(SERVICE), 60, NOW) == Events(7, 10)
    availability = SLO(name="availability", sli="availability", objective=99)
    assert metrics.events(availability, Scope(SERVICE), 60, NOW) == Events(10, 10)


def test_no_data_is_reported_with_a_reason(store: Store) -> None:
    """An empty window, or a window without token counts, reads as no data with the reason."""
    metrics = Metrics(RequestLogSource(store))
    empty = metrics.read("error_rate", Scope(SERVICE), 60, NOW)
    assert empty == Reading(None, "no requests in the window")
    insert(store, request_rows(3, at=ago(1), tokens=None))
    tokens = metrics.read("tokens_per_request", Scope(SERVICE), 60, ago(0.5))
    assert tokens.value is None
    assert "token" in tokens.reason


def test_one_indexed_query_per_window(store: Store) -> None:
    """A window costs one query, served from memory for the same `now`, using the index."""
    insert(store, request_rows(5, at=ago(5)))
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "request_log" in statement:
            statements.append((statement, params))

    event.listen(store.engine, "before_cursor_execute", capture)
    try:
        source = RequestLogSource(store, versions=["v1", "v2"])
        source.stats(SERVICE, "v1", 60, NOW)
        source.stats(SERVICE, "v1", 60, NOW)
        source.stats(SERVICE, None, 60, NOW)
    finally:
        event.remove(store.engine, "before_cursor_execute", capture)
    assert len(statements) == 2
    if store.dialect != "sqlite":
        return
    with store.engine.connect() as conn:
        for statement, params in statements:
            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params).fetchall()
            searches = [row[-1] for row in plan if "request_log" in row[-1]]
            assert searches
            assert all("ix_request_log_service_version_at" in s for s in searches), searches
            assert all("at>" in s for s in searches), searches


def test_registered_metrics_replace_placeholders(
    sqlite_url: str, open_store: Callable[[str], Store]
) -> None:
    """drift_score is no data until a function is registered; request metrics stay built in."""
    metrics = Metrics(RequestLogSource(open_store(sqlite_url)))
    scope = Scope(SERVICE, "v2")
    before = metrics.read("drift_score", scope, 300, NOW)
    assert before.value is None
    assert "drift" in before.reason

    def drift(at_scope: Scope, window: float, now: dt.datetime) -> Reading:
        assert (window, now) == (300, NOW)
        return Reading(0.4 if at_scope.version == "v2" else 0.1)

    metrics.register("drift_score", drift)
    assert metrics.read("drift_score", scope, 300, NOW).value == 0.4
    assert "drift_score" in metrics.names()
    assert metrics.read("nonsense", scope, 300, NOW).reason == "unknown metric 'nonsense'"
    with pytest.raises(ValueError, match="request log"):
        metrics.register("error_rate", drift)


def test_quality_sli_is_no_data_until_a_source_is_registered(
    sqlite_url: str, open_store: Callable[[str], Store]
) -> None:
    """A quality SLO has no events (never a fake number) until an SLI function is registered."""
    metrics = Metrics(RequestLogSource(open_store(sqlite_url)))
    target = SLO(name="quality", sli="quality", objective=90, min_score=1.0)
    none = metrics.events(target, Scope(SERVICE), 3600, NOW)
    assert (none.total, none.error_ratio) == (0, None)
    assert "quality" in none.reason

    def quality(slo: SLO, scope: Scope, window: float, now: dt.datetime) -> Events:
        assert (slo.name, scope.service, window, now) == ("quality", SERVICE, 3600, NOW)
        return Events(90, 100)

    metrics.register_sli(SLIKind.QUALITY, quality)
    assert metrics.events(target, Scope(SERVICE), 3600, NOW).error_ratio == pytest.approx(0.1)


def test_quantile_interpolates_within_the_bucket() -> None:
    """Synthetic buckets: the p50 of 10 requests in (10, 20] ms and 10 in (20, 30] is 20 ms."""
    stats = WindowStats((10.0, 20.0, 30.0), (0, 10, 10, 0))
    assert stats.quantile_ms(0.5) == pytest.approx(20.0)
    assert stats.quantile_ms(0.75) == pytest.approx(25.0)
    assert WindowStats((10.0,), (0, 0)).quantile_ms(0.95) is None
    overflow = WindowStats((10.0,), (0, 5))
    assert overflow.quantile_ms(0.95) == 10.0
    with pytest.raises(ValueError, match="not a bucket edge"):
        stats.count_within(15.0)


def test_default_edges_cover_one_ms_to_five_minutes() -> None:
    """Edges are log-spaced by 1.2 from 1 ms past 300 s."""
    edges = default_edges_ms()
    assert edges[0] == 1.0
    assert edges[-1] >= 300_000
    ratios = {round(b / a, 6) for a, b in itertools.pairwise(edges)}
    assert ratios == {1.2}
