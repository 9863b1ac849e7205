"""Rollout state in the store: current state, append-only events, measurements and leases.

``rollouts`` holds one current-state row per rollout. Every write to it is guarded: it names the
revision, phase and step it expects, and raises ``RolloutChanged`` when another writer moved the
rollout first, so a step transition happens once however many processes try it. ``leases`` elects
the one controller that reconciles; on PostgreSQL the lease row is locked while it is read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from lockgate.manifest.cutover import Strategy
from lockgate.rollout.analysis import ArmMeasurements, merge_all
from lockgate.rollout.errors import RolloutChanged
from lockgate.rollout.phases import ACTIVE, SERVING_CANDIDATE, Phase, Progress
from lockgate.store.tables import Base, Evidence

_ID = BigInteger().with_variant(Integer, "sqlite")
BASELINE = "baseline"
CANDIDATE = "candidate"


class RolloutRow(Base):
    """The current state of one rollout."""

    __tablename__ = "rollouts"
    __table_args__ = (Index("ix_rollouts_service_created_at", "service", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    service: Mapped[str] = mapped_column(String(100))
    baseline: Mapped[str] = mapped_column(String(100))
    candidate: Mapped[str] = mapped_column(String(100))
    manifest_stable: Mapped[str] = mapped_column(String(100))
    strategy: Mapped[str] = mapped_column(String(20))
    phase: Mapped[str] = mapped_column(String(30))
    paused_from: Mapped[str | None] = mapped_column(String(30), nullable=True)
    step: Mapped[int] = mapped_column(Integer)
    weight: Mapped[float] = mapped_column(Float)
    revision: Mapped[int] = mapped_column(Integer)
    started_by: Mapped[str] = mapped_column(String(200))
    started_key: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    override: Mapped[bool]
    approvals: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    step_started_at: Mapped[dt.datetime]
    analysed_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    promoted_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    last_verdict: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class RolloutEventRow(Base):
    """Something that happened to a rollout, with its numbers (append-only)."""

    __tablename__ = "rollout_events"
    __table_args__ = (Index("ix_rollout_events_rollout_id_id", "rollout_id", "id"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    rollout_id: Mapped[str] = mapped_column(String(32), ForeignKey("rollouts.id"))
    at: Mapped[dt.datetime]
    phase: Mapped[str] = mapped_column(String(30))
    step: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    actor: Mapped[str] = mapped_column(String(200))


class RolloutMeasurementRow(Base):
    """One replica's measurements of one arm over one analysis interval."""

    __tablename__ = "rollout_measurements"
    __table_args__ = (
        Index("ix_rollout_measurements_rollout_id_interval", "rollout_id", "interval_start"),
    )

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    rollout_id: Mapped[str] = mapped_column(String(32), ForeignKey("rollouts.id"))
    replica_id: Mapped[str] = mapped_column(String(100))
    interval_start: Mapped[dt.datetime]
    arm: Mapped[str] = mapped_column(String(10))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class LeaseRow(Base):
    """A named lease: who holds it and until when."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[dt.datetime]


@dataclass(frozen=True, slots=True)
class Approval:
    """Who approved a promotion and when."""

    actor: str
    key_id: str | None
    at: dt.datetime

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"actor": self.actor, "key_id": self.key_id, "at": self.at.isoformat()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Approval:
        """Read ``as_dict``'s form."""
        return cls(data["actor"], data.get("key_id"), dt.datetime.fromisoformat(data["at"]))


