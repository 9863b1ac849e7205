"""Everything the one screen shows, read in one pass: each panel has its data or why it has none.

A panel whose source fails (the database is down, a table is not migrated yet) shows the error
and the others still render. Nothing is estimated or filled in: a panel without data says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import orjson

from lockgate.dashboard.rollout_view import RolloutView, current_rollout
from lockgate.dashboard.traffic import MINUTES, VersionTraffic, traffic
from lockgate.errors import StoreError
from lockgate.flags.definitions import kill_switch
from lockgate.gateway.runtime import Runtime
from lockgate.monitor.alerts.state import Status
from lockgate.monitor.quality import Quality, by_version
from lockgate.store import alerts, evidence, handoffs
from lockgate.store.flags import FlagState

T = TypeVar("T")

QUALITY_WINDOW = 3600.0
DRIFT_WINDOW = dt.timedelta(hours=24)
DRIFT_KIND = "drift.window"
DRIFT_ROWS = 5
HANDOFFS = 10
ACTIVE_ALERTS = frozenset({Status.PENDING, Status.FIRING})


@dataclass(frozen=True, slots=True)
class Panel(Generic[T]):
    """A panel's data, or the error that kept it from loading."""

    data: T | None
    error: str | None = None


def attempt(read: Callable[[], T]) -> Panel[T]:
    """Run one panel's read; a store failure becomes the panel's error, not the page's."""
    try:
        return Panel(read())
    except StoreError as exc:
        return Panel(None, exc.message)


def show(value: Any) -> str:
    """A flag value as compact JSON (``true``, ``25``, ``"large"``, ``{"a": 90}``)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


@dataclass(frozen=True, slots=True)
class FlagRow:
    """A flag as this replica serves it."""

    name: str
    kind: str
    value: str
    default: str
    source: str
    kill_switch: bool
    off: bool
    """A kill switch that currently stops the service."""
    updated_at: dt.datetime | None
    updated_by: str | None
    reason: str | None
    problem: str | None


def flag_row(state: FlagState, service: str) -> FlagRow:
    """The table row of ``state``; ``service`` names the kill switch."""
    flag, override = state.flag, state.override
    kill = flag.name == kill_switch(service)
    return FlagRow(
        name=flag.name,
        kind=flag.kind.value,
        value=show(flag.value),
        default=show(flag.default),
        source=flag.source.value,
        kill_switch=kill,
        off=kill and flag.value in (False, 0),
        updated_at=override.updated_at if override else None,
        updated_by=override.updated_by if override else None,
        reason=override.reason if override else None,
        problem=flag.problem,
    )


@dataclass(frozen=True, slots=True)
class FlagsPanel:
    """Every flag and how fresh this replica's copy is."""

    rows: tuple[FlagRow, ...]
    loaded_at: dt.datetime | None
    stale_since: dt.datetime | None
    last_error: str | None
    mode: str


@dataclass(frozen=True, slots=True)
class BreakerRow:
    """A circuit breaker; versions that have had no traffic yet have none (closed)."""

    version: str
    state: str


@dataclass(frozen=True, slots=True)
class AlertRow:
    """An alert that is pending or firing."""

    key: str
    status: str
    severity: str
    value: float | None
    summary: str
    active_since: dt.datetime | None


@dataclass(frozen=True, slots=True)
class AlertsPanel:
    """Active alerts, and whether any alert was ever evaluated for the service."""

    evaluated: int
    active: tuple[AlertRow, ...]
    evaluated_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class DriftRow:
    """One closed drift window of the service (a ``WindowReport`` stored as evidence)."""

    at: dt.datetime
    window: int | None
    records: int | None
    drifted: bool
    columns: tuple[str, ...]
    """The columns that drifted, each with its effect size, e.g. ``prompt_length (psi 0.31)``."""


