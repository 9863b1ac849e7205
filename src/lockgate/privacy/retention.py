"""How stored data leaves: retention purges per data class, the audit anchor, and erasure.

Retention (``data.retention``) applies per stored class: ``request_log``, ``interactions``,
``handoffs`` and ``audit``. A class without a retention is kept. The audit log is purged only as a
*prefix*: the newest record always stays, the hash of the last purged record becomes the chain's
anchor, and the purge's own audit record names that anchor, so ``verify_audit`` still proves every
remaining record and can tell a purge from a deleted head.

Erasure (``forget``) computes a person's pseudonyms for every tenant, deletes each interaction
carrying one, and the request-log rows and hand-off tickets with the same request ids.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from lockgate.manifest import Manifest
from lockgate.privacy.interactions import DEFAULT_TENANT, Pseudonymizer
from lockgate.store import audit
from lockgate.store import interactions as repo
from lockgate.store.audit import ChainBreak
from lockgate.store.db import Store
from lockgate.store.tables import AuditRecord, Handoff, RequestLogEntry

AUDIT = "audit"
PURGE_ACTION = "retention.purge"
MAX_BATCHES = 100_000
Clock = Callable[[], dt.datetime]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class RetentionClass:
    """A stored class: its table's key, its time column, and rows to delete with it."""

    name: str
    key: InstrumentedAttribute[Any]
    stamp: InstrumentedAttribute[Any]
    children: InstrumentedAttribute[Any] | None = None


TABLE_CLASSES = (
    RetentionClass("request_log", RequestLogEntry.id, RequestLogEntry.at),
    RetentionClass(
        "interactions",
        repo.InteractionRow.id,
        repo.InteractionRow.at,
        repo.PseudonymRow.interaction_id,
    ),
    RetentionClass("handoffs", Handoff.id, Handoff.created_at),
)
CLASSES = (*(c.name for c in TABLE_CLASSES), AUDIT)


@dataclass(frozen=True, slots=True)
class ClassPurge:
    """One class in a purge: its retention, the cutoff, and rows deleted (or due, in a dry run)."""

    name: str
    retention_s: float
    cutoff: dt.datetime
    count: int


@dataclass(frozen=True, slots=True)
class PurgeReport:
    """A purge run's outcome."""

    at: dt.datetime
    classes: tuple[ClassPurge, ...]
    unmanaged: tuple[str, ...]
    dry_run: bool = False
    run_id: int | None = None
    anchor_seq: int | None = None

    @property
    def counts(self) -> dict[str, int]:
        """Rows per class."""
        return {c.name: c.count for c in self.classes}


def purge_once(
    store: Store,
    manifest: Manifest,
    *,
    dry_run: bool = False,
    actor: str = "lockgate:retention",
    now: Clock = _utcnow,
    batch: int = 1000,
) -> PurgeReport:
    """Delete what ``data.retention`` says has expired; a dry run only counts and writes nothing.

    Each table class is deleted in batches of ``batch`` rows (short transactions); the audit
    prefix, its anchor, the purge's audit record and the ``purge_runs`` row commit together.
    """
    started = now()
    retention = manifest.data.retention
    unmanaged = tuple(sorted(name for name in retention if name not in CLASSES))
    results: list[ClassPurge] = []
    for table in TABLE_CLASSES:
        if table.name in retention:
            cutoff = started - dt.timedelta(seconds=retention[table.name])
            if dry_run:
                count = _count(store, table.stamp, cutoff)
            else:
                count = _delete(store, table, cutoff, batch)
            results.append(ClassPurge(table.name, retention[table.name], cutoff, count))
    kept = retention.get(AUDIT)
    audit_cutoff = None if kept is None else started - dt.timedelta(seconds=kept)
    with store.transaction() as session:
        last = None if audit_cutoff is None else _audit_prefix_end(session, audit_cutoff)
        if kept is not None and audit_cutoff is not None:
            count = 0 if last is None else _audit_count(session, last.seq)
            results.append(ClassPurge(AUDIT, kept, audit_cutoff, count))
        if dry_run:
            return PurgeReport(started, tuple(results), unmanaged, dry_run=True)
        deleted = {c.name: c.count for c in results}
        cutoffs = {c.name: c.cutoff.isoformat() for c in results}
        after: dict[str, Any] = {"deleted": deleted, "cutoffs": cutoffs}
        if last is not None:
            after["audit_anchor"] = {"seq": last.seq, "hash": last.hash}
        # Appended before the prefix goes, so the chain never runs empty.
        audit.append(session, actor=actor, action=PURGE_ACTION, target="retention", after=after)
        if last is not None:
            session.execute(delete(AuditRecord).where(AuditRecord.seq <= last.seq))
            repo.set_anchor(session, seq=last.seq, hash_=last.hash, at=last.at)
        run = repo.record_purge(
            session, started_at=started, actor=actor, deleted=deleted, cutoffs=cutoffs
        )
        return PurgeReport(
            started,
            tuple(results),
            unmanaged,
            dry_run=False,
            run_id=run.id,
            anchor_seq=None if last is None else last.seq,
        )


