"""Stored interactions, their data keys, pseudonyms for erasure, purge runs and the audit anchor.

Only ciphertext, pseudonyms and metadata live here: ``interactions.payload`` is sealed by
``lockgate.privacy.kms``; ``interaction_pseudonyms`` holds the keyed HMAC of every entity found
in a record (never its value), so erasure finds a person's records with an index lookup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.orm import InstrumentedAttribute, Mapped, Session, defer, mapped_column

from lockgate.store.tables import Base, Handoff, RequestLogEntry

_ID = BigInteger().with_variant(Integer, "sqlite")
_IN_CHUNK = 500  # bound parameters per IN (...) list, well under every backend's limit


class DataKeyRow(Base):
    """A data key, stored only wrapped by the key-encryption key."""

    __tablename__ = "data_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    provider: Mapped[str] = mapped_column(String(40))
    kek_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime]
    active: Mapped[bool] = mapped_column(Boolean)


class InteractionRow(Base):
    """One request and its response, redacted then encrypted, with provenance."""

    __tablename__ = "interactions"
    __table_args__ = (
        Index("ix_interactions_at", "at"),
        Index("ix_interactions_request_id", "request_id"),
        Index("ix_interactions_tenant", "tenant"),
        Index("ix_interactions_data_key_id", "data_key_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime]
    service: Mapped[str | None] = mapped_column(String(100), nullable=True)
    version: Mapped[str | None] = mapped_column(String(100), nullable=True)
    revision: Mapped[str] = mapped_column(String(64))
    sources: Mapped[list[str]] = mapped_column(JSON)
    key_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    tenant: Mapped[str | None] = mapped_column(String(200), nullable=True)
    conversation: Mapped[str | None] = mapped_column(String(200), nullable=True)
    route: Mapped[str] = mapped_column(String(40))
    status: Mapped[int] = mapped_column(Integer)
    stream: Mapped[bool] = mapped_column(Boolean)
    entities: Mapped[dict[str, Any]] = mapped_column(JSON)
    data_key_id: Mapped[str] = mapped_column(String(32), ForeignKey("data_keys.id"))
    payload: Mapped[bytes] = mapped_column(LargeBinary)


class PseudonymRow(Base):
    """A pseudonym found in an interaction: the keyed HMAC of (tenant, type, value)."""

    __tablename__ = "interaction_pseudonyms"
    __table_args__ = (
        Index("ix_interaction_pseudonyms_digest", "digest"),
        Index("ix_interaction_pseudonyms_token", "token"),
    )

    interaction_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True
    )
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    token: Mapped[str] = mapped_column(String(80))


class PurgeRunRow(Base):
    """A retention purge that ran: when, by whom, and how many rows per class it deleted."""

    __tablename__ = "purge_runs"
    __table_args__ = (Index("ix_purge_runs_finished_at", "finished_at"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    started_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(200))
    deleted: Mapped[dict[str, Any]] = mapped_column(JSON)
    cutoffs: Mapped[dict[str, Any]] = mapped_column(JSON)


class AuditAnchorRow(Base):
    """Where the audit chain starts after its oldest records were purged (a single row)."""

    __tablename__ = "audit_anchor"
    __table_args__ = (CheckConstraint("id = 1", name="ck_audit_anchor_single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(_ID)
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


# Data keys ---------------------------------------------------------------------------------


def add_data_key(
    session: Session, *, key_id: str, wrapped: bytes, provider: str, kek_id: str, active: bool
) -> DataKeyRow:
    """Insert a wrapped data key."""
    row = DataKeyRow(
        id=key_id,
        wrapped=wrapped,
        provider=provider,
        kek_id=kek_id,
        created_at=dt.datetime.now(dt.UTC),
        active=active,
    )
    session.add(row)
    session.flush()
    return row


def get_data_key(session: Session, key_id: str) -> DataKeyRow | None:
    """One data key by id."""
    return session.get(DataKeyRow, key_id)


def active_data_key(session: Session) -> DataKeyRow | None:
    """The newest active key (two replicas starting together may each have made one)."""
    query = (
        select(DataKeyRow)
        .where(DataKeyRow.active.is_(True))
        .order_by(DataKeyRow.created_at.desc(), DataKeyRow.id.desc())
        .limit(1)
    )
    return session.scalar(query)


def deactivate_data_keys(session: Session, *, keep: str) -> None:
    """Every key but ``keep`` stops being used for new writes."""
    session.execute(update(DataKeyRow).where(DataKeyRow.id != keep).values(active=False))


def data_keys_in_use(session: Session) -> list[tuple[DataKeyRow, int]]:
    """Every data key, oldest first, with how many interactions it encrypts."""
    counts = dict(
        session.execute(
            select(InteractionRow.data_key_id, func.count()).group_by(InteractionRow.data_key_id)
        ).all()
    )
    rows = session.scalars(select(DataKeyRow).order_by(DataKeyRow.created_at, DataKeyRow.id))
    return [(row, int(counts.get(row.id, 0))) for row in rows]


def sealed_with_other_keys(
    session: Session, *, active: str, after: str, limit: int
) -> list[InteractionRow]:
    """Up to ``limit`` interactions not under ``active``, with ids after ``after`` (keyset)."""
    query = (
        select(InteractionRow)
        .where(InteractionRow.data_key_id != active, InteractionRow.id > after)
        .order_by(InteractionRow.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def replace_payload(
    session: Session, interaction_id: str, *, expected_key: str, key_id: str, payload: bytes
) -> bool:
    """Swap in a payload sealed with ``key_id`` if the record is still under ``expected_key``."""
    result = session.execute(
        update(InteractionRow)
        .where(InteractionRow.id == interaction_id, InteractionRow.data_key_id == expected_key)
        .values(data_key_id=key_id, payload=payload)
    )
    return bool(getattr(result, "rowcount", 0))


# Interactions ------------------------------------------------------------------------------


def add_interactions(
    session: Session, rows: Sequence[InteractionRow], pseudonyms: Sequence[PseudonymRow]
) -> None:
    """Insert interactions and their pseudonyms."""
    session.add_all(rows)
    session.flush()
    session.add_all(pseudonyms)


def get_interaction(session: Session, interaction_id: str) -> InteractionRow | None:
    """One interaction by id, payload included."""
    return session.get(InteractionRow, interaction_id)


def pseudonyms_of(session: Session, interaction_id: str) -> list[PseudonymRow]:
    """The pseudonyms recorded for one interaction."""
    query = select(PseudonymRow).where(PseudonymRow.interaction_id == interaction_id)
    return list(session.scalars(query.order_by(PseudonymRow.entity_type, PseudonymRow.token)))


def list_interactions(
    session: Session, *, limit: int, service: str | None = None, tenant: str | None = None
) -> list[InteractionRow]:
    """Newest interactions first, without loading their payloads."""
    query = select(InteractionRow).options(defer(InteractionRow.payload))
    if service is not None:
        query = query.where(InteractionRow.service == service)
    if tenant is not None:
        query = query.where(InteractionRow.tenant == tenant)
    query = query.order_by(InteractionRow.at.desc(), InteractionRow.id.desc()).limit(limit)
    return list(session.scalars(query))


def tenants(session: Session) -> list[str | None]:
    """Every tenant that has stored interactions (None for requests without one)."""
    return list(session.scalars(select(InteractionRow.tenant).distinct()))


def carrying(
    session: Session, *, digests: Collection[str] = (), tokens: Collection[str] = ()
) -> list[tuple[str, str]]:
    """``(interaction id, request id)`` of every interaction holding one of the pseudonyms."""
    found: dict[str, str] = {}
    for column, values in ((PseudonymRow.digest, digests), (PseudonymRow.token, tokens)):
        ordered = sorted(set(values))
        for start in range(0, len(ordered), _IN_CHUNK):
            query = (
                select(InteractionRow.id, InteractionRow.request_id)
                .join(PseudonymRow, PseudonymRow.interaction_id == InteractionRow.id)
                .where(column.in_(ordered[start : start + _IN_CHUNK]))
            )
            found.update((str(a), str(b)) for a, b in session.execute(query).all())
    return sorted(found.items())


def delete_interactions(session: Session, ids: Collection[str]) -> int:
    """Delete interactions (and their pseudonyms) by id; returns how many went."""
    return delete_where_in(session, InteractionRow.id, ids, children=PseudonymRow.interaction_id)


def delete_where_in(
    session: Session,
    column: InstrumentedAttribute[Any],
    values: Collection[Any],
    *,
    children: InstrumentedAttribute[Any] | None = None,
) -> int:
    """``DELETE ... WHERE column IN values`` in bounded chunks; ``children`` rows go first."""
    ordered = sorted(set(values))
    total = 0
    for start in range(0, len(ordered), _IN_CHUNK):
        chunk = ordered[start : start + _IN_CHUNK]
        if children is not None:
            session.execute(delete(children.class_).where(children.in_(chunk)))
        result = session.execute(delete(column.class_).where(column.in_(chunk)))
        total += int(getattr(result, "rowcount", 0) or 0)
    return total


def delete_linked(session: Session, request_ids: Collection[str]) -> tuple[int, int]:
    """Delete request-log rows and hand-off tickets of ``request_ids``: (log rows, tickets)."""
    logged = delete_where_in(session, RequestLogEntry.request_id, request_ids)
    tickets = delete_where_in(session, Handoff.request_id, request_ids)
    return logged, tickets


# Retention ---------------------------------------------------------------------------------


def expired_keys(
    session: Session,
    key: InstrumentedAttribute[Any],
    stamp: InstrumentedAttribute[Any],
    cutoff: dt.datetime,
    *,
    limit: int,
) -> list[Any]:
    """Up to ``limit`` primary keys of rows whose ``stamp`` is before ``cutoff``."""
    query = select(key).where(stamp < cutoff).order_by(stamp, key).limit(limit)
    return list(session.scalars(query))


def count_before(session: Session, stamp: InstrumentedAttribute[Any], cutoff: dt.datetime) -> int:
    """How many rows have ``stamp`` before ``cutoff``."""
    return int(session.scalar(select(func.count()).where(stamp < cutoff)) or 0)


def oldest(session: Session, stamp: InstrumentedAttribute[Any]) -> dt.datetime | None:
    """The oldest ``stamp`` in its table."""
    value = session.scalar(select(func.min(stamp)))
    if value is None or isinstance(value, dt.datetime):
        return _aware(value)
    # SQLite returns aggregates of datetimes as text, bypassing the column type.
    return _aware(dt.datetime.fromisoformat(str(value)))


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def record_purge(
    session: Session,
    *,
    started_at: dt.datetime,
    actor: str,
    deleted: dict[str, int],
    cutoffs: dict[str, str],
) -> PurgeRunRow:
    """Record a finished purge run."""
    row = PurgeRunRow(
        started_at=started_at,
        finished_at=dt.datetime.now(dt.UTC),
        actor=actor,
        deleted=deleted,
        cutoffs=cutoffs,
    )
    session.add(row)
    session.flush()
    return row


def last_purge(session: Session) -> PurgeRunRow | None:
    """The newest purge run."""
    return session.scalar(select(PurgeRunRow).order_by(PurgeRunRow.id.desc()).limit(1))


def get_anchor(session: Session) -> AuditAnchorRow | None:
    """The audit chain's anchor, when its head was purged."""
    return session.get(AuditAnchorRow, 1)


def set_anchor(session: Session, *, seq: int, hash_: str, at: dt.datetime) -> None:
    """Move the audit chain's anchor to the last purged record."""
    row = session.get(AuditAnchorRow, 1)
    now = dt.datetime.now(dt.UTC)
    if row is None:
        session.add(AuditAnchorRow(id=1, seq=seq, hash=hash_, at=at, updated_at=now))
    else:
        row.seq, row.hash, row.at, row.updated_at = seq, hash_, at, now
    session.flush()
