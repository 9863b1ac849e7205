"""Runtime flag values: overrides of the manifest's defaults, an epoch, and audited changes.

Every change bumps the single-row epoch, writes the override and its audit record in one
transaction; on PostgreSQL the same transaction sends ``NOTIFY lockgate_flags, '<name>'``, which is
delivered to listening replicas when it commits. Replicas reload when the epoch moves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Integer, String, Text, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from lockgate.errors import MissingField, NotFound
from lockgate.flags.definitions import with_overrides
from lockgate.flags.model import FlagDefinition
from lockgate.flags.values import check_value
from lockgate.store import audit
from lockgate.store.db import Store
from lockgate.store.tables import Base

CHANNEL = "lockgate_flags"
"""The PostgreSQL notification channel; the payload is the changed flag's name."""


class FlagOverrideRow(Base):
    """A runtime value that overrides a flag's manifest default until cleared."""

    __tablename__ = "flag_overrides"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    kind: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[dt.datetime]
    updated_by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)


class FlagEpochRow(Base):
    """One row whose counter moves with every flag change."""

    __tablename__ = "flag_epoch"
    __table_args__ = (CheckConstraint("id = 1", name="ck_flag_epoch_single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    epoch: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    updated_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)


@dataclass(frozen=True, slots=True)
class Override:
    """A stored override and who set it, when and why."""

    name: str
    value: Any
    kind: str
    updated_at: dt.datetime
    updated_by: str
    reason: str


@dataclass(frozen=True, slots=True)
class FlagState:
    """A flag as currently served (override applied) and the override, if any."""

    flag: FlagDefinition
    override: Override | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form for the audit log."""
        return {
            "value": self.flag.value,
            "source": self.flag.source.value,
            "kind": self.flag.kind.value,
        }


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything a replica needs to serve flags, read in one transaction."""

    epoch: int
    overrides: Mapping[str, Override]


def _override(row: FlagOverrideRow) -> Override:
    return Override(row.name, row.value, row.kind, row.updated_at, row.updated_by, row.reason)


def _epoch(session: Session) -> int:
    value = session.scalar(select(FlagEpochRow.epoch).where(FlagEpochRow.id == 1))
    return int(value) if value is not None else 0


def read_epoch(store: Store) -> int:
    """The current epoch: cheap enough to poll several times a second."""
    with store.transaction() as session:
        return _epoch(session)


def read_snapshot(store: Store) -> Snapshot:
    """The epoch and every override, consistent with each other."""
    with store.transaction() as session:
        epoch = _epoch(session)
        rows = session.scalars(select(FlagOverrideRow))
        overrides = {row.name: _override(row) for row in rows}
    return Snapshot(epoch, overrides)


def states(
    definitions: Mapping[str, FlagDefinition], overrides: Mapping[str, Override]
) -> list[FlagState]:
    """Each declared flag with its override applied, by name."""
    merged = with_overrides(
        definitions, {name: override.value for name, override in overrides.items()}
    )
    return [FlagState(merged[name], overrides.get(name)) for name in sorted(merged)]


def list_flags(store: Store, definitions: Mapping[str, FlagDefinition]) -> list[FlagState]:
    """Every declared flag (kill switches included) as the store has it now."""
    return states(definitions, read_snapshot(store).overrides)


def _bump(session: Session, now: dt.datetime) -> None:
    # FOR UPDATE on the single row also serializes concurrent changes on PostgreSQL; SQLite
    # transactions already begin with the write lock.
    row = session.get(FlagEpochRow, 1, with_for_update=True)
    if row is None:
        row = FlagEpochRow(id=1, epoch=0)
        session.add(row)
    row.epoch += 1
    row.updated_at = now
    session.flush()


def _notify(session: Session, name: str) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_notify(:channel, :name)"), {"channel": CHANNEL, "name": name}
        )


def _require(definitions: Mapping[str, FlagDefinition], name: str, reason: str) -> FlagDefinition:
    if not reason.strip():
        raise MissingField(
            "a reason is required: say why the flag changes, for the audit log", param="reason"
        )
    flag = definitions.get(name)
    if flag is None:
        raise NotFound(f"no flag named {name!r}; `lockgate flags list` shows the flags")
    return flag


def _change(
    store: Store,
    *,
    actor: str,
    flag: FlagDefinition,
    value: Any,
    reason: str,
    clear: bool,
) -> FlagState:
    now = dt.datetime.now(dt.UTC)
    with store.transaction() as session:
        _bump(session, now)
        row = session.get(FlagOverrideRow, flag.name)
        before = states({flag.name: flag}, {flag.name: _override(row)} if row else {})[0]
        if clear:
            if row is not None:
                session.delete(row)
            after = FlagState(flag, None)
        else:
            if row is None:
                row = FlagOverrideRow(name=flag.name)
                session.add(row)
            row.value, row.kind, row.updated_at = value, flag.kind.value, now
            row.updated_by, row.reason = actor, reason
            after = states({flag.name: flag}, {flag.name: _override(row)})[0]
        audit.append(
            session,
            actor=actor,
            action="flag.clear" if clear else "flag.set",
            target=f"flag:{flag.name}",
            before=before.as_dict(),
            after=after.as_dict(),
            reason=reason,
        )
        _notify(session, flag.name)
    return after


def set_flag(
    store: Store,
    *,
    actor: str,
    name: str,
    value: Any,
    reason: str,
    definitions: Mapping[str, FlagDefinition],
) -> FlagState:
    """Override flag ``name`` with ``value``: checked against its kind, audited, announced."""
    flag = _require(definitions, name, reason)
    check_value(flag, value)
    return _change(store, actor=actor, flag=flag, value=value, reason=reason, clear=False)


def clear_flag(
    store: Store,
    *,
    actor: str,
    name: str,
    reason: str,
    definitions: Mapping[str, FlagDefinition],
) -> FlagState:
    """Remove ``name``'s override: it serves its manifest default again. Audited, announced."""
    flag = _require(definitions, name, reason)
    return _change(store, actor=actor, flag=flag, value=None, reason=reason, clear=True)
