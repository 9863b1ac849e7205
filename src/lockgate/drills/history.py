"""Drill results as evidence (kind ``drill``, subject: the scenario) and the list of past drills."""

from __future__ import annotations

from sqlalchemy import select

from lockgate.drills.model import DrillReport
from lockgate.store import evidence
from lockgate.store.db import Store
from lockgate.store.evidence import Proof
from lockgate.store.tables import Evidence

KIND = "drill"


def record(store: Store, report: DrillReport, *, actor: str) -> Proof:
    """Store an available drill's outcome; a drill that was not available is not evidence."""
    if not report.available:
        raise ValueError("a drill that was not available is no evidence; nothing to record")
    return evidence.record(
        store,
        kind=KIND,
        subject=report.scenario.value,
        passed=report.passed,
        actor=actor,
        details=report.details(),
    )


def past(store: Store, *, scenario: str | None = None, limit: int = 20) -> list[Proof]:
    """The newest drills (of ``scenario``), newest first."""
    query = select(Evidence).where(Evidence.kind == KIND)
    if scenario is not None:
        query = query.where(Evidence.subject == scenario)
    query = query.order_by(Evidence.at.desc(), Evidence.id.desc()).limit(limit)
    with store.transaction() as session:
        return [
            Proof(row.id, row.kind, row.subject, row.at, row.passed, row.actor, dict(row.details))
            for row in session.scalars(query)
        ]
