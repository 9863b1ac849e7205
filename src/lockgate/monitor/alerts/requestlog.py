"""Window statistics from the request log: one indexed, aggregated query per window.

The query returns one row per latency bucket, never one per request, so a three-day window costs
a scan of the index range and a few dozen result rows. A bucket index is computed in SQL by a
balanced ``CASE`` (a binary search over the edges, about six comparisons per row). Edges are
log-spaced (ratio 1.2 from 1 ms to 300 s) plus every latency threshold the manifest names, so
"share of requests within the threshold" is exact and p95 is interpolated within one bucket.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    and_,
    case,
    func,
    literal_column,
    or_,
    select,
    union_all,
)

from lockgate.store.db import Store
from lockgate.store.tables import RequestLogEntry

EDGE_RATIO = 1.2
FIRST_EDGE_MS = 1.0
LAST_EDGE_MS = 300_000.0
_CACHE_LIMIT = 256


def default_edges_ms() -> tuple[float, ...]:
    """Log-spaced latency bucket edges in milliseconds."""
    count = math.ceil(math.log(LAST_EDGE_MS / FIRST_EDGE_MS, EDGE_RATIO))
    return tuple(round(FIRST_EDGE_MS * EDGE_RATIO**i, 6) for i in range(count + 1))


def merge_edges(base: Iterable[float], extra: Iterable[float]) -> tuple[float, ...]:
    """Sorted, de-duplicated edges; ``extra`` edges (thresholds) are kept exactly."""
    return tuple(sorted({float(e) for e in (*base, *extra) if e > 0}))


@dataclass(frozen=True, slots=True)
class WindowStats:
    """Counts over one window: latency buckets and the numerators of each rate."""

    edges_ms: tuple[float, ...]
    buckets: tuple[int, ...]
    """Requests per bucket: ``buckets[i]`` is within ``edges_ms[i]`` and above the edge before;
    the last one is slower than every edge."""
    errors: int = 0
    fallbacks: int = 0
    handoffs: int = 0
    token_requests: int = 0
    tokens: int = 0

    @property
    def requests(self) -> int:
        """Requests in the window."""
        return sum(self.buckets)

    def count_within(self, threshold_ms: float) -> int:
        """Requests whose latency is at most ``threshold_ms`` (an edge, so the count is exact)."""
        try:
            index = self.edges_ms.index(float(threshold_ms))
        except ValueError:
            raise ValueError(
                f"{threshold_ms} ms is not a bucket edge; pass it in the source's thresholds"
            ) from None
        return sum(self.buckets[: index + 1])

    def quantile_ms(self, q: float) -> float | None:
        """The ``q`` quantile, interpolated linearly within its bucket as Prometheus does."""
        total = self.requests
        if total == 0:
            return None
        rank = q * total
        below = 0
        for index, count in enumerate(self.buckets):
            if count and below + count >= rank:
                if index == len(self.edges_ms):
                    return self.edges_ms[-1]
                lower = self.edges_ms[index - 1] if index else 0.0
                upper = self.edges_ms[index]
                return lower + (upper - lower) * (rank - below) / count
            below += count
        return self.edges_ms[-1]  # pragma: no cover - rank <= total always lands in a bucket


def _bucket_expr(
    column: SQLColumnExpression[float], edges: tuple[float, ...]
) -> ColumnElement[int]:
    """A balanced CASE giving the index of the first edge ``column`` is within."""

    def node(lo: int, hi: int) -> ColumnElement[int]:
        if lo == hi:
            return literal_column(str(lo))
        mid = (lo + hi) // 2
        return case((column <= edges[mid], node(lo, mid)), else_=node(mid + 1, hi))

    return node(0, len(edges))


class RequestLogSource:
    """Window statistics for a service (and optionally a version) from the request log.

    ``versions`` (the manifest's) lets a service-wide window use the (service, version, at) index
    for every version; requests without a version (refused before routing) are included too.
    Requests of a version that is no longer in the manifest then drop out of service-wide windows.
    """

    def __init__(
        self, store: Store, *, versions: Iterable[str] = (), thresholds_ms: Iterable[float] = ()
    ) -> None:
        self._store = store
        self.versions = tuple(versions)
        self.edges_ms = merge_edges(default_edges_ms(), thresholds_ms)
        self._cache: dict[tuple[str, str | None, float, dt.datetime], WindowStats] = {}

    def stats(
        self, service: str, version: str | None, window: float, now: dt.datetime
    ) -> WindowStats:
        """Counts for requests in ``(now - window, now]``; repeated calls for one ``now`` are
        served from memory, so SLOs and rules sharing a window share its query."""
        key = (service, version, float(window), now)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if len(self._cache) >= _CACHE_LIMIT or any(k[3] != now for k in self._cache):
            self._cache.clear()
        result = self._query(service, version, window, now)
        self._cache[key] = result
        return result

    def _query(
        self, service: str, version: str | None, window: float, now: dt.datetime
    ) -> WindowStats:
        log = RequestLogEntry
        start = now - dt.timedelta(seconds=window)
        prompt, completion = log.prompt_tokens, log.completion_tokens
        per_request = select(
            _bucket_expr(log.latency_ms, self.edges_ms).label("bucket"),
            case((log.status >= 500, 1), else_=0).label("error"),
            case((and_(log.fallback.is_not(None), log.fallback != "none"), 1), else_=0).label(
                "fallback"
            ),
            case((log.fallback == "handoff", 1), else_=0).label("handoff"),
            case((or_(prompt.is_not(None), completion.is_not(None)), 1), else_=0).label(
                "has_tokens"
            ),
            (func.coalesce(prompt, 0) + func.coalesce(completion, 0)).label("tokens"),
        ).where(log.service == service, log.at > start, log.at <= now)
        if version is not None:
            rows = per_request.where(log.version == version).subquery()
        elif self.versions:
            # Two index range seeks instead of a scan of every version's rows.
            rows = union_all(
                per_request.where(log.version.in_(self.versions)),
                per_request.where(log.version.is_(None)),
            ).subquery()
        else:
            rows = per_request.subquery()
        query = select(
            rows.c.bucket,
            func.count(),
            func.sum(rows.c.error),
            func.sum(rows.c.fallback),
            func.sum(rows.c.handoff),
            func.sum(rows.c.has_tokens),
            func.sum(rows.c.tokens),
        ).group_by(rows.c.bucket)
        buckets = [0] * (len(self.edges_ms) + 1)
        sums = [0, 0, 0, 0, 0]
        with self._store.transaction() as session:
            for bucket, count, *totals in session.execute(query):
                buckets[int(bucket)] = int(count)
                sums = [acc + int(value or 0) for acc, value in zip(sums, totals, strict=True)]
        return WindowStats(self.edges_ms, tuple(buckets), *sums)
