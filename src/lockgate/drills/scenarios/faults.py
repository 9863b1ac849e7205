"""``upstream-down`` and ``latency-spike``: faults injected on the stable version's upstream."""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Sequence
from typing import ClassVar

from lockgate.auth.scopes import Scope
from lockgate.drills.model import Sample, ScenarioName
from lockgate.drills.scenarios.base import TTL_MARGIN, DrillContext, Scenario, fault_window
from lockgate.drills.signals import alert_states, evaluator_missing
from lockgate.manifest import Manifest
from lockgate.manifest.reliability import SLIKind

MIN_SPIKE = 1.0
MAX_SPIKE = 60.0


class _InjectedFault(Scenario):
    """A fault through ``/admin/v1/faults`` that expires by itself shortly after the drill."""

    scopes: ClassVar[frozenset[Scope]] = frozenset({Scope.INVOKE, Scope.ROLLOUTS_WRITE})
    kind: ClassVar[str]

    def __init__(self) -> None:
        super().__init__()
        self.fault_id: str | None = None

    def fault(self, ctx: DrillContext) -> dict[str, object]:
        """The fault's body, without service, version and lifetime."""
        raise NotImplementedError

    async def inject(self, ctx: DrillContext) -> None:
        """Inject the fault on the stable version, for all of its requests."""
        ttl = fault_window(ctx.settings) + TTL_MARGIN
        created = await ctx.client.inject_fault(
            service=ctx.service,
            version=ctx.stable,
            share=1.0,
            ttl=f"{ttl:.3f}s",
            reason=f"drill {self.name.value}",
            **self.fault(ctx),
        )
        self.fault_id = str(created["id"])
        ctx.facts["fault"] = created

    async def clear(self, ctx: DrillContext) -> None:
        """End the fault now."""
        if self.fault_id is not None:
            fault_id, self.fault_id = self.fault_id, None
            await ctx.client.clear_fault(fault_id)


class UpstreamDown(_InjectedFault):
    """The stable version's upstream is unreachable: the fallback chain must serve."""

    name = ScenarioName.UPSTREAM_DOWN
    kind = "unreachable"

    def fault(self, ctx: DrillContext) -> dict[str, object]:
        """Every request to the stable version fails to connect."""
        del ctx
        return {"kind": self.kind}


def latency_alerts(manifest: Manifest) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Keys of latency rules, and key prefixes of latency SLO alerts."""
    rules = tuple(r.name for r in manifest.alerts.rules if r.metric == "latency_p95")
    slos = tuple(f"slo:{s.name}:" for s in manifest.slos if s.sli is SLIKind.LATENCY)
    return rules, slos


def spike_seconds(manifest: Manifest) -> float:
    """The delay to inject: the manifest's, else twice the slowest latency threshold."""
    configured = manifest.drills.latency_spike.latency
    if configured is not None:
        return configured
    thresholds = [r.threshold for r in manifest.alerts.rules if r.metric == "latency_p95"]
    thresholds += [s.threshold for s in manifest.slos if s.threshold is not None]
    return min(max(MIN_SPIKE, 2 * max(thresholds, default=0.0)), MAX_SPIKE)


class LatencySpike(_InjectedFault):
    """The stable version answers slowly: a latency alert must notice it."""

    name = ScenarioName.LATENCY_SPIKE
    kind = "latency"

    def __init__(self) -> None:
        super().__init__()
        self.spike = MIN_SPIKE
        self.slow = MIN_SPIKE / 2
        self._rules: tuple[str, ...] = ()
        self._slos: tuple[str, ...] = ()

    async def missing(self, ctx: DrillContext) -> str | None:
        """A latency alert and a running evaluator: nothing else notices slow answers."""
        self._rules, self._slos = latency_alerts(ctx.manifest)
        if not self._rules and not self._slos:
            return "the manifest has no latency alert (a latency_p95 rule or a latency SLO)"
        return evaluator_missing(
            await asyncio.to_thread(alert_states, ctx.store, ctx.service),
            interval=ctx.manifest.alerts.interval,
            now=ctx.now(),
        )

    def calibrate(self, ctx: DrillContext, baseline: Sequence[Sample]) -> None:
        """Slow means: the baseline's median latency plus half the spike."""
        self.spike = spike_seconds(ctx.manifest)
        typical = statistics.median(s.latency for s in baseline) if baseline else 0.0
        self.slow = typical + self.spike / 2
        ctx.facts["latency"] = {"spike": self.spike, "slow_above": round(self.slow, 4)}

    def fault(self, ctx: DrillContext) -> dict[str, object]:
        """Every request to the stable version waits ``spike`` seconds first."""
        del ctx
        return {"kind": self.kind, "latency_ms": round(self.spike * 1000, 3)}

    def alert_matters(self, key: str) -> bool:
        """Only latency alerts count."""
        return key in self._rules or key.startswith(self._slos)

    def normal(self, sample: Sample) -> bool:
        """Fast and from the model."""
        return sample.ok and sample.fallback is None and sample.latency < self.slow
