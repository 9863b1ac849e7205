"""``drift``: send launch-vocabulary questions until drift is noticed, then normal ones again.

The gateway's live drift monitor closes a window every ``monitors.drift.config.window`` and stores
each report as evidence (``drift.window``). Detection is the first drifted window closed after the
shift started, or a ``drift_score`` alert firing; recovery is the first window without drift
closed after normal traffic resumed. Nothing mitigates drift automatically, so mitigation is not
timed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence

from lockgate.demo.traffic import launch_messages
from lockgate.drills.errors import DrillRefused
from lockgate.drills.model import Phase, Sample, ScenarioName, Step
from lockgate.drills.scenarios.base import DrillContext, Observation, Scenario
from lockgate.drills.signals import alert_states, firing_since
from lockgate.store import evidence

DRIFT_METRIC = "drift_score"
WINDOW_KIND = "drift.window"


def _windows(ctx: DrillContext, after: dt.datetime) -> list[evidence.Proof]:
    return [p for p in evidence.since(ctx.store, WINDOW_KIND, after) if p.subject == ctx.service]


class Drift(Scenario):
    """A drifted window (or the drift alert) must follow shifted inputs; a clean one, normal."""

    name = ScenarioName.DRIFT
    steps = (Step.DETECT, Step.RECOVER)
    mitigation_by_answers = False
    recovery_by_answers = False

    def __init__(self) -> None:
        super().__init__()
        self.rules: tuple[str, ...] = ()

    async def missing(self, ctx: DrillContext) -> str | None:
        """A drift monitor configured for the service."""
        drift = ctx.manifest.monitors.drift
        if drift is None or not drift.enabled:
            return "no drift monitor is configured (monitors.drift in the manifest)"
        return None

    async def prepare(self, ctx: DrillContext) -> None:
        """Refuse while a drift alert already fires: its start could not be timed."""
        await super().prepare(ctx)
        self.rules = tuple(r.name for r in ctx.manifest.alerts.rules if r.metric == DRIFT_METRIC)
        if self.watch_alerts and self.rules:
            states = await asyncio.to_thread(alert_states, ctx.store, ctx.service) or {}
            firing = [key for key in self.rules if key in states and states[key].firing]
            if firing:
                raise DrillRefused(f"the drift alert {', '.join(firing)} is already firing")

    async def inject(self, ctx: DrillContext) -> None:
        """The shift is in the traffic (see ``messages``)."""
        ctx.facts["traffic"] = "questions about a newly launched product line"

    async def clear(self, ctx: DrillContext) -> None:
        """Normal inputs again (see ``messages``)."""
        del ctx

    def messages(self, phase: Phase) -> Sequence[str] | None:
        """Launch-vocabulary questions during the fault, customer messages otherwise."""
        return launch_messages() if phase is Phase.FAULT else None

    def noticed(self, sample: Sample) -> str | None:
        """Answers do not show drift."""
        del sample
        return None

    def alert_matters(self, key: str) -> bool:
        """Only drift alerts count."""
        return key in self.rules

    async def observe(self, ctx: DrillContext, phase: Phase, since: dt.datetime) -> Observation:
        """Detected on a drifted window or a drift alert; recovered on a clean window."""
        windows = await asyncio.to_thread(_windows, ctx, since)
        if phase is Phase.RECOVERY:
            return Observation(recovered=any(p.passed for p in windows))
        if phase is not Phase.FAULT:
            return Observation()
        if any(not p.passed for p in windows):
            return Observation(detected="drift:window")
        if self.watch_alerts and self.rules:
            states = await asyncio.to_thread(alert_states, ctx.store, ctx.service) or {}
            key = firing_since(states, since, self.alert_matters)
            if key:
                return Observation(detected=f"alert:{key}")
        return Observation()
