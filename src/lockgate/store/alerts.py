"""Alert state, history, silences and test evidence in the store.

``alert_state`` holds one row per alert (its state machine and last evaluation), ``alert_events``
the append-only history (transitions and deliveries), ``silences`` the stored silences with their
expiry, and ``alert_tests`` the evidence that each notifier delivered a test notification.
Creating a silence is audited in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BigInteger, Float, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from lockgate.monitor.alerts.state import AlertState, Status
from lockgate.store import audit
from lockgate.store.db import Store
from lockgate.store.tables import Base

_ID = BigInteger().with_variant(Integer, "sqlite")


class AlertStateRow(Base):
    """An alert's current state and its last evaluation."""

    __tablename__ = "alert_state"

    service: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    since: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    active_since: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    episode: Mapped[int] = mapped_column(Integer)
    last_notified_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    notified: Mapped[bool]
    severity: Mapped[str] = mapped_column(String(20))
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    summary: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    evaluated_at: Mapped[dt.datetime]


class AlertEventRow(Base):
    """One entry of an alert's history: a transition or a delivery."""

    __tablename__ = "alert_events"
    __table_args__ = (Index("ix_alert_events_service_at", "service", "at"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    at: Mapped[dt.datetime]
    service: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    severity: Mapped[str] = mapped_column(String(20))
    episode: Mapped[int] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    message: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)


class SilenceRow(Base):
    """Notifications for matching alerts are held back until ``expires_at``."""

    __tablename__ = "silences"
    __table_args__ = (Index("ix_silences_service_expires_at", "service", "expires_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    service: Mapped[str] = mapped_column(String(100))
    matcher: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    created_by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)


class AlertTestRow(Base):
    """Evidence that a notifier did (or did not) deliver a test notification."""

    __tablename__ = "alert_tests"
    __table_args__ = (Index("ix_alert_tests_service_at", "service", "at"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    at: Mapped[dt.datetime]
    service: Mapped[str] = mapped_column(String(100))
    rule: Mapped[str] = mapped_column(String(200))
    notifier: Mapped[str] = mapped_column(String(100))
    delivered: Mapped[bool]
    detail: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """An alert's state plus what its last evaluation saw."""

    state: AlertState
    severity: str
    value: float | None
    summary: str
    evaluated_at: dt.datetime
    detail: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """A history entry."""

    at: dt.datetime
    key: str
    kind: str
    severity: str
    episode: int
    message: str
    value: float | None = None
    detail: dict[str, Any] | None = field(default=None)


@dataclass(frozen=True, slots=True)
class Silence:
    """A stored silence."""

    id: str
    matcher: str
    created_at: dt.datetime
    expires_at: dt.datetime
    created_by: str
    reason: str


@dataclass(frozen=True, slots=True)
class AlertTest:
    """A stored test delivery."""

    at: dt.datetime
    rule: str
    notifier: str
    delivered: bool
    detail: str
    actor: str


def _record(row: AlertStateRow) -> AlertRecord:
    state = AlertState(
        row.key,
        Status(row.status),
        row.since,
        row.active_since,
        row.episode,
        row.last_notified_at,
        row.notified,
    )
    return AlertRecord(state, row.severity, row.value, row.summary, row.evaluated_at, row.detail)


def load_states(store: Store, service: str) -> dict[str, AlertRecord]:
    """Every stored alert of ``service``, by key."""
    with store.transaction() as session:
        rows = session.scalars(select(AlertStateRow).where(AlertStateRow.service == service))
        return {row.key: _record(row) for row in rows}


def save_pass(
    store: Store, service: str, records: Sequence[AlertRecord], events: Sequence[AlertEvent]
) -> None:
    """Write one evaluation: every alert's new state and the history it produced, together."""
    with store.transaction() as session:
        existing = {
            row.key: row
            for row in session.scalars(
                select(AlertStateRow).where(AlertStateRow.service == service)
            )
        }
        for record in records:
            s = record.state
            row = existing.get(s.key) or AlertStateRow(service=service, key=s.key)
            row.status, row.since, row.active_since = s.status.value, s.since, s.active_since
            row.episode, row.last_notified_at, row.notified = (
                s.episode,
                s.last_notified_at,
                s.notified,
            )
            row.severity, row.value, row.summary = record.severity, record.value, record.summary
            row.detail, row.evaluated_at = record.detail, record.evaluated_at
            session.add(row)
        session.add_all(
            AlertEventRow(
                at=e.at,
                service=service,
                key=e.key,
                kind=e.kind,
                severity=e.severity,
                episode=e.episode,
                value=e.value,
                message=e.message,
                detail=e.detail,
            )
            for e in events
        )


def history(
    store: Store, service: str, *, limit: int = 50, key: str | None = None
) -> list[AlertEvent]:
    """The newest history entries, newest first; ``key`` limits them to one alert."""
    query = select(AlertEventRow).where(AlertEventRow.service == service)
    if key is not None:
        query = query.where(AlertEventRow.key == key)
    query = query.order_by(AlertEventRow.at.desc(), AlertEventRow.id.desc()).limit(limit)
    with store.transaction() as session:
        return [
            AlertEvent(r.at, r.key, r.kind, r.severity, r.episode, r.message, r.value, r.detail)
            for r in session.scalars(query)
        ]


def _silence(row: SilenceRow) -> Silence:
    return Silence(row.id, row.matcher, row.created_at, row.expires_at, row.created_by, row.reason)


def add_silence(
    store: Store,
    *,
    service: str,
    matcher: str,
    seconds: float,
    reason: str,
    actor: str,
    now: dt.datetime | None = None,
) -> Silence:
    """Silence alerts matching ``matcher`` for ``seconds``; audited."""
    if seconds <= 0:
        raise ValueError("a silence needs a positive duration")
    if not reason.strip():
        raise ValueError("a silence needs a reason")
    start = now or dt.datetime.now(dt.UTC)
    row = SilenceRow(
        id=secrets.token_hex(8),
        service=service,
        matcher=matcher,
        created_at=start,
        expires_at=start + dt.timedelta(seconds=seconds),
        created_by=actor,
        reason=reason,
    )
    with store.transaction() as session:
        session.add(row)
        audit.append(
            session,
            actor=actor,
            action="alert.silence",
            target=f"alert:{service}/{matcher}",
            after={"id": row.id, "expires_at": row.expires_at.isoformat()},
            reason=reason,
        )
    return _silence(row)


def silences(
    store: Store, service: str, *, now: dt.datetime | None = None, include_expired: bool = False
) -> list[Silence]:
    """Silences of ``service``, soonest expiry first; active ones only unless asked."""
    query = select(SilenceRow).where(SilenceRow.service == service)
    if not include_expired:
        query = query.where(SilenceRow.expires_at > (now or dt.datetime.now(dt.UTC)))
    with store.transaction() as session:
        return [_silence(row) for row in session.scalars(query.order_by(SilenceRow.expires_at))]


def record_tests(
    store: Store,
    *,
    service: str,
    rule: str,
    results: Sequence[tuple[str, bool, str]],
    actor: str,
    at: dt.datetime | None = None,
) -> None:
    """Store one row per ``(notifier, delivered, detail)`` of a test notification."""
    when = at or dt.datetime.now(dt.UTC)
    with store.transaction() as session:
        session.add_all(
            AlertTestRow(
                at=when,
                service=service,
                rule=rule,
                notifier=notifier,
                delivered=delivered,
                detail=detail,
                actor=actor,
            )
            for notifier, delivered, detail in results
        )


def recorded_tests(store: Store, service: str, *, limit: int = 50) -> list[AlertTest]:
    """The newest test deliveries, newest first."""
    query = (
        select(AlertTestRow)
        .where(AlertTestRow.service == service)
        .order_by(AlertTestRow.at.desc(), AlertTestRow.id.desc())
        .limit(limit)
    )
    with store.transaction() as session:
        return [
            AlertTest(r.at, r.rule, r.notifier, r.delivered, r.detail, r.actor)
            for r in session.scalars(query)
        ]
