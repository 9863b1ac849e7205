"""One drill, start to end: baseline, fault, recovery, then the verdict.

1. **Baseline**: traffic starts; the service must answer normally (a streak of 2xx answers without
   fallback) within ``baseline_timeout``, or the drill stops before injecting anything.
2. **Fault**: the scenario injects its fault at t0. Detection is the first signal (an answer that
   shows the system noticed, or a store signal such as an alert); mitigation is the first run of
   mitigated answers (or a store signal such as the rollback). The phase ends once the needed
   steps are seen and mitigation has held for ``hold``, or after ``grace`` x the largest target.
3. **Recovery**: the fault is cleared at t1 (for a rollback: t1 is the rollback); recovery is the
   first run of normal answers sent after t1, or a store signal, within ``grace`` x its target.

The fault is cleared in ``finally`` whatever happens, and traffic always stops: a drill sends at
most rate x (baseline + fault + recovery windows) requests.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from lockgate.demo.traffic import customer_messages
from lockgate.drills.judge import Settler, StreakTracker, share, verdict
from lockgate.drills.model import (
    Check,
    DrillReport,
    Phase,
    Sample,
    Signal,
    Step,
    Timings,
    TrafficSummary,
)
from lockgate.drills.scenarios.base import DrillContext, Scenario, fault_window
from lockgate.drills.traffic import Traffic


@dataclass(frozen=True, slots=True)
class Progress:
    """A snapshot for live display."""

    phase: Phase
    elapsed: float
    traffic: TrafficSummary
    timings: Timings
    signals: tuple[Signal, ...]


OnProgress = Callable[[Progress], None]


def healthy(sample: Sample) -> bool:
    """A 2xx answer from the model (no fallback)."""
    return sample.ok and sample.fallback is None


@dataclass
class _Marks:
    """Moments seen so far (drill clock)."""

    t0: float = 0.0
    t1: float = 0.0
    detect: float | None = None
    mitigate: float | None = None
    recover: float | None = None
    fault_end: float = 0.0
    recovery_end: float = 0.0
    signals: dict[str, float] = field(default_factory=dict)

    def signal(self, name: str, at: float) -> None:
        if name not in self.signals or at < self.signals[name]:
            self.signals[name] = at
        self.detect = min(self.signals.values())

    def timings(self, steps: Sequence[Step]) -> Timings:
        def since(moment: float | None, start: float) -> float | None:
            return None if moment is None else max(0.0, moment - start)

        return Timings(
            detect=since(self.detect, self.t0) if Step.DETECT in steps else None,
            mitigate=since(self.mitigate, self.t0) if Step.MITIGATE in steps else None,
            recover=since(self.recover, self.t1) if Step.RECOVER in steps else None,
        )


class DrillRunner:
    """Runs ``scenario`` in ``ctx``; ``run`` returns the report (the caller records it)."""

    def __init__(
        self,
        scenario: Scenario,
        ctx: DrillContext,
        *,
        on_progress: OnProgress | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.scenario = scenario
        self.ctx = ctx
        self.settings = ctx.settings
        self._on_progress = on_progress
        self._clock = clock
        self._marks = _Marks()
        self._started = clock()
        self._normal_messages = customer_messages()
        self.traffic = Traffic(
            ctx.client.chat,
            rate=self.settings.rate,
            max_in_flight=self.settings.max_in_flight,
            clock=clock,
            messages=self._normal_messages,
            user_prefix=f"drill-{scenario.name.value}",
        )

    def _report(
        self, *, passed: bool = False, reasons: Sequence[str] = (), checks: tuple[Check, ...] = ()
    ) -> DrillReport:
        return DrillReport(
            scenario=self.scenario.name,
            service=self.ctx.service,
            started_at=self._started_at,
            available=True,
            passed=passed,
            timings=self._marks.timings(self.scenario.steps),
            checks=checks,
            signals=self._signals(),
            traffic=self.traffic.summary(),
            reasons=tuple(reasons),
            settings=self.settings,
            facts=dict(self.ctx.facts),
        )

    def _signals(self) -> tuple[Signal, ...]:
        marks = self._marks
        found = (Signal(name, at - marks.t0) for name, at in marks.signals.items())
        return tuple(sorted(found, key=lambda s: s.after))

    def _progress(self, phase: Phase) -> None:
        if self._on_progress is None:
            return
        self._on_progress(
            Progress(
                phase=phase,
                elapsed=self._clock() - self._started,
                traffic=self.traffic.summary(),
                timings=self._marks.timings(self.scenario.steps),
                signals=self._signals(),
            )
        )

    def _enter(self, phase: Phase) -> None:
        self.traffic.use(self.scenario.messages(phase) or self._normal_messages)
        self._progress(phase)

    async def run(self) -> DrillReport:
        """The drill; "not available" without touching anything when machinery is missing."""
        self._started_at = self.ctx.now()
        missing = await self.scenario.missing(self.ctx)
        if missing is not None:
            return DrillReport(
                self.scenario.name,
                self.ctx.service,
                self._started_at,
                available=False,
                missing=missing,
                settings=self.settings,
            )
        await self.scenario.prepare(self.ctx)
        stop = asyncio.Event()
        sending = asyncio.create_task(self.traffic.run(stop))
        try:
            return await self._drill()
        finally:
            try:
                await self.scenario.clear(self.ctx)
            finally:
                stop.set()
                await sending

    async def _drill(self) -> DrillReport:
        baseline = await self._baseline()
        if baseline is None:
            summary = self.traffic.summary().as_dict()["statuses"]
            return self._report(
                reasons=[
                    (
                        "the service did not answer normally before the fault "
                        f"(statuses so far: {summary}); nothing was injected"
                    )
                ]
            )
        self.scenario.calibrate(self.ctx, baseline)
        await self._fault()
        await self._recovery()
        self._enter(Phase.DONE)
        return self._judge()

    async def _baseline(self) -> list[Sample] | None:
        self._enter(Phase.BASELINE)
        start = self._clock()
        tracker = StreakTracker(healthy, streak=self.settings.streak, after=start)
        settler = Settler()
        while self._clock() - start < self.settings.baseline_timeout:
            await asyncio.sleep(self.settings.poll)
            if tracker.feed(settler.take(self.traffic.samples, self.traffic.horizon())):
                return [s for s in self.traffic.samples if s.sent >= start]
            self._progress(Phase.BASELINE)
        return None

    def _needed(self) -> set[Step]:
        steps, targets = self.scenario.steps, self.settings.targets
        needed: set[Step] = {
            s for s in (Step.DETECT, Step.MITIGATE) if s in steps and targets.get(s) is not None
        }
        return needed or {Step.DETECT}

    async def _fault(self) -> None:
        marks, scenario, ctx = self._marks, self.scenario, self.ctx
        marks.t0 = self._clock()
        since = ctx.now()
        await scenario.inject(ctx)
        self._enter(Phase.FAULT)
        deadline = marks.t0 + fault_window(self.settings)
        mitigation = StreakTracker(scenario.mitigated, streak=self.settings.streak, after=marks.t0)
        settler, seen = Settler(), 0
        needed = self._needed()
        while True:
            await asyncio.sleep(self.settings.poll)
            now = self._clock()
            samples = self.traffic.samples
            for sample in samples[seen:]:
                name = scenario.noticed(sample) if sample.sent >= marks.t0 else None
                if name:
                    marks.signal(name, sample.done)
            seen = len(samples)
            observed = await scenario.observe(ctx, Phase.FAULT, since)
            if observed.detected:
                marks.signal(observed.detected, now)
            if scenario.mitigation_by_answers:
                start = mitigation.feed(settler.take(samples, self.traffic.horizon()))
                marks.mitigate = start.done if start else None
            elif observed.mitigated and marks.mitigate is None:
                marks.mitigate = now
            self._progress(Phase.FAULT)
            moments = [
                {Step.DETECT: marks.detect, Step.MITIGATE: marks.mitigate}[s] for s in needed
            ]
            seen_all = all(m is not None for m in moments)
            if seen_all and now - max(m for m in moments if m is not None) >= self._hold():
                break
            if now >= deadline:
                break
        marks.fault_end = self._clock()

    def _hold(self) -> float:
        return 0.0 if self.scenario.recovery_from_mitigation else self.settings.hold

    async def _recovery(self) -> None:
        marks, scenario, ctx = self._marks, self.scenario, self.ctx
        if scenario.recovery_from_mitigation and marks.mitigate is not None:
            marks.t1 = marks.mitigate
        else:
            marks.t1 = self._clock()
        await scenario.clear(ctx)
        self._enter(Phase.RECOVERY)
        since = ctx.now()
        deadline = self._clock() + self.settings.window(Step.RECOVER)
        recovery = StreakTracker(scenario.normal, streak=self.settings.streak, after=marks.t1)
        settler = Settler()
        while marks.recover is None and self._clock() < deadline:
            await asyncio.sleep(self.settings.poll)
            if scenario.recovery_by_answers:
                start = recovery.feed(settler.take(self.traffic.samples, self.traffic.horizon()))
                marks.recover = start.done if start else None
            elif (await scenario.observe(ctx, Phase.RECOVERY, since)).recovered:
                marks.recover = self._clock()
            self._progress(Phase.RECOVERY)
        marks.recovery_end = self._clock()

    def _judge(self) -> DrillReport:
        marks, scenario = self._marks, self.scenario
        waited = {
            Step.DETECT: marks.fault_end - marks.t0,
            Step.MITIGATE: marks.fault_end - marks.t0,
            Step.RECOVER: marks.recovery_end - marks.t1,
        }
        timings = marks.timings(scenario.steps)
        checks, passed = verdict(timings, self.settings.targets, waited, steps=scenario.steps)
        if scenario.mitigation_by_answers and Step.MITIGATE in scenario.steps:
            held = share(self.traffic.samples, scenario.mitigated, start=marks.t0, end=marks.t1)
            self.ctx.facts["mitigated_share"] = None if held is None else round(held, 4)
        reasons = [f"{c.step.value}: {c.note}" for c in checks if not c.passed]
        return self._report(passed=passed, reasons=reasons, checks=checks)
