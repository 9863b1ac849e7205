"""Rich views of rollouts for ``lockgate rollout status``: state, last verdict, recent events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from lockgate.rollout.phases import Phase
from lockgate.rollout.plan import Plan
from lockgate.store.rollouts import Event, RolloutRecord

_PHASE_STYLE = {
    Phase.ROLLED_BACK: "red",
    Phase.ABORTING: "red",
    Phase.STABLE: "green",
    Phase.PAUSED: "yellow",
    Phase.AWAITING_PROMOTION: "yellow",
    Phase.SUPERSEDED: "dim",
}
_STATUS_STYLE = {"pass": "green", "fail": "red", "inconclusive": "yellow", "error": "magenta"}


def _number(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def step_label(record: RolloutRecord) -> str:
    """E.g. ``2/3`` while in the canary, ``-`` before it."""
    total = len(Plan.from_json(record.plan).steps)
    if total == 0 or record.progress.step < 0:
        return "-"
    return f"{record.progress.step + 1}/{total}"


def rollouts_table(records: Sequence[RolloutRecord]) -> Table:
    """One line per rollout: phase, weights, step, who started it."""
    table = Table("service", "rollout", "phase", "step", "weights", "strategy", "started")
    for record in records:
        weight = record.progress.weight
        phase = Text(str(record.phase), style=_PHASE_STYLE.get(record.phase, ""))
        if record.progress.paused_from is not None:
            phase.append(f" (from {record.progress.paused_from})")
        weights = f"{record.baseline} {100 - weight:g} % / {record.candidate} {weight:g} %"
        started = f"{record.created_at:%Y-%m-%d %H:%M:%S} by {record.started_by}"
        table.add_row(
            record.service,
            record.id[:12],
            phase,
            step_label(record),
            weights,
            str(record.strategy),
            started,
        )
    return table


def verdict_table(verdict: dict[str, Any]) -> Table:
    """The metrics of a stored step verdict with their numbers and reasons."""
    status = str(verdict.get("status", "-"))
    title = Text.assemble(
        "last verdict: ",
        (status, _STATUS_STYLE.get(status, "")),
        f" ({verdict.get('code')}) ",
        f"after {_number(verdict.get('elapsed_seconds'))}s",
    )
    table = Table(
        "metric", "status", "baseline", "candidate", "evidence", "samples", "reason", title=title
    )
    for metric in verdict.get("metrics", []):
        state = str(metric.get("status"))
        evidence = f"{_number(metric.get('statistic'))} / {_number(metric.get('threshold'))}"
        samples = f"{metric.get('samples', 0)} / {metric.get('baseline_samples', 0)}"
        table.add_row(
            str(metric.get("metric")),
            Text(state, style=_STATUS_STYLE.get(state, "")),
            _number(metric.get("baseline_value")),
            _number(metric.get("candidate_value")),
            evidence,
            samples,
            str(metric.get("reason", "")),
        )
    return table


def events_table(events: Sequence[Event]) -> Table:
    """Recent events, oldest first."""
    table = Table("at", "phase", "kind", "message", title="recent events")
    for event in events:
        phase = event.phase if event.step < 0 else f"{event.phase} #{event.step + 1}"
        table.add_row(f"{event.at:%H:%M:%S}", phase, event.kind, event.message)
    return table


def status_view(records: Sequence[RolloutRecord], events: Sequence[Event]) -> RenderableType:
    """The whole ``status`` screen: rollouts, the newest one's verdict and events."""
    if not records:
        return Text("no rollouts yet; start one with `lockgate rollout start SERVICE VERSION`")
    parts: list[RenderableType] = [rollouts_table(records)]
    newest = records[0]
    if newest.last_verdict:
        parts.append(verdict_table(newest.last_verdict))
    if events:
        parts.append(events_table(events))
    return Group(*parts)
