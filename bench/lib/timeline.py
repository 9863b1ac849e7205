"""Pure figures over an open-loop run's per-request records: windows, circuit opening, recovery.

Every record carries its due time on the shared monotonic clock, so it can be placed against the
moments the benchmark acted (the upstream killed, stopped, restarted, resumed).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lib.stats import percentile

NO_FALLBACK = "none"


@dataclass(frozen=True, slots=True)
class Sample:
    """One request: when it was due, how long until its answer, and what the answer said."""

    due: float
    latency_s: float
    status: int
    fallback: str | None
    version: str | None
    error: str | None = None

    @property
    def answered(self) -> bool:
        """A 2xx answer arrived."""
        return 200 <= self.status < 300

    @property
    def action(self) -> str:
        """The fallback action that answered, ``none`` when the routed version did, or why not."""
        if self.status == 0:
            return f"no answer ({self.error or 'error'})"
        if not self.answered:
            return f"HTTP {self.status}"
        return self.fallback or NO_FALLBACK


def samples_from(rows: Iterable[Sequence[object]]) -> list[Sample]:
    """Samples from the load generator's rows ``[due, send_lag, latency, status, fb, ver, err]``."""
    out = []
    for row in rows:
        due, _lag, latency, status, fallback, version, error = row
        out.append(
            Sample(
                due=float(str(due)),
                latency_s=float(str(latency)),
                status=int(str(status)),
                fallback=None if fallback is None else str(fallback),
                version=None if version is None else str(version),
                error=None if error is None else str(error),
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class Window:
    """Requests due in ``[start, end)``: how many were answered, by what, and how fast."""

    name: str
    start: float
    end: float
    requests: int
    answered: int
    actions: dict[str, int]
    p50_s: float | None
    p99_s: float | None
    max_s: float | None
    over_budget: int

    @property
    def answered_share(self) -> float | None:
        """Share of requests with a 2xx answer."""
        return self.answered / self.requests if self.requests else None

    def as_dict(self, origin: float) -> dict[str, object]:
        """JSON-ready form, times relative to ``origin``."""
        share = self.answered_share
        return {
            "name": self.name,
            "from_s": round(self.start - origin, 3),
            "to_s": round(self.end - origin, 3),
            "requests": self.requests,
            "answered_2xx": self.answered,
            "answered_share": None if share is None else round(share, 6),
            "actions": dict(sorted(self.actions.items())),
            "p50_ms": _ms(self.p50_s),
            "p99_ms": _ms(self.p99_s),
            "max_ms": _ms(self.max_s),
            "over_budget": self.over_budget,
        }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def window(
    samples: Sequence[Sample], name: str, start: float, end: float, budget_s: float
) -> Window:
    """Figures for the requests due in ``[start, end)``; ``over_budget`` counts slower ones."""
    inside = [s for s in samples if start <= s.due < end]
    latencies = [s.latency_s for s in inside]
    return Window(
        name=name,
        start=start,
        end=end,
        requests=len(inside),
        answered=sum(s.answered for s in inside),
        actions=dict(Counter(s.action for s in inside)),
        p50_s=percentile(latencies, 50) if latencies else None,
        p99_s=percentile(latencies, 99) if latencies else None,
        max_s=max(latencies) if latencies else None,
        over_budget=sum(s.latency_s > budget_s for s in inside),
    )


def per_second(samples: Sequence[Sample], origin: float) -> list[dict[str, object]]:
    """One row per second of due time: requests, 2xx, answers by action, p50 and max."""
    buckets: dict[int, list[Sample]] = {}
    for s in samples:
        buckets.setdefault(int(s.due - origin), []).append(s)
    rows: list[dict[str, object]] = []
    for second in sorted(buckets):
        group = buckets[second]
        latencies = [s.latency_s for s in group]
        rows.append(
            {
                "second": second,
                "requests": len(group),
                "answered_2xx": sum(s.answered for s in group),
                "actions": dict(sorted(Counter(s.action for s in group).items())),
                "p50_ms": _ms(percentile(latencies, 50)),
                "max_ms": _ms(max(latencies)),
            }
        )
    return rows


def first_skip_after_hang(
    samples: Sequence[Sample], hung_at: float, until: float, quickest_failure_s: float
) -> Sample | None:
    """The first request due after ``hung_at`` answered by a fallback without trying the hang.

    While the routed upstream hangs, a request that tries it waits at least
    ``quickest_failure_s`` (the version's connect timeout when the connection pool is full, else
    its whole timeout). A request due in ``[hung_at, until)`` answered by a fallback faster than
    that never tried the hung version: its circuit was open.
    """
    for s in sorted(samples, key=lambda x: x.due):
        if not hung_at <= s.due < until:
            continue
        if s.answered and s.fallback and s.latency_s < quickest_failure_s:
            return s
    return None


@dataclass(frozen=True, slots=True)
class RetryTrace:
    """Requests that paid the retry back-off after a kill, and the first quiet gap after them."""

    retried: int
    median_spacing_s: float | None
    last_before_gap: float | None
    gap_s: float | None


def retried(samples: Sequence[Sample], start: float, end: float, backoff_s: float) -> list[float]:
    """Due times of the requests in ``[start, end)`` that look retried after the back-off.

    Such a request answered through a fallback in at least ``backoff_s`` while the requests due
    just before and after it answered in under half of that. A pause of the machine slows a run
    of neighbouring requests; a retry slows one request among fast ones.
    """
    ordered = sorted(samples, key=lambda x: x.due)
    fast = backoff_s / 2
    out = []
    for before, s, after in zip(ordered, ordered[1:], ordered[2:], strict=False):
        if not start <= s.due < end or not (s.answered and s.fallback):
            continue
        if s.latency_s >= backoff_s and before.latency_s < fast and after.latency_s < fast:
            out.append(s.due)
    return out


def retry_trace(
    samples: Sequence[Sample], killed_at: float, until: float, backoff_s: float, min_gap_s: float
) -> RetryTrace:
    """Where the retries after a kill stop: an estimate of when the circuit opened.

    While the circuit of a dead version is closed, a request fails fast there and the retry
    action (when the retry budget has a token) sleeps ``backoff_s`` and tries again, so about
    one request in ten (the retry budget) answers in more than ``backoff_s``. Once the circuit is
    open the retry is skipped (an open circuit is not a retry trigger), so such answers stop until
    the breaker lets a probe through. The circuit opened after the last retried request (see
    :func:`retried`) before the first gap of at least ``min_gap_s`` without one in which nine in
    ten requests were fast; the typical spacing of retried requests bounds the error.
    """
    slow = retried(samples, killed_at, until, backoff_s)
    spacings = [b - a for a, b in itertools.pairwise(slow)]
    median = percentile(spacings, 50) if spacings else None
    edges = [*slow, until]
    for a, b in itertools.pairwise(edges):
        if b - a >= min_gap_s and _clear(samples, a, b, backoff_s / 2):
            return RetryTrace(len(slow), median, a, b - a)
    return RetryTrace(len(slow), median, None, None)


def _clear(samples: Sequence[Sample], start: float, end: float, fast_s: float) -> bool:
    """Nine in ten requests due in ``(start, end)`` answered within ``fast_s``.

    A gap in retried requests only counts when retries would have been seen in it: during a
    pause of the machine every request is slow and a retry cannot be told apart.
    """
    inside = [s.latency_s for s in samples if start < s.due < end]
    return bool(inside) and sum(x < fast_s for x in inside) >= 0.9 * len(inside)


def first_routed_answer(samples: Sequence[Sample], after: float, version: str) -> Sample | None:
    """The first request due after ``after`` answered by ``version`` itself, with no fallback."""
    for s in sorted(samples, key=lambda x: x.due):
        if s.due >= after and s.answered and s.fallback is None and s.version == version:
            return s
    return None
