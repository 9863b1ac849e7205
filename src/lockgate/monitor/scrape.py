"""Gauges refreshed when Prometheus scrapes: breakers, flags and rollouts, from memory only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lockgate.gateway.circuit import CircuitState

if TYPE_CHECKING:
    from lockgate.gateway.runtime import Runtime

_CIRCUIT = {CircuitState.CLOSED: 0, CircuitState.HALF_OPEN: 1, CircuitState.OPEN: 2}


def refresh(runtime: Runtime) -> None:
    """Set the state gauges from the runtime's in-memory state (no I/O)."""
    metrics = runtime.metrics
    metrics.log_queue.set(runtime.request_log.depth)
    for (service_name, version_name), circuit in runtime.fallback.breakers.states().items():
        metrics.circuit.labels(service_name, version_name).set(_CIRCUIT[circuit])
    metrics.flags_stale.set(1 if runtime.flags.stale else 0)
    for flag in runtime.flags.states():
        value = flag.flag.value
        if isinstance(value, bool):
            metrics.flag.labels(flag.flag.name).set(1 if value else 0)
        elif isinstance(value, int | float):
            metrics.flag.labels(flag.flag.name).set(float(value))
    active = runtime.routing.active()
    for name, service in runtime.services.items():
        rollout = active.get(name)
        weights = dict.fromkeys(service.versions, 0.0)
        if rollout is None:
            weights[service.stable] = 100.0
        else:
            policy = runtime.routing.policy(name)
            candidate = policy.weight if policy is not None else 0.0
            weights[rollout.candidate] = candidate
            weights[rollout.baseline] = 100.0 - candidate
        for version, weight in weights.items():
            metrics.rollout_weight.labels(name, version).set(weight)
        metrics.rollout_phase.clear()
        if rollout is not None:
            metrics.rollout_phase.labels(name, rollout.phase.value).set(1)