@dataclass(frozen=True, slots=True)
class RolloutRecord:
    """A rollout as stored."""

    id: str
    service: str
    baseline: str
    candidate: str
    manifest_stable: str
    strategy: Strategy
    progress: Progress
    revision: int
    started_by: str
    started_key: str | None
    reason: str
    override: bool
    approvals: tuple[Approval, ...]
    plan: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime
    step_started_at: dt.datetime
    analysed_at: dt.datetime | None = None
    promoted_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    last_verdict: dict[str, Any] | None = field(default=None, compare=False)

    @property
    def phase(self) -> Phase:
        """The current phase."""
        return self.progress.phase

    @property
    def active(self) -> bool:
        """True until the rollout is stable, rolled back or superseded."""
        return self.phase in ACTIVE

    @property
    def serving(self) -> str:
        """The version that serves the traffic not sent to the candidate by a step."""
        return self.candidate if self.phase in SERVING_CANDIDATE else self.baseline

    def governs(self, manifest_stable: str) -> bool:
        """True while the manifest's stable version is the one this rollout started from.

        Changing ``stable:`` in the manifest hands routing back to the manifest.
        """
        return self.phase is not Phase.SUPERSEDED and self.manifest_stable == manifest_stable

    def as_dict(self) -> dict[str, Any]:
        """JSON form for the audit log and the API."""
        progress = self.progress

        def iso(value: dt.datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "id": self.id,
            "service": self.service,
            "baseline": self.baseline,
            "candidate": self.candidate,
            "manifest_stable": self.manifest_stable,
            "strategy": str(self.strategy),
            "phase": str(progress.phase),
            "paused_from": str(progress.paused_from) if progress.paused_from else None,
            "step": progress.step,
            "weight": progress.weight,
            "revision": self.revision,
            "started_by": self.started_by,
            "reason": self.reason,
            "override": self.override,
            "approvals": [approval.as_dict() for approval in self.approvals],
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
            "step_started_at": iso(self.step_started_at),
            "analysed_at": iso(self.analysed_at),
            "promoted_at": iso(self.promoted_at),
            "finished_at": iso(self.finished_at),
        }


def _record(row: RolloutRow) -> RolloutRecord:
    return RolloutRecord(
        id=row.id,
        service=row.service,
        baseline=row.baseline,
        candidate=row.candidate,
        manifest_stable=row.manifest_stable,
        strategy=Strategy(row.strategy),
        progress=Progress(
            phase=Phase(row.phase),
            step=row.step,
            weight=row.weight,
            paused_from=Phase(row.paused_from) if row.paused_from else None,
        ),
        revision=row.revision,
        started_by=row.started_by,
        started_key=row.started_key,
        reason=row.reason,
        override=row.override,
        approvals=tuple(Approval.from_dict(item) for item in row.approvals),
        plan=row.plan,
        created_at=row.created_at,
        updated_at=row.updated_at,
        step_started_at=row.step_started_at,
        analysed_at=row.analysed_at,
        promoted_at=row.promoted_at,
        finished_at=row.finished_at,
        last_verdict=row.last_verdict,
    )


def _progress_columns(progress: Progress) -> dict[str, Any]:
    return {
        "phase": str(progress.phase),
        "paused_from": str(progress.paused_from) if progress.paused_from else None,
        "step": progress.step,
        "weight": progress.weight,
    }


def insert(session: Session, record: RolloutRecord) -> RolloutRecord:
    """Add a new rollout."""
    row = RolloutRow(
        id=record.id,
        service=record.service,
        baseline=record.baseline,
        candidate=record.candidate,
        manifest_stable=record.manifest_stable,
        strategy=str(record.strategy),
        revision=record.revision,
        started_by=record.started_by,
        started_key=record.started_key,
        reason=record.reason,
        override=record.override,
        approvals=[approval.as_dict() for approval in record.approvals],
        plan=record.plan,
        created_at=record.created_at,
        updated_at=record.updated_at,
        step_started_at=record.step_started_at,
        **_progress_columns(record.progress),
    )
    session.add(row)
    session.flush()
    return _record(row)


def get(session: Session, rollout_id: str, *, lock: bool = False) -> RolloutRecord | None:
    """One rollout by id; ``lock`` holds its row until the transaction ends (PostgreSQL)."""
    query = (
        select(RolloutRow)
        .where(RolloutRow.id == rollout_id)
        .execution_options(populate_existing=True)
    )
    row = session.scalars(query.with_for_update() if lock else query).one_or_none()
    return _record(row) if row is not None else None


def latest(
    session: Session, service: str, *, include_superseded: bool = False, lock: bool = False
) -> RolloutRecord | None:
    """The newest rollout of ``service`` (by default the newest that was not superseded)."""
    query = select(RolloutRow).where(RolloutRow.service == service)
    if not include_superseded:
        query = query.where(RolloutRow.phase != str(Phase.SUPERSEDED))
    query = query.order_by(RolloutRow.created_at.desc(), RolloutRow.id.desc()).limit(1)
    row = session.scalars(query.with_for_update() if lock else query).one_or_none()
    return _record(row) if row is not None else None


