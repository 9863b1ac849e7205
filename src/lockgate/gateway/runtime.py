"""Everything a running gateway holds, built once from a manifest: no module globals."""

from __future__ import annotations

import os
import secrets
import socket
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from opentelemetry.sdk.trace.export import SpanExporter
from prometheus_client import CollectorRegistry

from lockgate.auth.keyring import KeyRing
from lockgate.errors import ConfigError
from lockgate.flags import from_manifest
from lockgate.flags.cache import FlagCache
from lockgate.gateway.circuit import Breakers
from lockgate.gateway.fallback import FallbackChain
from lockgate.gateway.faults import FaultTable
from lockgate.gateway.handoff import HandoffDesk
from lockgate.gateway.router import Router
from lockgate.gateway.services import ServiceRuntime, build_services
from lockgate.gateway.shadow import ShadowSender
from lockgate.gateway.switches import FlagKillSwitch, KillSwitch
from lockgate.gateway.upstream import AiohttpUpstream, Upstream
from lockgate.manifest import LoadedManifest
from lockgate.manifest.gateway import GatewaySettings
from lockgate.monitor.contract import Contract
from lockgate.monitor.housekeeping import Housekeeping
from lockgate.monitor.metrics import GatewayMetrics
from lockgate.monitor.probes import GoldenProbes
from lockgate.monitor.tracing import Tracing
from lockgate.privacy.interactions import InteractionSink
from lockgate.readiness.hook import production_gate
from lockgate.rollout.controller import RolloutController
from lockgate.rollout.measure import MeasurementSink
from lockgate.rollout.notify import webhooks
from lockgate.rollout.preflight import GoldenSetPreflight
from lockgate.rollout.routing import RoutingWatcher
from lockgate.store.db import Store
from lockgate.store.locate import open_store
from lockgate.store.requestlog import RequestLogWriter, log_requests


@dataclass
class Runtime:
    """The gateway's state: configuration, store, keys, routing, upstream client, telemetry."""

    loaded: LoadedManifest
    store: Store
    keyring: KeyRing
    services: dict[str, ServiceRuntime]
    router: Router
    upstream: Upstream
    registry: CollectorRegistry
    metrics: GatewayMetrics
    request_log: RequestLogWriter
    fallback: FallbackChain
    handoffs: HandoffDesk
    faults: FaultTable
    tracing: Tracing
    flags: FlagCache
    kill_switch: KillSwitch
    replica_id: str
    routing: RoutingWatcher
    measurements: MeasurementSink
    rollouts: RolloutController
    shadow: ShadowSender
    started_at: float = field(default_factory=time.monotonic)

    revision_id: int | None = None
    services_holder: _ServicesHolder = field(init=False)
    housekeeping: Housekeeping = field(init=False)
    probes: GoldenProbes = field(init=False)
    contract: Contract | None = field(init=False)

    @property
    def settings(self) -> GatewaySettings:
        """The manifest's gateway section."""
        return self.loaded.manifest.gateway

    def reconfigure(self, loaded: LoadedManifest, revision_id: int | None) -> None:
        """Switch to ``loaded`` without dropping requests; raises (and keeps the old) if invalid.

        Versions, fallbacks and limits change at once. The store and the request log are bound
        at start: a changed ``gateway.database_url``, ``data_dir`` or ``request_log`` needs a
        restart, which the watcher logs.
        """
        old, new = self.loaded.manifest, loaded.manifest
        if new.service.name != old.service.name:
            raise ConfigError(
                f"this gateway serves {old.service.name!r}; a manifest for {new.service.name!r} "
                "needs its own gateway"
            )
        services = build_services(loaded)
        self.fallback.reconfigure(new.fallback)
        self.services = services
        self.contract = load_contract(loaded)
        self.services_holder.current = services
        self.loaded = loaded
        self.revision_id = revision_id


def build_runtime(
    loaded: LoadedManifest,
    *,
    store: Store | None = None,
    upstream: Upstream | None = None,
    registry: CollectorRegistry | None = None,
    span_exporter: SpanExporter | None = None,
) -> Runtime:
    """A runtime for ``loaded``; tests pass their own store, upstream or registry."""
    store = store or open_store(loaded)
    registry = registry or CollectorRegistry()
    metrics = GatewayMetrics(registry)
    spec = loaded.manifest.fallback
    desk = HandoffDesk(store)
    faults = FaultTable()
    manifest = loaded.manifest
    tracing = Tracing(
        manifest.telemetry.tracing,
        service=manifest.service.name,
        exporter=span_exporter,
        base_dir=loaded.base_dir,
    )
    flags = FlagCache(store, from_manifest(manifest))
    request_log = RequestLogWriter(store, manifest.gateway.request_log, metrics)
    if manifest.telemetry.request_logs:
        request_log.add_sink(log_requests)
    drift = manifest.monitors.drift
    if drift is not None and drift.enabled:
        from lockgate.monitor.live_drift import DriftMetrics, LiveDrift  # numpy, scipy: only here

        request_log.add_sink(
            LiveDrift(
                manifest.service.name, drift, base_dir=loaded.base_dir, store=store,
                metrics=DriftMetrics(registry),
            )
        )  # fmt: skip
    replica_id = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
    router = Router()
    services = build_services(loaded)
    holder = _ServicesHolder(services)
    routing = RoutingWatcher(store, router, holder)
    measurements = MeasurementSink(store, replica_id, routing.active)
    request_log.add_sink(measurements)
    upstream = upstream or AiohttpUpstream()
    preflight = GoldenSetPreflight(
        holder, upstream, loaded.base_dir, readiness=production_gate(lambda: runtime.loaded, store),
        contract=lambda: runtime.contract,
    )  # fmt: skip
    rollouts = RolloutController(store, replica_id, webhooks(loaded), preflight=preflight)
    runtime = Runtime(
        loaded=loaded,
        store=store,
        keyring=KeyRing(store),
        services=services,
        router=router,
        upstream=upstream,
        registry=registry,
        metrics=metrics,
        request_log=request_log,
        fallback=FallbackChain(spec, Breakers(spec.circuit_breaker), desk, faults, tracing),
        handoffs=desk,
        faults=faults,
        tracing=tracing,
        flags=flags,
        kill_switch=FlagKillSwitch(flags),
        replica_id=replica_id,
        routing=routing,
        measurements=measurements,
        rollouts=rollouts,
        shadow=ShadowSender(upstream, measurements.shadow_result),
    )
    runtime.contract = load_contract(loaded)
    runtime.services_holder = holder
    request_log.add_sink(InteractionSink(store, lambda: runtime.loaded))
    runtime.probes = GoldenProbes(
        loaded=lambda: runtime.loaded, preflight=preflight, store=store, registry=registry,
        is_leader=lambda: rollouts.leader, active=routing.active,
    )  # fmt: skip
    runtime.housekeeping = Housekeeping(
        store, lambda: runtime.loaded, registry, is_leader=lambda: rollouts.leader
    )
    return runtime


class _ServicesHolder(Mapping[str, ServiceRuntime]):
    """A live view of the runtime's services, so hot reloads reach routing and pre-flight."""

    def __init__(self, services: dict[str, ServiceRuntime]) -> None:
        self.current = services

    def __getitem__(self, name: str) -> ServiceRuntime:
        return self.current[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.current)

    def __len__(self) -> int:
        return len(self.current)


def load_contract(loaded: LoadedManifest) -> Contract | None:
    """The manifest's output contract, compiled, or None."""
    spec = loaded.manifest.monitors.output.contract
    return Contract.load(spec, loaded.base_dir) if spec is not None else None
