"""Evidence: records that something was exercised and how it went, read by readiness checks.

Kinds in use: ``drill`` (subject: the scenario), ``backup.restore`` (subject: the backup file),
``alert.test`` (subject: the rule), ``purge`` (subject: the data class), ``audit.verify``,
``rollout`` (subject: service/version, passed when promoted, failed when rolled back).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from lockgate.store.db import Store
from lockgate.store.tables import Evidence


@dataclass(frozen=True, slots=True)
class Proof:
    """One piece of evidence."""

    id: int
    kind: str
    subject: str
    at: dt.datetime
    passed: bool
    actor: str
    details: dict[str, Any]


def _proof(row: Evidence) -> Proof:
    return Proof(row.id, row.kind, row.subject, row.at, row.passed, row.actor, dict(row.details))


def record(
    store: Store,
    *,
    kind: str,
    subject: str,
    passed: bool,
    actor: str,
    details: dict[str, Any] | None = None,
) -> Proof:
    """Store a piece of evidence."""
    row = Evidence(
        kind=kind, subject=subject, at=dt.datetime.now(dt.UTC), passed=passed, actor=actor,
        details=details or {},
    )  # fmt: skip
    with store.transaction() as session:
        session.add(row)
        session.flush()
        return _proof(row)


def latest(
    store: Store, kind: str, *, subject: str | None = None, passed: bool | None = None
) -> Proof | None:
    """The newest evidence of ``kind`` (optionally for one subject, or only passes/failures)."""
    query = select(Evidence).where(Evidence.kind == kind)
    if subject is not None:
        query = query.where(Evidence.subject == subject)
    if passed is not None:
        query = query.where(Evidence.passed.is_(passed))
    with store.transaction() as session:
        row = session.scalars(query.order_by(Evidence.at.desc()).limit(1)).first()
        return _proof(row) if row else None


def since(store: Store, kind: str, after: dt.datetime) -> list[Proof]:
    """Evidence of ``kind`` newer than ``after``, newest first."""
    query = (
        select(Evidence)
        .where(Evidence.kind == kind, Evidence.at > after)
        .order_by(Evidence.at.desc())
    )
    with store.transaction() as session:
        return [_proof(row) for row in session.scalars(query)]
