"""Periodic jobs of a gateway process: retention purge (lease holder only) and slow gauges.

The gauges read the store every ``GAUGE_PERIOD`` seconds on every replica (cheap aggregate
queries); the purge runs on the replica that holds the rollout lease, so exactly one deletes.
"""

from __future__ import annotations

from collections.abc import Callable

import structlog
from prometheus_client import CollectorRegistry, Gauge

from lockgate.manifest import LoadedManifest
from lockgate.monitor.quality import by_version
from lockgate.privacy.retention import oldest_ages, purge_once
from lockgate.store.db import Store

log = structlog.get_logger("lockgate.housekeeping")

GAUGE_PERIOD = 30.0
PURGE_PERIOD = 3600.0
QUALITY_WINDOW = 3600.0


class Housekeeping:
    """Retention and slow-moving gauges."""

    def __init__(
        self,
        store: Store,
        loaded: Callable[[], LoadedManifest],
        registry: CollectorRegistry,
        *,
        is_leader: Callable[[], bool],
    ) -> None:
        self._store = store
        self._loaded = loaded
        self._is_leader = is_leader
        self.oldest = Gauge(
            "lockgate_retention_oldest_seconds",
            "Age of the oldest stored record per data class.",
            ["data_class"],
            registry=registry,
        )
        self.quality = Gauge(
            "lockgate_quality_score",
            "Answer quality from feedback over the last hour (accuracy, else thumbs-up rate).",
            ["service", "version"],
            registry=registry,
        )
        self.feedback = Gauge(
            "lockgate_quality_feedback",
            "Feedback received over the last hour.",
            ["service", "version"],
            registry=registry,
        )

    def gauges(self) -> None:
        """Refresh the retention and quality gauges (blocking; run in a thread)."""
        for data_class, age in oldest_ages(self._store).items():
            self.oldest.labels(data_class).set(age if age is not None else 0.0)
        service = self._loaded().manifest.service.name
        for version, quality in by_version(self._store, service, window=QUALITY_WINDOW).items():
            self.feedback.labels(service, version).set(quality.feedback)
            if quality.score is not None:
                self.quality.labels(service, version).set(quality.score)

    def purge(self) -> None:
        """Delete what outlived its retention, on the lease holder only."""
        if not self._is_leader():
            return
        report = purge_once(self._store, self._loaded().manifest)
        log.info("retention_purge", deleted=report.counts, unmanaged=list(report.unmanaged))
