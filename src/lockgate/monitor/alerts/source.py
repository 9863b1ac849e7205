"""Where alert values come from: the ``MetricSource`` protocol and a registry of named metrics.

A reading is a number or "no data" with the reason; a missing source is never reported as zero.
The request-log metrics are built in; drift and quality scores plug in with ``register``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from lockgate.manifest.reliability import SLO, SLIKind
from lockgate.monitor.alerts.requestlog import RequestLogSource, WindowStats


@dataclass(frozen=True, slots=True)
class Scope:
    """What a value is about: a service, and optionally one of its versions."""

    service: str
    version: str | None = None

    def __str__(self) -> str:
        return self.service if self.version is None else f"{self.service}/{self.version}"


@dataclass(frozen=True, slots=True)
class Reading:
    """A metric's value over a window, or None with the reason there is none."""

    value: float | None
    reason: str = ""

    @classmethod
    def no_data(cls, reason: str) -> Reading:
        """A reading without a value."""
        return cls(None, reason)


@dataclass(frozen=True, slots=True)
class Events:
    """Good and total events of an SLI over a window; ``total == 0`` is "no data"."""

    good: int
    total: int
    reason: str = ""

    @property
    def bad(self) -> int:
        """Events that spent error budget."""
        return self.total - self.good

    @property
    def error_ratio(self) -> float | None:
        """Share of bad events, or None without events."""
        return self.bad / self.total if self.total else None


MetricFn = Callable[[Scope, float, dt.datetime], Reading]
"""A named metric: ``(scope, window seconds, now) -> Reading``."""

SliFn = Callable[[SLO, Scope, float, dt.datetime], Events]
"""An SLI: ``(slo, scope, window seconds, now) -> Events``."""


class MetricSource(Protocol):
    """Values for alert rules and events for SLOs."""

    def names(self) -> frozenset[str]:
        """The metric names ``read`` knows."""

    def read(self, metric: str, scope: Scope, window: float, now: dt.datetime) -> Reading:
        """The value of ``metric`` for ``scope`` over the ``window`` seconds before ``now``."""

    def events(self, slo: SLO, scope: Scope, window: float, now: dt.datetime) -> Events:
        """Good and total events of ``slo``'s SLI over the window."""


REQUEST_METRICS = (
    "error_rate",
    "fallback_rate",
    "handoff_rate",
    "latency_p95",
    "request_count",
    "tokens_per_request",
)
"""Metrics computed from the request log (rates are fractions, latency in seconds)."""

PLACEHOLDERS = {
    "drift_score": "no drift monitor is attached to the alert evaluator",
    "quality_score": "no quality feedback is recorded yet",
}


def _from_stats(metric: str, stats: WindowStats) -> Reading:
    if stats.requests == 0:
        return Reading.no_data("no requests in the window")
    shares = {"error_rate": stats.errors, "fallback_rate": stats.fallbacks}
    shares["handoff_rate"] = stats.handoffs
    if metric in shares:
        return Reading(shares[metric] / stats.requests)
    if metric == "request_count":
        return Reading(float(stats.requests))
    if metric == "latency_p95":
        p95 = stats.quantile_ms(0.95)
        return Reading(None if p95 is None else p95 / 1000.0)
    if stats.token_requests == 0:  # tokens_per_request
        return Reading.no_data("no request in the window reported token usage")
    return Reading(stats.tokens / stats.token_requests)


class Metrics:
    """The default ``MetricSource``: request-log metrics built in, others registered by name."""

    def __init__(self, requestlog: RequestLogSource) -> None:
        self._log = requestlog
        self._extra: dict[str, MetricFn] = {}
        self._slis: dict[SLIKind, SliFn] = {}

    def register(self, name: str, fn: MetricFn) -> None:
        """Serve ``name`` from ``fn`` (replaces a placeholder such as ``drift_score``)."""
        if name in REQUEST_METRICS:
            raise ValueError(f"{name!r} is computed from the request log and cannot be replaced")
        self._extra[name] = fn

    def register_sli(self, kind: SLIKind, fn: SliFn) -> None:
        """Count ``kind`` SLO events with ``fn`` (e.g. quality, once feedback exists)."""
        self._slis[kind] = fn

    def names(self) -> frozenset[str]:
        """Every metric a rule may name."""
        return frozenset((*REQUEST_METRICS, *PLACEHOLDERS, *self._extra))

    def read(self, metric: str, scope: Scope, window: float, now: dt.datetime) -> Reading:
        """The value of ``metric``, or "no data" with the reason."""
        if metric in self._extra:
            return self._extra[metric](scope, window, now)
        if metric in PLACEHOLDERS:
            return Reading.no_data(PLACEHOLDERS[metric])
        if metric not in REQUEST_METRICS:
            return Reading.no_data(f"unknown metric {metric!r}")
        return _from_stats(metric, self._log.stats(scope.service, scope.version, window, now))

    def events(self, slo: SLO, scope: Scope, window: float, now: dt.datetime) -> Events:
        """Availability and latency from the request log; other SLIs from registered functions."""
        if slo.sli in self._slis:
            return self._slis[slo.sli](slo, scope, window, now)
        if slo.sli is SLIKind.QUALITY:
            return Events(0, 0, PLACEHOLDERS["quality_score"])
        stats = self._log.stats(scope.service, scope.version, window, now)
        if stats.requests == 0:
            return Events(0, 0, "no requests in the window")
        if slo.sli is SLIKind.AVAILABILITY:
            return Events(stats.requests - stats.errors, stats.requests)
        assert slo.threshold is not None  # the manifest requires it for latency SLOs
        return Events(stats.count_within(slo.threshold * 1000.0), stats.requests)
