"""Per-version traffic over the last minutes from one aggregate query on the request log.

The query groups by version, minute and latency bucket, so it returns a few hundred rows however
many requests there were. Minute and bucket indexes are computed in SQL by balanced ``CASE``
expressions (portable across SQLite and PostgreSQL). p95 is interpolated within its latency bucket
(edges 25 % apart), as Prometheus does. An error is a status of 500 or more, a fallback any request
a fallback answered, a hand-off one passed to a human: the definitions the alert rules use.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, case, func, literal_column, select

from lockgate.store.db import Store
from lockgate.store.tables import RequestLogEntry

MINUTES = 15
EDGE_RATIO = 1.25
FIRST_EDGE_MS = 1.0
LAST_EDGE_MS = 120_000.0
NO_VERSION = "(unrouted)"
"""How requests refused before routing (no version) are listed."""


def latency_edges_ms() -> tuple[float, ...]:
    """Log-spaced bucket edges in milliseconds, 1 ms to 120 s."""
    count = math.ceil(math.log(LAST_EDGE_MS / FIRST_EDGE_MS, EDGE_RATIO))
    return tuple(round(FIRST_EDGE_MS * EDGE_RATIO**i, 6) for i in range(count + 1))


EDGES_MS = latency_edges_ms()


@dataclass(frozen=True, slots=True)
class Cell:
    """Counts of one (version, minute, latency bucket) group."""

    version: str
    minute: int
    bucket: int
    requests: int
    errors: int
    fallbacks: int
    handoffs: int


@dataclass(frozen=True, slots=True)
class Counts:
    """Counts and a latency histogram over some span."""

    buckets: tuple[int, ...]
    errors: int = 0
    fallbacks: int = 0
    handoffs: int = 0

    @property
    def requests(self) -> int:
        """Requests in the span."""
        return sum(self.buckets)

    def share(self, part: int) -> float | None:
        """``part`` over the requests, or None without requests."""
        return part / self.requests if self.requests else None

    def p95_ms(self) -> float | None:
        """The 95th percentile latency, or None without requests."""
        return quantile_ms(self.buckets, EDGES_MS, 0.95)


def quantile_ms(buckets: Sequence[int], edges: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile of a histogram, interpolated linearly within its bucket.

    ``buckets[i]`` counts values within ``edges[i]`` and above the edge before; the last bucket
    counts values above every edge and answers the last edge.
    """
    total = sum(buckets)
    if total == 0:
        return None
    rank = q * total
    below = 0
    for index, count in enumerate(buckets):
        if count and below + count >= rank:
            if index >= len(edges):
                return edges[-1]
            lower = edges[index - 1] if index else 0.0
            return lower + (edges[index] - lower) * (rank - below) / count
        below += count
    return edges[-1]


@dataclass(frozen=True, slots=True)
class VersionTraffic:
    """One version over the window, and per minute for the sparklines."""

    version: str
    window_s: float
    total: Counts
    minutes: tuple[Counts, ...]

    @property
    def rps(self) -> float:
        """Requests per second over the window."""
        return self.total.requests / self.window_s

    def series(self, metric: str) -> list[float | None]:
        """Per-minute values of ``rps``, ``error_rate``, ``p95_ms``, ``fallback_rate`` or
        ``handoff_rate``; None for a minute without requests (rps is 0 then)."""
        step = self.window_s / len(self.minutes)
        return [_metric(counts, metric, step) for counts in self.minutes]

    def value(self, metric: str) -> float | None:
        """The metric over the whole window."""
        return _metric(self.total, metric, self.window_s)


METRICS = ("rps", "error_rate", "p95_ms", "fallback_rate", "handoff_rate")


def _metric(counts: Counts, metric: str, seconds: float) -> float | None:
    match metric:
        case "rps":
            return counts.requests / seconds
        case "error_rate":
            return counts.share(counts.errors)
        case "p95_ms":
            return counts.p95_ms()
        case "fallback_rate":
            return counts.share(counts.fallbacks)
        case "handoff_rate":
            return counts.share(counts.handoffs)
    raise ValueError(f"unknown metric {metric!r}; use one of {', '.join(METRICS)}")


def _sum(cells: Iterable[Cell], width: int) -> Counts:
    buckets = [0] * width
    errors = fallbacks = handoffs = 0
    for cell in cells:
        buckets[cell.bucket] += cell.requests
        errors += cell.errors
        fallbacks += cell.fallbacks
        handoffs += cell.handoffs
    return Counts(tuple(buckets), errors, fallbacks, handoffs)


def summarize(
    cells: Iterable[Cell], *, minutes: int = MINUTES, versions: Iterable[str] = ()
) -> list[VersionTraffic]:
    """Per-version totals and per-minute counts; ``versions`` are listed even without traffic."""
    width = len(EDGES_MS) + 1
    by_version: dict[str, list[Cell]] = {version: [] for version in versions}
    for cell in cells:
        by_version.setdefault(cell.version, []).append(cell)
    result = []
    for version in sorted(by_version):
        own = by_version[version]
        per_minute = tuple(
            _sum((c for c in own if c.minute == minute), width) for minute in range(minutes)
        )
        result.append(VersionTraffic(version, minutes * 60.0, _sum(own, width), per_minute))
    return result


def _balanced(
    column: SQLColumnExpression[float] | SQLColumnExpression[dt.datetime],
    bounds: Sequence[object],
) -> ColumnElement[int]:
    """A balanced CASE: the index of the first bound ``column`` is at or below."""

    def node(lo: int, hi: int) -> ColumnElement[int]:
        if lo == hi:
            return literal_column(str(lo))
        mid = (lo + hi) // 2
        return case((column <= bounds[mid], node(lo, mid)), else_=node(mid + 1, hi))

    return node(0, len(bounds))


def query_cells(
    store: Store, service: str, now: dt.datetime, *, minutes: int = MINUTES
) -> list[Cell]:
    """The grouped counts of ``service``'s requests in ``(now - minutes, now]``."""
    log = RequestLogEntry
    start = now - dt.timedelta(minutes=minutes)
    minute_ends = [start + dt.timedelta(minutes=i + 1) for i in range(minutes - 1)]
    fallback = and_(log.fallback.is_not(None), log.fallback != "none")
    rows = (
        select(
            func.coalesce(log.version, NO_VERSION).label("version"),
            _balanced(log.at, minute_ends).label("minute"),
            _balanced(log.latency_ms, EDGES_MS).label("bucket"),
            case((log.status >= 500, 1), else_=0).label("error"),
            case((fallback, 1), else_=0).label("fallback"),
            case((log.fallback == "handoff", 1), else_=0).label("handoff"),
        )
        .where(log.service == service, log.at > start, log.at <= now)
        .subquery()
    )
    query = select(
        rows.c.version,
        rows.c.minute,
        rows.c.bucket,
        func.count(),
        func.sum(rows.c.error),
        func.sum(rows.c.fallback),
        func.sum(rows.c.handoff),
    ).group_by(rows.c.version, rows.c.minute, rows.c.bucket)
    with store.transaction() as session:
        return [
            Cell(str(v), int(m), int(b), int(n), int(e or 0), int(f or 0), int(h or 0))
            for v, m, b, n, e, f, h in session.execute(query)
        ]


def traffic(
    store: Store, service: str, now: dt.datetime, *, versions: Iterable[str] = ()
) -> list[VersionTraffic]:
    """Per-version traffic of ``service`` over the last ``MINUTES`` minutes before ``now``."""
    return summarize(query_cells(store, service, now), versions=versions)
