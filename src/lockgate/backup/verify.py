"""Checks on a restored store: migration revision, audit chain and rows per table.

The file-level check (SQLite ``PRAGMA integrity_check``, or ``pg_restore`` completing) happens
before; here the restored database is opened as a ``Store`` and read like a gateway would.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import func, inspect, select, table
from sqlalchemy.exc import SQLAlchemyError

from lockgate.store import audit, migrate
from lockgate.store.audit import ChainBreak
from lockgate.store.db import Store
from lockgate.store.tables import AuditRecord

AUDIT_BATCH = 1000


@dataclass(frozen=True, slots=True)
class RestoreReport:
    """What a verified restore found; ``passed`` when every check holds."""

    backup: Path
    format: str
    size: int
    sha256: str
    at: dt.datetime
    seconds: float
    integrity: tuple[str, ...] = ()
    """Problems of the restored file or database (empty: sound)."""
    revision: str | None = None
    head: str = ""
    revision_known: bool = False
    audit_records: int = 0
    chain_break: ChainBreak | None = None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why verification failed (empty when it passed)."""
        found = [f"integrity: {problem}" for problem in self.integrity]
        if self.revision is None:
            found.append("revision: the backup has no migration revision (alembic_version)")
        elif not self.revision_known:
            found.append(
                f"revision: {self.revision} is unknown to this release (head {self.head}); "
                "restore it with the Lockgate release that made it"
            )
        if self.chain_break is not None:
            found.append(
                f"audit chain: breaks at record {self.chain_break.seq}: {self.chain_break.reason}"
            )
        return tuple(found)

    @property
    def passed(self) -> bool:
        """Every check holds."""
        return not self.reasons

    def details(self) -> dict[str, Any]:
        """The JSON stored with the evidence."""
        return {
            "backup": str(self.backup),
            "format": self.format,
            "size": self.size,
            "sha256": self.sha256,
            "seconds": round(self.seconds, 3),
            "integrity": list(self.integrity) or "ok",
            "revision": self.revision,
            "head": self.head,
            "revision_current": self.revision == self.head,
            "audit_records": self.audit_records,
            "audit_chain": "intact"
            if self.chain_break is None
            else {"seq": self.chain_break.seq, "reason": self.chain_break.reason},
            "counts": dict(sorted(self.counts.items())),
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True, slots=True)
class StoreFindings:
    """What reading the restored store found."""

    revision: str | None
    revision_known: bool
    audit_records: int
    chain_break: ChainBreak | None
    counts: dict[str, int]
    problems: tuple[str, ...] = ()

    @classmethod
    def nothing(cls) -> StoreFindings:
        """Nothing could be read (the file-level check failed first)."""
        return cls(None, revision_known=False, audit_records=0, chain_break=None, counts={})


def known_revision(revision: str) -> bool:
    """Whether this release ships migration ``revision``."""
    scripts = ScriptDirectory(str(migrate.MIGRATIONS))
    try:
        return scripts.get_revision(revision) is not None
    except CommandError:
        return False


def _audit(store: Store) -> ChainBreak | None:
    with store.transaction() as session:
        query = select(AuditRecord).order_by(AuditRecord.seq)
        result = session.scalars(query.execution_options(yield_per=AUDIT_BATCH))
        try:
            return audit.verify(result)
        finally:
            result.close()  # a break ends the scan early: release the server-side cursor


def _counts(store: Store) -> dict[str, int]:
    names = inspect(store.engine).get_table_names()
    with store.engine.connect() as conn:
        return {
            name: int(conn.execute(select(func.count()).select_from(table(name))).scalar_one())
            for name in sorted(names)
        }


def read_store(store: Store) -> StoreFindings:
    """Revision, audit chain and row counts of a restored store; unreadable parts as problems."""
    try:
        revision = migrate.current(store)
        counts = _counts(store)
        chain_break = _audit(store)
    except SQLAlchemyError as exc:
        problem = f"the restored database cannot be read ({type(exc).__name__}: {exc})"
        return replace(StoreFindings.nothing(), problems=(problem,))
    known = revision is not None and known_revision(revision)
    return StoreFindings(revision, known, counts.get("audit_log", 0), chain_break, counts)