@dataclass(frozen=True, slots=True)
class Screen:
    """The whole dashboard."""

    service: str
    now: dt.datetime
    minutes: int
    traffic: Panel[list[VersionTraffic]]
    quality: Panel[list[Quality]]
    drift: Panel[list[DriftRow]]
    alerts: Panel[AlertsPanel]
    flags: FlagsPanel
    rollout: Panel[RolloutView | None]
    handoffs: Panel[list[handoffs.Ticket]]
    breakers: tuple[BreakerRow, ...]

    @property
    def switched_off(self) -> tuple[FlagRow, ...]:
        """Kill switches that currently stop their service."""
        return tuple(row for row in self.flags.rows if row.off)


def flags_panel(runtime: Runtime, service: str) -> FlagsPanel:
    """This replica's flags, from memory."""
    status = runtime.flags.status()
    return FlagsPanel(
        rows=tuple(flag_row(state, service) for state in runtime.flags.states()),
        loaded_at=status.loaded_at,
        stale_since=status.stale_since,
        last_error=status.last_error,
        mode=status.mode,
    )


def breakers_panel(runtime: Runtime, service: str) -> tuple[BreakerRow, ...]:
    """A row per version of the manifest plus any other version with a breaker."""
    states = {
        version: state.value
        for (owner, version), state in runtime.fallback.breakers.states().items()
        if owner == service
    }
    versions = sorted({*runtime.loaded.manifest.versions, *states})
    return tuple(BreakerRow(version, states.get(version, "closed")) for version in versions)


def alerts_panel(runtime: Runtime, service: str) -> AlertsPanel:
    """The service's alerts that are pending or firing, firing first."""
    records = alerts.load_states(runtime.store, service)
    active = sorted(
        (r for r in records.values() if r.state.status in ACTIVE_ALERTS),
        key=lambda r: (r.state.status is not Status.FIRING, r.state.key),
    )
    return AlertsPanel(
        evaluated=len(records),
        active=tuple(
            AlertRow(
                key=r.state.key,
                status=r.state.status.value,
                severity=r.severity,
                value=r.value,
                summary=r.summary,
                active_since=r.state.active_since,
            )
            for r in active
        ),
        evaluated_at=max((r.evaluated_at for r in records.values()), default=None),
    )


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _drifted_columns(details: Mapping[str, Any]) -> tuple[str, ...]:
    columns = details.get("columns")
    if not isinstance(columns, list):
        return ()
    named = []
    for column in columns:
        if not isinstance(column, Mapping) or column.get("drifted") is not True:
            continue
        effect, name = column.get("effect"), column.get("effect_name", "effect")
        size = f" ({name} {effect:.3g})" if isinstance(effect, int | float) else ""
        named.append(f"{column.get('column', '?')}{size}")
    return tuple(named)


def drift_panel(runtime: Runtime, service: str, now: dt.datetime) -> list[DriftRow]:
    """The service's newest closed drift windows over the last day, newest first."""
    proofs = evidence.since(runtime.store, DRIFT_KIND, now - DRIFT_WINDOW)
    return [
        DriftRow(
            at=proof.at,
            window=_int(proof.details.get("window")),
            records=_int(proof.details.get("records")),
            drifted=not proof.passed,
            columns=_drifted_columns(proof.details),
        )
        for proof in proofs
        if proof.subject == service
    ][:DRIFT_ROWS]


def gather(runtime: Runtime, now: dt.datetime) -> Screen:
    """Read every panel (blocking: run it in a thread)."""
    service = runtime.loaded.manifest.service.name
    versions = list(runtime.loaded.manifest.versions)
    return Screen(
        service=service,
        now=now,
        minutes=MINUTES,
        traffic=attempt(lambda: traffic(runtime.store, service, now, versions=versions)),
        quality=attempt(
            lambda: sorted(
                by_version(runtime.store, service, window=QUALITY_WINDOW).values(),
                key=lambda q: q.version,
            )
        ),
        drift=attempt(lambda: drift_panel(runtime, service, now)),
        alerts=attempt(lambda: alerts_panel(runtime, service)),
        flags=flags_panel(runtime, service),
        rollout=attempt(lambda: current_rollout(runtime.store, service)),
        handoffs=attempt(
            lambda: handoffs.list_tickets(runtime.store, limit=HANDOFFS, service=service)
        ),
        breakers=breakers_panel(runtime, service),
    )