def _count(store: Store, stamp: InstrumentedAttribute[Any], cutoff: dt.datetime) -> int:
    with store.transaction() as session:
        return repo.count_before(session, stamp, cutoff)


def _delete(store: Store, table: RetentionClass, cutoff: dt.datetime, batch: int) -> int:
    total = 0
    for _ in range(MAX_BATCHES):
        with store.transaction() as session:
            keys = repo.expired_keys(session, table.key, table.stamp, cutoff, limit=batch)
            total += repo.delete_where_in(session, table.key, keys, children=table.children)
        if len(keys) < batch:
            break
    return total


def _audit_prefix_end(session: Session, cutoff: dt.datetime) -> AuditRecord | None:
    """The last record of the purgeable prefix: older than ``cutoff``, never the newest."""
    newest = session.scalar(select(func.max(AuditRecord.seq)))
    if newest is None:
        return None
    query = (
        select(AuditRecord)
        .where(AuditRecord.at < cutoff, AuditRecord.seq < newest)
        .order_by(AuditRecord.seq.desc())
        .limit(1)
    )
    return session.scalar(query)


def _audit_count(session: Session, last_seq: int) -> int:
    query = select(func.count()).select_from(AuditRecord).where(AuditRecord.seq <= last_seq)
    return int(session.scalar(query) or 0)


def oldest_ages(store: Store, *, now: Clock = _utcnow) -> dict[str, float | None]:
    """Seconds since the oldest record of each class (None when the class is empty)."""
    stamps = [(c.name, c.stamp) for c in TABLE_CLASSES] + [(AUDIT, AuditRecord.at)]
    current = now()
    with store.transaction() as session:
        ages: dict[str, float | None] = {}
        for name, stamp in stamps:
            first = repo.oldest(session, stamp)
            ages[name] = None if first is None else (current - first).total_seconds()
        return ages


# The audit chain ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuditCheck:
    """The chain walked: how many records, the newest hash, the anchor, and the first break."""

    count: int
    head: str | None
    anchor_seq: int | None
    broken: ChainBreak | None


def _vouched(session: Session, anchor: repo.AuditAnchorRow) -> bool:
    """Whether the newest purge record that moved the anchor names this anchor."""
    query = (
        select(AuditRecord)
        .where(AuditRecord.action == PURGE_ACTION)
        .order_by(AuditRecord.seq.desc())
        .execution_options(yield_per=100)
    )
    for record in session.scalars(query):
        named = (record.after or {}).get("audit_anchor")
        if named is not None:
            return bool(named == {"seq": anchor.seq, "hash": anchor.hash})
    return False


def audit_records(
    store: Store,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    page: int = 1000,
) -> Iterator[AuditRecord]:
    """Audit records oldest first, read in short transactions of ``page`` records each.

    Short reads matter on SQLite, where every transaction holds the single write lock.
    """
    after = -1
    while True:
        query = select(AuditRecord).where(AuditRecord.seq > after)
        if since is not None:
            query = query.where(AuditRecord.at >= since)
        if until is not None:
            query = query.where(AuditRecord.at < until)
        with store.transaction() as session:
            rows = list(session.scalars(query.order_by(AuditRecord.seq).limit(page)))
        yield from rows
        if len(rows) < page:
            return
        after = rows[-1].seq


