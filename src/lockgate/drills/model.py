"""The values a drill works with: scenarios, answers seen, settings, timings and the report."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from lockgate.manifest.drills import DrillTargets, ScenarioTargets

DEFAULT_WINDOW = 60.0
"""How long a step without a target may take before the drill stops waiting (seconds)."""


class ScenarioName(StrEnum):
    """The incidents a drill can rehearse."""

    UPSTREAM_DOWN = "upstream-down"
    LATENCY_SPIKE = "latency-spike"
    BAD_RELEASE = "bad-release"
    KILL_SWITCH = "kill-switch"
    DRIFT = "drift"

    @property
    def key(self) -> str:
        """The scenario's key under the manifest's ``drills`` section."""
        return self.value.replace("-", "_")


class Phase(StrEnum):
    """Where a running drill is."""

    BASELINE = "baseline"
    FAULT = "fault"
    RECOVERY = "recovery"
    DONE = "done"


class Step(StrEnum):
    """What a drill times."""

    DETECT = "detect"
    MITIGATE = "mitigate"
    RECOVER = "recover"


@dataclass(frozen=True, slots=True)
class Sample:
    """One answer the drill's traffic got (times in seconds on the drill's monotonic clock)."""

    sent: float
    done: float
    status: int
    """HTTP status, or 0 when the request failed before an answer (connection refused...)."""
    version: str | None = None
    fallback: str | None = None
    error: str | None = None
    """The error code of an error answer, or the transport error's name."""

    @property
    def latency(self) -> float:
        """Seconds from sending to the complete answer."""
        return self.done - self.sent

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return 200 <= self.status < 300


@dataclass(frozen=True, slots=True)
class Targets:
    """Per-step targets in seconds; None means measured and reported but not judged."""

    detect: float | None
    mitigate: float | None
    recover: float | None

    @classmethod
    def of(cls, spec: ScenarioTargets) -> Targets:
        """The targets of a manifest scenario section."""
        return cls(spec.detect, spec.mitigate, spec.recover)

    def get(self, step: Step) -> float | None:
        """The target of ``step``."""
        return {Step.DETECT: self.detect, Step.MITIGATE: self.mitigate, Step.RECOVER: self.recover}[
            step
        ]

    def as_dict(self) -> dict[str, float | None]:
        """JSON form."""
        return {"detect": self.detect, "mitigate": self.mitigate, "recover": self.recover}


@dataclass(frozen=True, slots=True)
class Settings:
    """How a drill runs: traffic, patience and targets."""

    rate: float
    streak: int
    hold: float
    grace: float
    targets: Targets
    poll: float = 0.2
    baseline_timeout: float = 15.0
    max_in_flight: int = 64

    @classmethod
    def from_manifest(
        cls, drills: DrillTargets, scenario: ScenarioName, *, rate: float | None = None
    ) -> Settings:
        """Settings from the manifest's ``drills`` section; ``rate`` overrides its rate."""
        spec: ScenarioTargets = getattr(drills, scenario.key)
        return cls(
            rate=rate if rate is not None else drills.rate,
            streak=drills.streak,
            hold=drills.hold,
            grace=drills.grace,
            targets=Targets.of(spec),
        )

    def window(self, *steps: Step) -> float:
        """How long to wait for ``steps``: grace x the largest target, or the default window."""
        targets = [t for t in (self.targets.get(step) for step in steps) if t is not None]
        return self.grace * max(targets) if targets else DEFAULT_WINDOW


@dataclass(frozen=True, slots=True)
class Timings:
    """Measured seconds: detect and mitigate from the fault, recover from its clearing."""

    detect: float | None = None
    mitigate: float | None = None
    recover: float | None = None

    def get(self, step: Step) -> float | None:
        """The measurement of ``step``."""
        return {Step.DETECT: self.detect, Step.MITIGATE: self.mitigate, Step.RECOVER: self.recover}[
            step
        ]

    def as_dict(self) -> dict[str, float | None]:
        """JSON form, rounded to milliseconds."""
        return {
            "detect": _round(self.detect),
            "mitigate": _round(self.mitigate),
            "recover": _round(self.recover),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


@dataclass(frozen=True, slots=True)
class Check:
    """One step compared with its target."""

    step: Step
    measured: float | None
    target: float | None
    passed: bool
    note: str


@dataclass(frozen=True, slots=True)
class TrafficSummary:
    """What the drill's traffic saw."""

    sent: int
    statuses: Mapping[int, int]
    versions: Mapping[str, int]
    fallbacks: Mapping[str, int]
    errors: Mapping[str, int]
    skipped: int

    @classmethod
    def of(cls, samples: Iterable[Sample], *, skipped: int = 0) -> TrafficSummary:
        """Counts over ``samples``."""
        statuses: Counter[int] = Counter()
        versions: Counter[str] = Counter()
        fallbacks: Counter[str] = Counter()
        errors: Counter[str] = Counter()
        sent = 0
        for sample in samples:
            sent += 1
            statuses[sample.status] += 1
            if sample.version:
                versions[sample.version] += 1
            if sample.fallback:
                fallbacks[sample.fallback] += 1
            if sample.error:
                errors[sample.error] += 1
        return cls(sent, dict(statuses), dict(versions), dict(fallbacks), dict(errors), skipped)

    def as_dict(self) -> dict[str, Any]:
        """JSON form (status codes as strings)."""
        return {
            "sent": self.sent,
            "statuses": {str(code): n for code, n in sorted(self.statuses.items())},
            "versions": dict(sorted(self.versions.items())),
            "fallbacks": dict(sorted(self.fallbacks.items())),
            "errors": dict(sorted(self.errors.items())),
            "skipped": self.skipped,
        }


@dataclass(frozen=True, slots=True)
class Signal:
    """A sign that the system noticed the fault, and when (seconds after the fault)."""

    name: str
    after: float


@dataclass(frozen=True, slots=True)
class DrillReport:
    """The outcome of one drill: available or not, timings, checks and what was seen."""

    scenario: ScenarioName
    service: str
    started_at: dt.datetime
    available: bool
    missing: str | None = None
    passed: bool = False
    timings: Timings = field(default_factory=Timings)
    checks: tuple[Check, ...] = ()
    signals: tuple[Signal, ...] = ()
    traffic: TrafficSummary | None = None
    reasons: tuple[str, ...] = ()
    settings: Settings | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)
    """Scenario facts: the fault injected, the rollout started, the flag changed..."""

    def details(self) -> dict[str, Any]:
        """The JSON stored with the evidence."""
        settings = self.settings
        return {
            "scenario": self.scenario.value,
            "service": self.service,
            "started_at": self.started_at.isoformat(),
            "timings": self.timings.as_dict(),
            "targets": settings.targets.as_dict() if settings else None,
            "checks": [
                {
                    "step": c.step.value,
                    "measured": _round(c.measured),
                    "target": c.target,
                    "passed": c.passed,
                    "note": c.note,
                }
                for c in self.checks
            ],
            "signals": [{"name": s.name, "after": round(s.after, 3)} for s in self.signals],
            "traffic": self.traffic.as_dict() if self.traffic else None,
            "reasons": list(self.reasons),
            "settings": {
                "rate": settings.rate,
                "streak": settings.streak,
                "hold": settings.hold,
                "grace": settings.grace,
            }
            if settings
            else None,
            "facts": dict(self.facts),
        }