def active(session: Session) -> list[RolloutRecord]:
    """Every rollout that is not finished, oldest first."""
    query = (
        select(RolloutRow)
        .where(RolloutRow.phase.in_([str(phase) for phase in ACTIVE]))
        .order_by(RolloutRow.created_at, RolloutRow.id)
    )
    return [_record(row) for row in session.scalars(query)]


def listing(
    session: Session, *, service: str | None = None, limit: int = 50
) -> list[RolloutRecord]:
    """The newest rollouts, newest first."""
    query = select(RolloutRow)
    if service is not None:
        query = query.where(RolloutRow.service == service)
    query = query.order_by(RolloutRow.created_at.desc(), RolloutRow.id.desc()).limit(limit)
    return [_record(row) for row in session.scalars(query)]


def save(
    session: Session,
    expected: RolloutRecord,
    now: dt.datetime,
    *,
    progress: Progress | None = None,
    **changes: Any,
) -> RolloutRecord:
    """Write ``changes`` if the rollout is still at ``expected``'s revision, phase and step.

    Raises ``RolloutChanged`` otherwise: the caller's decision was based on a stale state.
    """
    values: dict[str, Any] = dict(changes)
    if progress is not None:
        values.update(_progress_columns(progress))
    values["revision"] = expected.revision + 1
    values["updated_at"] = now
    if "approvals" in values:
        values["approvals"] = [approval.as_dict() for approval in values["approvals"]]
    statement = (
        update(RolloutRow)
        .where(
            RolloutRow.id == expected.id,
            RolloutRow.revision == expected.revision,
            RolloutRow.phase == str(expected.phase),
            RolloutRow.step == expected.progress.step,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if session.execute(statement).rowcount != 1:  # type: ignore[attr-defined]
        raise RolloutChanged(
            f"rollout {expected.id} changed since it was read (expected revision "
            f"{expected.revision}, {expected.phase} step {expected.progress.step}); read it again"
        )
    saved = get(session, expected.id)
    assert saved is not None
    return saved


@dataclass(frozen=True, slots=True)
class Event:
    """A stored rollout event."""

    id: int
    rollout_id: str
    at: dt.datetime
    phase: str
    step: int
    kind: str
    message: str
    data: dict[str, Any] | None
    actor: str

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "id": self.id,
            "rollout_id": self.rollout_id,
            "at": self.at.isoformat(),
            "phase": self.phase,
            "step": self.step,
            "kind": self.kind,
            "message": self.message,
            "data": self.data,
            "actor": self.actor,
        }


def add_event(
    session: Session,
    record: RolloutRecord,
    now: dt.datetime,
    *,
    kind: str,
    message: str,
    actor: str,
    data: dict[str, Any] | None = None,
) -> None:
    """Append an event about ``record`` (in its current phase and step)."""
    session.add(
        RolloutEventRow(
            rollout_id=record.id,
            at=now,
            phase=str(record.phase),
            step=record.progress.step,
            kind=kind,
            message=message,
            data=data,
            actor=actor,
        )
    )
    session.flush()


def events(
    session: Session, rollout_id: str, *, limit: int = 100, kinds: Sequence[str] | None = None
) -> list[Event]:
    """The newest events of a rollout, oldest first."""
    query = select(RolloutEventRow).where(RolloutEventRow.rollout_id == rollout_id)
    if kinds:
        query = query.where(RolloutEventRow.kind.in_(list(kinds)))
    rows = list(session.scalars(query.order_by(RolloutEventRow.id.desc()).limit(limit)))
    return [
        Event(r.id, r.rollout_id, r.at, r.phase, r.step, r.kind, r.message, r.data, r.actor)
        for r in reversed(rows)
    ]


@dataclass(frozen=True, slots=True)
class Measurement:
    """One replica's measurements of one arm over one interval."""

    rollout_id: str
    replica_id: str
    interval_start: dt.datetime
    arm: str
    measurements: ArmMeasurements


def add_measurements(session: Session, items: Iterable[Measurement]) -> int:
    """Store measurements; returns how many rows were written."""
    rows = [
        RolloutMeasurementRow(
            rollout_id=item.rollout_id,
            replica_id=item.replica_id,
            interval_start=item.interval_start,
            arm=item.arm,
            data=item.measurements.to_json(),
        )
        for item in items
    ]
    session.add_all(rows)
    session.flush()
    return len(rows)


def measured(
    session: Session,
    rollout_id: str,
    *,
    since: dt.datetime | None = None,
    before: dt.datetime | None = None,
) -> dict[str, ArmMeasurements]:
    """Both arms' measurements summed over every replica for intervals in ``[since, before)``."""
    query = select(RolloutMeasurementRow.arm, RolloutMeasurementRow.data).where(
        RolloutMeasurementRow.rollout_id == rollout_id
    )
    if since is not None:
        query = query.where(RolloutMeasurementRow.interval_start >= since)
    if before is not None:
        query = query.where(RolloutMeasurementRow.interval_start < before)
    parts: dict[str, list[ArmMeasurements]] = {BASELINE: [], CANDIDATE: []}
    for arm, data in session.execute(query):
        parts.setdefault(arm, []).append(ArmMeasurements.from_json(data))
    return {arm: merge_all(items) for arm, items in parts.items()}


def replicas(session: Session, rollout_id: str) -> int:
    """How many replicas reported measurements for a rollout."""
    query = select(func.count(func.distinct(RolloutMeasurementRow.replica_id))).where(
        RolloutMeasurementRow.rollout_id == rollout_id
    )
    return int(session.scalar(query) or 0)


@dataclass(frozen=True, slots=True)
class Lease:
    """A lease as stored."""

    name: str
    holder: str
    expires_at: dt.datetime


def _insert_lease(session: Session, name: str, holder: str, expires_at: dt.datetime) -> None:
    values = {"name": name, "holder": holder, "expires_at": expires_at}
    if session.get_bind().dialect.name == "postgresql":
        session.execute(postgresql.insert(LeaseRow).values(values).on_conflict_do_nothing())
    else:
        session.execute(sqlite.insert(LeaseRow).values(values).on_conflict_do_nothing())


def acquire_lease(
    session: Session, name: str, holder: str, now: dt.datetime, ttl: dt.timedelta
) -> bool:
    """Take or renew ``name`` for ``ttl`` if it is free, expired or already ``holder``'s."""
    _insert_lease(session, name, "", now)
    row = session.scalars(select(LeaseRow).where(LeaseRow.name == name).with_for_update()).one()
    if row.holder != holder and row.expires_at > now:
        return False
    row.holder = holder
    row.expires_at = now + ttl
    session.flush()
    return True


def holds_lease(session: Session, name: str, holder: str, now: dt.datetime) -> bool:
    """True when ``holder`` holds ``name`` at ``now``; the row stays locked against takeover."""
    query = select(LeaseRow).where(LeaseRow.name == name).with_for_update(read=True)
    row = session.scalars(query).one_or_none()
    return row is not None and row.holder == holder and row.expires_at > now


def release_lease(session: Session, name: str, holder: str, now: dt.datetime) -> None:
    """Give the lease up early, so another replica takes over without waiting for expiry."""
    session.execute(
        update(LeaseRow)
        .where(LeaseRow.name == name, LeaseRow.holder == holder)
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )


def lease(session: Session, name: str) -> Lease | None:
    """The lease ``name``, if it was ever taken."""
    row = session.get(LeaseRow, name)
    return Lease(row.name, row.holder, row.expires_at) if row is not None else None


def add_evidence(
    session: Session,
    record: RolloutRecord,
    now: dt.datetime,
    *,
    passed: bool,
    actor: str,
    reason: str,
) -> None:
    """Record the rollout's outcome as ``rollout`` evidence for the readiness checks."""
    session.add(
        Evidence(
            kind="rollout",
            subject=f"{record.service}/{record.candidate}",
            at=now,
            passed=passed,
            actor=actor,
            details={"rollout_id": record.id, "baseline": record.baseline, "reason": reason},
        )
    )
    session.flush()
