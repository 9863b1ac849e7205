"""The tamper-evident audit log: append in the caller's transaction, verify the hash chain.

Each record's hash covers its content and the previous record's hash, so an edited, deleted or
reordered record breaks the chain at a point ``verify`` names. Appends serialize: PostgreSQL takes a
transaction-scoped advisory lock; SQLite transactions already begin with the write lock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from lockgate.store.tables import AuditRecord

GENESIS = "0" * 64
_LOCK_ID = 0x10C6A0D  # advisory lock id reserved for audit appends


def _digest(prev_hash: str, record: AuditRecord) -> str:
    body = json.dumps(
        {
            "at": record.at.astimezone(dt.UTC).isoformat(),
            "actor": record.actor,
            "action": record.action,
            "target": record.target,
            "before": record.before,
            "after": record.after,
            "reason": record.reason,
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    target: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditRecord:
    """Add a record to the chain inside the caller's transaction (commits with the change)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
    prev_hash = session.scalar(select(AuditRecord.hash).order_by(AuditRecord.seq.desc()).limit(1))
    now = dt.datetime.now(dt.UTC)
    record = AuditRecord(
        at=now,
        actor=actor,
        action=action,
        target=target,
        before=before,
        after=after,
        reason=reason,
        prev_hash=prev_hash or GENESIS,
        hash="",
    )
    record.hash = _digest(record.prev_hash, record)
    session.add(record)
    session.flush()
    return record


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """Where the chain stops verifying and why."""

    seq: int
    reason: str


def verify(records: Iterable[AuditRecord], *, start: str = GENESIS) -> ChainBreak | None:
    """The first break in ``records`` (ordered by seq), or None when the chain is intact.

    ``start`` is the hash the first record must follow: the genesis, or the anchor left by a
    retention purge of the chain's oldest records.
    """
    prev_hash = start
    for record in records:
        if record.prev_hash != prev_hash:
            return ChainBreak(
                record.seq,
                "the previous-hash link does not match: a record before it was deleted, "
                "inserted or reordered",
            )
        if _digest(prev_hash, record) != record.hash:
            return ChainBreak(record.seq, "the content does not match its hash: it was edited")
        prev_hash = record.hash
    return None


def recent(session: Session, *, limit: int = 100) -> list[AuditRecord]:
    """The newest records, newest first."""
    query = select(AuditRecord).order_by(AuditRecord.seq.desc()).limit(limit)
    return list(session.scalars(query))
