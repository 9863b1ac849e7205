"""Everything a running gateway holds, built once from a manifest: no module globals."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry

from lockgate.auth.keyring import KeyRing
from lockgate.gateway.circuit import Breakers
from lockgate.gateway.fallback import FallbackChain
from lockgate.gateway.faults import FaultTable
from lockgate.gateway.handoff import HandoffDesk
from lockgate.gateway.router import Router
from lockgate.gateway.services import ServiceRuntime, build_services
from lockgate.gateway.switches import AlwaysEnabled, KillSwitch
from lockgate.gateway.upstream import AiohttpUpstream, Upstream
from lockgate.manifest import LoadedManifest
from lockgate.manifest.gateway import GatewaySettings
from lockgate.monitor.metrics import GatewayMetrics
from lockgate.store.db import Store
from lockgate.store.locate import open_store
from lockgate.store.requestlog import RequestLogWriter


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
    kill_switch: KillSwitch = field(default_factory=AlwaysEnabled)
    started_at: float = field(default_factory=time.monotonic)

    @property
    def settings(self) -> GatewaySettings:
        """The manifest's gateway section."""
        return self.loaded.manifest.gateway


def build_runtime(
    loaded: LoadedManifest,
    *,
    store: Store | None = None,
    upstream: Upstream | None = None,
    registry: CollectorRegistry | None = None,
) -> Runtime:
    """A runtime for ``loaded``; tests pass their own store, upstream or registry."""
    store = store or open_store(loaded)
    registry = registry or CollectorRegistry()
    metrics = GatewayMetrics(registry)
    spec = loaded.manifest.fallback
    desk = HandoffDesk(store)
    faults = FaultTable()
    return Runtime(
        loaded=loaded,
        store=store,
        keyring=KeyRing(store),
        services=build_services(loaded),
        router=Router(),
        upstream=upstream or AiohttpUpstream(),
        registry=registry,
        metrics=metrics,
        request_log=RequestLogWriter(store, loaded.manifest.gateway.request_log, metrics),
        fallback=FallbackChain(spec, Breakers(spec.circuit_breaker), desk, faults),
        handoffs=desk,
        faults=faults,
    )
