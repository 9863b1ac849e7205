"""What every scenario provides to the runner, and the defaults most of them share.

A scenario injects its fault, says which answers show that the system noticed it, which show it
was mitigated and which are normal again, and may watch the store (alerts, rollouts) for signals
that answers cannot show. It clears its fault when asked, and again, harmlessly, at cleanup.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from lockgate.auth.scopes import Scope
from lockgate.drills.client import GatewayClient
from lockgate.drills.model import Phase, Sample, ScenarioName, Settings, Step
from lockgate.drills.signals import alert_states, evaluator_missing, firing_since
from lockgate.manifest import Manifest
from lockgate.store.db import Store
from lockgate.store.faults import MAX_TTL

TTL_MARGIN = 30.0
"""Injected faults outlive the drill's fault phase by this much, then expire by themselves."""


def utc_now() -> dt.datetime:
    """The current time, aware and in UTC."""
    return dt.datetime.now(dt.UTC)


def fault_window(settings: Settings) -> float:
    """Longest fault phase: waiting for detection and mitigation, then the hold (TTL-bounded)."""
    window = settings.window(Step.DETECT, Step.MITIGATE) + settings.hold
    return min(window, MAX_TTL - TTL_MARGIN)


@dataclass
class DrillContext:
    """What a scenario works with during one drill."""

    client: GatewayClient
    store: Store
    manifest: Manifest
    settings: Settings
    actor: str
    now: Callable[[], dt.datetime] = utc_now
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def service(self) -> str:
        """The service under drill."""
        return self.manifest.service.name

    @property
    def stable(self) -> str:
        """Its stable version."""
        return self.manifest.stable_version


@dataclass(frozen=True, slots=True)
class Observation:
    """What the store showed at one poll."""

    detected: str | None = None
    mitigated: bool = False
    recovered: bool = False


class Scenario:
    """Defaults: noticed and mitigated by fallback answers, normal means no fallback."""

    name: ClassVar[ScenarioName]
    scopes: ClassVar[frozenset[Scope]] = frozenset({Scope.INVOKE})
    steps: ClassVar[tuple[Step, ...]] = tuple(Step)
    mitigation_by_answers: ClassVar[bool] = True
    recovery_by_answers: ClassVar[bool] = True
    recovery_from_mitigation: ClassVar[bool] = False
    """Recovery is timed from mitigation (a rollback) rather than from clearing the fault."""

    def __init__(self) -> None:
        self.watch_alerts = False

    async def missing(self, ctx: DrillContext) -> str | None:
        """What is missing for this scenario to run, or None."""
        del ctx
        return None

    async def prepare(self, ctx: DrillContext) -> None:
        """Before any traffic: check the starting state, remember what ``clear`` restores."""
        reason = evaluator_missing(
            await asyncio.to_thread(alert_states, ctx.store, ctx.service),
            interval=ctx.manifest.alerts.interval,
            now=ctx.now(),
        )
        self.watch_alerts = reason is None
        ctx.facts["alerts"] = "watched" if reason is None else f"not watched: {reason}"

    def calibrate(self, ctx: DrillContext, baseline: Sequence[Sample]) -> None:
        """Learn from the answers before the fault (e.g. their usual latency)."""
        del ctx, baseline

    async def inject(self, ctx: DrillContext) -> None:
        """Start the incident."""
        raise NotImplementedError

    async def clear(self, ctx: DrillContext) -> None:
        """End the incident; safe to call again and when nothing was injected."""
        raise NotImplementedError

    def messages(self, phase: Phase) -> Sequence[str] | None:
        """Messages to send from ``phase`` on, or None to keep the customer messages."""
        del phase
        return None

    def noticed(self, sample: Sample) -> str | None:
        """The signal this answer shows, when it shows the system noticed the fault."""
        return f"fallback:{sample.fallback}" if sample.fallback else None

    def mitigated(self, sample: Sample) -> bool:
        """Users are served despite the fault: by the fallback chain."""
        return sample.ok and sample.fallback is not None

    def normal(self, sample: Sample) -> bool:
        """An answer as if nothing had happened."""
        return sample.ok and sample.fallback is None

    def alert_matters(self, key: str) -> bool:
        """Whether a firing alert ``key`` counts as noticing this fault (default: any)."""
        del key
        return True

    async def observe(self, ctx: DrillContext, phase: Phase, since: dt.datetime) -> Observation:
        """Store signals: by default, an alert that started firing after the fault."""
        if phase is not Phase.FAULT or not self.watch_alerts:
            return Observation()
        states = await asyncio.to_thread(alert_states, ctx.store, ctx.service)
        key = firing_since(states or {}, since, self.alert_matters)
        return Observation(detected=f"alert:{key}" if key else None)
