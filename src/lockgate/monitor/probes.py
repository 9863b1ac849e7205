"""Synthetic probes: the golden set runs on a schedule against every serving version.

A broken release is then seen even when no user complains: the pass rate is a gauge
(``lockgate_golden_pass_rate``) that alert rules can use (metric ``golden_pass_rate`` is not in
the request log, so alert on the exported gauge in Prometheus), and each run is evidence
(kind ``probe``, subject ``service/version``). Only the lease holder probes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

import structlog
from prometheus_client import CollectorRegistry, Gauge

from lockgate.manifest import LoadedManifest
from lockgate.rollout.preflight import GoldenSetPreflight
from lockgate.rollout.routing import ActiveRollout
from lockgate.store import evidence
from lockgate.store.db import Store

log = structlog.get_logger("lockgate.probes")


class GoldenProbes:
    """Runs the golden set against the stable version and any rollout candidate."""

    def __init__(
        self,
        *,
        loaded: Callable[[], LoadedManifest],
        preflight: GoldenSetPreflight,
        store: Store,
        registry: CollectorRegistry,
        is_leader: Callable[[], bool],
        active: Callable[[], Mapping[str, ActiveRollout]],
    ) -> None:
        self._loaded = loaded
        self._preflight = preflight
        self._store = store
        self._is_leader = is_leader
        self._active = active
        self.pass_rate = Gauge(
            "lockgate_golden_pass_rate",
            "Share of golden-set cases answered as expected in the last probe run.",
            ["service", "version"],
            registry=registry,
        )

    def serving(self) -> list[str]:
        """The stable version and the candidate of a running rollout."""
        manifest = self._loaded().manifest
        versions = [manifest.stable_version]
        rollout = self._active().get(manifest.service.name)
        if rollout is not None and rollout.candidate not in versions:
            versions.append(rollout.candidate)
        return versions

    async def probe_once(self) -> dict[str, float]:
        """One run over the serving versions; returns pass rates by version."""
        manifest = self._loaded().manifest
        golden_set = manifest.monitors.probes.golden_set or manifest.rollout.golden_set
        if golden_set is None:
            return {}
        settings = manifest.rollout.analysis.preflight
        service = manifest.service.name
        rates: dict[str, float] = {}
        for version in self.serving():
            result = await self._preflight.golden_check(service, version, golden_set, settings)
            rate = result.data.get("pass_rate")
            if isinstance(rate, float):
                rates[version] = rate
                self.pass_rate.labels(service, version).set(rate)
            passed = isinstance(rate, float) and rate >= manifest.monitors.probes.pass_threshold
            await asyncio.to_thread(
                evidence.record, self._store, kind="probe", subject=f"{service}/{version}",
                passed=passed, actor="gateway", details={"reason": result.reason, **result.data},
            )  # fmt: skip
        return rates

    async def run(self) -> None:
        """Probe every ``monitors.probes.interval`` while this replica holds the lease."""
        while True:
            await asyncio.sleep(self._loaded().manifest.monitors.probes.interval)
            if not self._is_leader():
                continue
            try:
                await self.probe_once()
            except Exception:  # a probe failure must not stop the loop
                log.exception("golden_probe_failed")
