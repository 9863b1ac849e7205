"""Drift on live traffic: a request-log sink that profiles each window and tests it.

It runs in the request log's writer thread, off the hot path. Each closed window's report is
stored as evidence (kind ``drift.window``) and its scores are exported as Prometheus gauges.
The prompt text only feeds hashed token counts in memory; it is never stored.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, Gauge

from lockgate.manifest.monitors import DriftSpec
from lockgate.monitor.drift import DriftMonitor, ReferenceProfile, WindowReport
from lockgate.store import evidence
from lockgate.store.db import Store
from lockgate.store.requestlog import RequestRecord

log = structlog.get_logger("lockgate.drift")

#: The signals a live record offers, by column name.
SIGNALS: dict[str, Callable[[RequestRecord], Any]] = {
    "prompt": lambda r: r.prompt_text,
    "prompt_length": lambda r: len(r.prompt_text) if r.prompt_text is not None else None,
    "prompt_tokens": lambda r: r.prompt_tokens,
    "completion_tokens": lambda r: r.completion_tokens,
    "latency_ms": lambda r: r.latency_ms,
    "upstream_ms": lambda r: r.upstream_ms,
    "label": lambda r: r.label,
    "confidence": lambda r: r.confidence,
    "finish_reason": lambda r: r.finish_reason,
    "version": lambda r: r.version,
}


class DriftMetrics:
    """Drift gauges in the runtime's registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.score = Gauge(
            "lockgate_drift_score",
            "Effect size of the last closed window per monitored column (PSI or JS distance).",
            ["service", "column"],
            registry=registry,
        )
        self.detected = Gauge(
            "lockgate_drift_detected",
            "1 when the last closed window drifted from the reference, else 0.",
            ["service"],
            registry=registry,
        )


class LiveDrift:
    """Profiles one service's traffic window by window."""

    def __init__(
        self,
        service: str,
        spec: DriftSpec,
        *,
        base_dir: Path,
        store: Store,
        metrics: DriftMetrics,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        unknown = [c.name for c in spec.config.columns if c.name not in SIGNALS]
        if unknown:
            from lockgate.errors import ConfigError

            raise ConfigError(
                f"monitors.drift.config.columns name unknown signals {unknown}; "
                f"available: {', '.join(SIGNALS)}"
            )
        reference = ReferenceProfile.load(base_dir / spec.reference)
        self.service = service
        self.monitor = DriftMonitor(reference, spec.config)
        self._columns = [(c.name, SIGNALS[c.name]) for c in spec.config.columns]
        self._store = store
        self._metrics = metrics
        self._clock = clock
        self._seconds = spec.config.window.seconds
        self._min_rows = spec.config.min_rows
        self._opened = clock()

    def __call__(self, batch: Sequence[RequestRecord]) -> None:
        """Request-log sink: observe the service's successful requests."""
        for record in batch:
            if record.service != self.service or record.status != 200 or record.fallback:
                continue
            self.monitor.observe({name: read(record) for name, read in self._columns})
            if self.monitor.is_full:
                self.close()
        if self._seconds and self._clock() - self._opened >= self._seconds:
            if self.monitor.records >= self._min_rows:
                self.close()
            else:
                self._opened = self._clock()

    def close(self) -> WindowReport:
        """Test the open window, store and export the result, open the next one."""
        report = self.monitor.close_window()
        self._opened = self._clock()
        for column, score in report.scores().items():
            self._metrics.score.labels(self.service, column).set(score)
        self._metrics.detected.labels(self.service).set(1 if report.drifted else 0)
        evidence.record(
            self._store, kind="drift.window", subject=self.service, passed=not report.drifted,
            actor="gateway", details=report.to_dict(),
        )  # fmt: skip
        if report.drifted:
            log.warning(
                "drift_detected", service=self.service, window=report.window,
                columns=list(report.drifted_columns), records=report.records,
            )  # fmt: skip
        return report
