"""The current rollout as the dashboard shows it: phase, weights, step, last verdict and events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from lockgate.errors import LockgateError
from lockgate.rollout.plan import Plan
from lockgate.store import rollouts
from lockgate.store.db import Store

EVENTS = 30
"""Events read per rollout; repeats are collapsed before ``SHOWN`` are kept."""
SHOWN = 5


@dataclass(frozen=True, slots=True)
class MetricLine:
    """One metric of a step verdict, with its numbers and reason."""

    metric: str
    status: str
    baseline: float | None
    candidate: float | None
    statistic: float | None
    threshold: float | None
    samples: int
    baseline_samples: int
    reason: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """The last analysis verdict of a rollout step."""

    status: str
    code: str
    reason: str
    elapsed_s: float | None
    metrics: tuple[MetricLine, ...]


@dataclass(frozen=True, slots=True)
class EventLine:
    """Something that happened to the rollout, with its reason."""

    at: dt.datetime
    phase: str
    kind: str
    message: str
    actor: str
    repeats: int = 1
    """How many events of this kind in a row this line stands for (the newest is shown)."""


@dataclass(frozen=True, slots=True)
class RolloutView:
    """The newest rollout of the service."""

    id: str
    phase: str
    paused_from: str | None
    active: bool
    baseline: str
    candidate: str
    candidate_weight: float
    step: int
    steps: int | None
    strategy: str
    started_by: str
    reason: str
    created_at: dt.datetime
    verdict: Verdict | None
    events: tuple[EventLine, ...]

    @property
    def baseline_weight(self) -> float:
        """Share of traffic, in percent, the baseline serves."""
        return 100.0 - self.candidate_weight

    @property
    def step_label(self) -> str:
        """``2/3`` in the canary, ``-`` outside it."""
        if self.step < 0 or not self.steps:
            return "-"
        return f"{self.step + 1}/{self.steps}"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def verdict_of(data: Mapping[str, Any] | None) -> Verdict | None:
    """A stored step verdict (``StepVerdict.to_json``) read defensively: odd fields become gaps."""
    if not data:
        return None
    lines = tuple(
        MetricLine(
            metric=str(item.get("metric", "?")),
            status=str(item.get("status", "?")),
            baseline=_number(item.get("baseline_value")),
            candidate=_number(item.get("candidate_value")),
            statistic=_number(item.get("statistic")),
            threshold=_number(item.get("threshold")),
            samples=_count(item.get("samples")),
            baseline_samples=_count(item.get("baseline_samples")),
            reason=str(item.get("reason", "")),
        )
        for item in data.get("metrics", [])
        if isinstance(item, Mapping)
    )
    return Verdict(
        status=str(data.get("status", "?")),
        code=str(data.get("code", "")),
        reason=str(data.get("reason", "")),
        elapsed_s=_number(data.get("elapsed_seconds")),
        metrics=lines,
    )


def _steps(plan: Mapping[str, Any]) -> int | None:
    try:
        return len(Plan.from_json(plan).steps)
    except (LockgateError, KeyError, ValueError):
        return None


def collapse(events: Sequence[EventLine], *, keep: int = SHOWN) -> tuple[EventLine, ...]:
    """Newest first, runs of one kind (a step extended again and again) as one line."""
    lines: list[EventLine] = []
    for event in events:
        if lines and lines[-1].kind == event.kind:
            lines[-1] = replace(lines[-1], repeats=lines[-1].repeats + 1)
        else:
            lines.append(event)
    return tuple(lines[:keep])


def _view(record: rollouts.RolloutRecord, events: Sequence[rollouts.Event]) -> RolloutView:
    progress = record.progress
    return RolloutView(
        id=record.id,
        phase=str(progress.phase),
        paused_from=str(progress.paused_from) if progress.paused_from else None,
        active=record.active,
        baseline=record.baseline,
        candidate=record.candidate,
        candidate_weight=progress.weight,
        step=progress.step,
        steps=_steps(record.plan),
        strategy=str(record.strategy),
        started_by=record.started_by,
        reason=record.reason,
        created_at=record.created_at,
        verdict=verdict_of(record.last_verdict),
        events=collapse(
            [
                EventLine(event.at, event.phase, event.kind, event.message, event.actor)
                for event in reversed(events)
            ]
        ),
    )


def current_rollout(store: Store, service: str) -> RolloutView | None:
    """The newest rollout of ``service`` that was not superseded, with its newest events."""
    with store.transaction() as session:
        record = rollouts.latest(session, service)
        if record is None:
            return None
        events = rollouts.events(session, record.id, limit=EVENTS)
    return _view(record, events)
