"""``bad-release``: start a canary of a known-bad version and wait for the automatic rollback.

The rollout is started in the store, as ``lockgate rollout start`` does, by the drill's operator;
the gateways' rollout controller must notice the bad analysis and roll back on its own. Recovery
is timed from the rollback to the first run of answers all served by the baseline again. A rollout
still running when the drill ends is rolled back by the drill, and the report says so.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from lockgate.drills.errors import DrillRefused
from lockgate.drills.model import Phase, Sample, ScenarioName
from lockgate.drills.scenarios.base import DrillContext, Observation, Scenario
from lockgate.drills.signals import alert_states, controller_missing, firing_since
from lockgate.errors import ConfigError

FAILED_PHASES = frozenset({"aborting", "rolled_back"})


def candidate_of(ctx: DrillContext) -> str:
    """The bad version named in the manifest; a configuration error when unusable."""
    candidate = ctx.manifest.drills.bad_release.candidate
    if candidate is None:
        raise ConfigError(
            "name the bad release to roll out: drills.bad_release.candidate in the manifest"
        )
    if candidate not in ctx.manifest.versions:
        raise ConfigError(f"drills.bad_release.candidate {candidate!r} is not under `versions`")
    if candidate == ctx.stable:
        raise ConfigError(
            f"drills.bad_release.candidate {candidate!r} is the stable version; name a bad one"
        )
    return candidate


class BadRelease(Scenario):
    """The canary analysis must catch the bad version and roll it back."""

    name = ScenarioName.BAD_RELEASE
    mitigation_by_answers = False
    recovery_from_mitigation = True

    def __init__(self) -> None:
        super().__init__()
        self.candidate = ""
        self.baseline = ""
        self.rollout_id: str | None = None

    async def missing(self, ctx: DrillContext) -> str | None:
        """A rollout controller holding its lease (and a bad version named in the manifest)."""
        reason = await asyncio.to_thread(controller_missing, ctx.store, ctx.now())
        if reason is None:
            self.candidate = candidate_of(ctx)
        return reason

    async def prepare(self, ctx: DrillContext) -> None:
        """Refuse while a real rollout of the service runs."""
        from lockgate.rollout import service

        await super().prepare(ctx)
        records = await asyncio.to_thread(service.status, ctx.store, service=ctx.service, limit=1)
        if records and records[0].active:
            raise DrillRefused(
                f"rollout {records[0].id[:12]} of {ctx.service} is {records[0].phase}; "
                "a drill does not interrupt a real rollout"
            )

    async def inject(self, ctx: DrillContext) -> None:
        """Start the canary of the bad version."""
        from lockgate.rollout import service

        record = await asyncio.to_thread(
            service.start,
            ctx.store,
            ctx.manifest,
            service=ctx.service,
            version=self.candidate,
            actor=service.Actor(ctx.actor),
            override=True,
            reason=f"drill bad-release: canary of {self.candidate}, which must be rolled back",
        )
        self.rollout_id, self.baseline = record.id, record.baseline
        ctx.facts["rollout"] = {
            "id": record.id,
            "candidate": record.candidate,
            "baseline": record.baseline,
        }

    async def clear(self, ctx: DrillContext) -> None:
        """Roll back a rollout the controller left running."""
        from lockgate.rollout import service

        rollout_id = self.rollout_id
        if rollout_id is None:
            return
        self.rollout_id = None
        records = await asyncio.to_thread(service.status, ctx.store, service=ctx.service, limit=1)
        if records and records[0].id == rollout_id and records[0].active:
            await asyncio.to_thread(
                service.rollback,
                ctx.store,
                ctx.service,
                actor=service.Actor(ctx.actor),
                reason="drill bad-release: not rolled back automatically in time",
            )
            ctx.facts["rolled_back_by"] = "drill"
        elif records and records[0].id == rollout_id:
            ctx.facts["final_phase"] = str(records[0].phase)

    def noticed(self, sample: Sample) -> str | None:
        """Answers cannot show that the analysis failed."""
        del sample
        return None

    def normal(self, sample: Sample) -> bool:
        """Served by the baseline, without fallback."""
        return sample.ok and sample.fallback is None and sample.version == self.baseline

    async def observe(self, ctx: DrillContext, phase: Phase, since: dt.datetime) -> Observation:
        """The rollout's phase (failed, rolled back) and any alert that started firing."""
        from lockgate.rollout import service

        if phase is not Phase.FAULT or self.rollout_id is None:
            return Observation()
        records = await asyncio.to_thread(service.status, ctx.store, service=ctx.service, limit=1)
        record = records[0] if records and records[0].id == self.rollout_id else None
        if record is None:
            return Observation()
        ctx.facts["phase"] = str(record.phase)
        if str(record.phase) in FAILED_PHASES:
            return Observation(
                detected="rollout:analysis-failed", mitigated=str(record.phase) == "rolled_back"
            )
        if self.watch_alerts:
            states = await asyncio.to_thread(alert_states, ctx.store, ctx.service)
            key = firing_since(states or {}, since)
            if key:
                return Observation(detected=f"alert:{key}")
        return Observation()