def verify_audit(store: Store) -> AuditCheck:
    """Walk the whole chain with ``audit.verify``, or from its anchor once its head was purged."""
    count = 0
    head: str | None = None

    def counted(records: Iterable[AuditRecord]) -> Iterator[AuditRecord]:
        nonlocal count, head
        for record in records:
            count += 1
            head = record.hash
            yield record

    with store.transaction() as session:
        anchor = repo.get_anchor(session)
    records = counted(audit_records(store))
    if anchor is None:
        broken = audit.verify(records)
        return AuditCheck(count, head, None, broken)
    broken = audit.verify(records, start=anchor.hash)
    if broken is None:
        with store.transaction() as session:
            if not _vouched(session, anchor):
                broken = ChainBreak(
                    anchor.seq,
                    "the chain starts at an anchor no retention.purge record names: "
                    "its head was deleted outside a purge",
                )
    return AuditCheck(count, head, anchor.seq, broken)


def export_audit(
    store: Store, *, since: dt.datetime, until: dt.datetime | None = None
) -> Iterator[dict[str, Any]]:
    """Audit records from ``since`` (inclusive) to ``until`` (exclusive), oldest first."""
    for record in audit_records(store, since=since, until=until):
        yield {
            "seq": record.seq,
            "at": record.at.isoformat(),
            "actor": record.actor,
            "action": record.action,
            "target": record.target,
            "before": record.before,
            "after": record.after,
            "reason": record.reason,
            "prev_hash": record.prev_hash,
            "hash": record.hash,
        }


# Erasure -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ErasureReport:
    """What ``forget`` found and deleted (or would delete, in a dry run)."""

    pseudonyms: tuple[str, ...]
    tenants: tuple[str, ...]
    interactions: tuple[str, ...]
    request_ids: tuple[str, ...]
    request_log: int
    handoffs: int
    dry_run: bool

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form; holds pseudonyms, never the values they stand for."""
        return {
            "pseudonyms": list(self.pseudonyms),
            "tenants": list(self.tenants),
            "interactions": list(self.interactions),
            "request_ids": list(self.request_ids),
            "request_log": self.request_log,
            "handoffs": self.handoffs,
            "dry_run": self.dry_run,
        }


def forget(
    store: Store,
    pseudonymizer: Pseudonymizer,
    *,
    actor: str,
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
    pseudonyms: Sequence[str] = (),
    tenants: Sequence[str] | None = None,
    dry_run: bool = False,
) -> ErasureReport:
    """Delete every stored record of one person. Audited with pseudonyms only."""
    if not (emails or phones or pseudonyms):
        raise ValueError("name the person: at least one e-mail, phone number or pseudonym")
    with store.transaction() as session:
        seen = tenants if tenants is not None else repo.tenants(session)
        scope = tuple(sorted({t or DEFAULT_TENANT for t in seen}))
        computed = [
            pseudonymizer.of(tenant, kind, value)
            for tenant in scope
            for kind, values in (("EMAIL", emails), ("PHONE", phones))
            for value in values
        ]
        tokens = sorted({p.strip().strip("<>") for p in pseudonyms})
        found = repo.carrying(session, digests=[p.digest for p in computed], tokens=tokens)
        ids = [interaction_id for interaction_id, _ in found]
        request_ids = sorted({request_id for _, request_id in found})
        shown = tuple(sorted({p.token for p in computed} | set(tokens)))
        if dry_run:
            logged = _count_in(session, RequestLogEntry.request_id, request_ids)
            tickets = _count_in(session, Handoff.request_id, request_ids)
        else:
            repo.delete_interactions(session, ids)
            logged, tickets = repo.delete_linked(session, request_ids)
            audit.append(
                session,
                actor=actor,
                action="privacy.forget",
                target=",".join(shown)[:300],
                after={
                    "pseudonyms": list(shown),
                    "interactions": len(ids),
                    "request_log": logged,
                    "handoffs": tickets,
                },
            )
    return ErasureReport(shown, scope, tuple(ids), tuple(request_ids), logged, tickets, dry_run)


def _count_in(session: Session, column: InstrumentedAttribute[Any], values: Sequence[str]) -> int:
    total = 0
    for start in range(0, len(values), 500):
        chunk = values[start : start + 500]
        query = select(func.count()).select_from(column.class_).where(column.in_(chunk))
        total += int(session.scalar(query) or 0)
    return total
