"""Retention: exactly the expired rows per class go, dry runs delete nothing, audit keeps proof."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable

import pytest
from sqlalchemy import delete, func, select, update

from lockgate.manifest import LoadedManifest
from lockgate.privacy.interactions import InteractionSink
from lockgate.privacy.retention import oldest_ages, purge_once, verify_audit
from lockgate.store import audit
from lockgate.store import interactions as repo
from lockgate.store.db import Store
from lockgate.store.tables import AuditRecord, Handoff, RequestLogEntry
from tests.privacy.store.support import EMAIL, SQLITE_ONLY, chat, record

DAY = 86400.0
RETENTION = {"request_log": "30d", "interactions": "10d", "handoffs": "90d", "drift_cache": "5d"}


def _ago(now: dt.datetime, days: float) -> dt.datetime:
    return now - dt.timedelta(days=days)


def _seed(store: Store, sink: InteractionSink, now: dt.datetime) -> dict[str, set[object]]:
    """Rows on both sides of every cutoff; returns the keys that must survive."""
    ages = {"request_log": (31, 29), "interactions": (11, 9), "handoffs": (91, 89)}
    sink(
        [
            record(chat(f"mail {EMAIL}"), at=_ago(now, days).timestamp())
            for days in (*ages["interactions"], 12)
        ]
    )
    with store.transaction() as session:
        for days in (*ages["request_log"], 45):
            session.add(
                RequestLogEntry(
                    request_id=secrets.token_hex(8), at=_ago(now, days), route="chat",
                    status=200, stream=False, latency_ms=1.0,
                )
            )  # fmt: skip
        for days in (*ages["handoffs"], 400):
            session.add(
                Handoff(
                    id=secrets.token_hex(6), created_at=_ago(now, days), service="s",
                    trigger="error", conversation="c", request_id="r",
                )
            )  # fmt: skip
    return _survivors(store, now, {"request_log": 30, "interactions": 10, "handoffs": 90})


def _survivors(store: Store, now: dt.datetime, days: dict[str, int]) -> dict[str, set[object]]:
    with store.transaction() as session:
        return {
            "request_log": set(
                session.scalars(
                    select(RequestLogEntry.id).where(
                        RequestLogEntry.at >= _ago(now, days["request_log"])
                    )
                )
            ),
            "interactions": set(
                session.scalars(
                    select(repo.InteractionRow.id).where(
                        repo.InteractionRow.at >= _ago(now, days["interactions"])
                    )
                )
            ),
            "handoffs": set(
                session.scalars(
                    select(Handoff.id).where(Handoff.created_at >= _ago(now, days["handoffs"]))
                )
            ),
        }


def _remaining(store: Store) -> dict[str, set[object]]:
    with store.transaction() as session:
        return {
            "request_log": set(session.scalars(select(RequestLogEntry.id))),
            "interactions": set(session.scalars(select(repo.InteractionRow.id))),
            "handoffs": set(session.scalars(select(Handoff.id))),
        }


def test_purge_deletes_exactly_the_expired_rows(
    store: Store, write: Callable[..., LoadedManifest], sink: InteractionSink
) -> None:
    """Per class, rows older than the retention go, newer ones stay; a dry run only counts."""
    loaded = write(retention=RETENTION)
    now = dt.datetime.now(dt.UTC)
    keep = _seed(store, sink, now)
    before = _remaining(store)
    with store.transaction() as session:
        audit_before = session.scalar(select(func.count()).select_from(AuditRecord))

    dry = purge_once(store, loaded.manifest, dry_run=True, now=lambda: now)
    assert dry.counts == {"request_log": 2, "interactions": 2, "handoffs": 2}
    assert dry.unmanaged == ("drift_cache",)
    assert dry.run_id is None
    assert _remaining(store) == before
    with store.transaction() as session:
        assert repo.last_purge(session) is None
        assert session.scalar(select(func.count()).select_from(AuditRecord)) == audit_before

    done = purge_once(store, loaded.manifest, now=lambda: now, batch=1)
    assert done.counts == dry.counts
    assert _remaining(store) == keep
    with store.transaction() as session:
        run = repo.last_purge(session)
        pseudonyms = set(session.scalars(select(repo.PseudonymRow.interaction_id)))
        last = session.scalars(select(AuditRecord).order_by(AuditRecord.seq.desc())).first()
    assert run is not None and run.id == done.run_id
    assert run.deleted == dry.counts
    assert pseudonyms == keep["interactions"]
    assert last is not None and last.action == "retention.purge"
    assert last.after is not None and last.after["deleted"] == dry.counts
    assert purge_once(store, loaded.manifest, now=lambda: now).counts == dict.fromkeys(
        dry.counts, 0
    )


@SQLITE_ONLY
def test_classes_without_retention_are_kept(
    store: Store, write: Callable[..., LoadedManifest], sink: InteractionSink
) -> None:
    """No retention for a class means nothing of it is deleted, however old."""
    loaded = write(retention={"handoffs": "90d"})
    now = dt.datetime.now(dt.UTC)
    _seed(store, sink, now)
    before = _remaining(store)
    report = purge_once(store, loaded.manifest, now=lambda: now)
    assert report.counts == {"handoffs": 2}
    after = _remaining(store)
    assert after["request_log"] == before["request_log"]
    assert after["interactions"] == before["interactions"]


@SQLITE_ONLY
def test_oldest_age_per_class(
    store: Store, write: Callable[..., LoadedManifest], sink: InteractionSink
) -> None:
    """The age of the oldest record of each class, None for an empty class."""
    now = dt.datetime.now(dt.UTC)
    empty = oldest_ages(store, now=lambda: now)
    assert empty == dict.fromkeys(("request_log", "interactions", "handoffs", "audit"))
    _seed(store, sink, now)
    ages = oldest_ages(store, now=lambda: now)
    assert ages["request_log"] == pytest.approx(45 * DAY, abs=1)
    assert ages["interactions"] == pytest.approx(12 * DAY, abs=1)
    assert ages["handoffs"] == pytest.approx(400 * DAY, abs=1)
    assert ages["audit"] is None


def _audit_five(store: Store) -> list[AuditRecord]:
    for index in range(5):
        with store.transaction() as session:
            audit.append(session, actor="t", action="test.step", target=str(index))
    with store.transaction() as session:
        return list(session.scalars(select(AuditRecord).order_by(AuditRecord.seq)))


def _purge_audit_before(store: Store, write: Callable[..., LoadedManifest], at: dt.datetime) -> int:
    """Purge with a clock that puts the 400-day cutoff just after ``at``; returns the anchor."""
    loaded = write(retention={"audit": "400d"})
    now = at + dt.timedelta(days=400, microseconds=1)
    report = purge_once(store, loaded.manifest, now=lambda: now)
    assert report.anchor_seq is not None
    return report.anchor_seq


def test_audit_purge_keeps_the_chain_verifiable(
    store: Store, write: Callable[..., LoadedManifest]
) -> None:
    """Only the prefix older than the cutoff goes; the rest still verifies from the anchor."""
    records = _audit_five(store)
    anchor = _purge_audit_before(store, write, records[2].at)
    assert anchor == records[2].seq
    with store.transaction() as session:
        left = list(session.scalars(select(AuditRecord.seq).order_by(AuditRecord.seq)))
        stored = repo.get_anchor(session)
    assert left[:2] == [records[3].seq, records[4].seq]
    assert len(left) == 3  # plus the purge's own record
    assert stored is not None and stored.hash == records[2].hash
    check = verify_audit(store)
    assert check.broken is None
    assert (check.count, check.anchor_seq) == (3, records[2].seq)


@SQLITE_ONLY
def test_audit_purge_never_empties_the_chain(
    store: Store, write: Callable[..., LoadedManifest]
) -> None:
    """Even when every record is past the cutoff, the newest stays and the chain verifies."""
    records = _audit_five(store)
    anchor = _purge_audit_before(store, write, records[-1].at + dt.timedelta(days=1))
    assert anchor == records[-2].seq
    with store.transaction() as session:
        left = list(session.scalars(select(AuditRecord.seq).order_by(AuditRecord.seq)))
    assert left[0] == records[-1].seq
    assert verify_audit(store).broken is None


@pytest.mark.parametrize("tamper", ["delete_first", "move_anchor", "drop_anchor"])
def test_tampering_after_an_audit_purge_is_detected(
    store: Store, write: Callable[..., LoadedManifest], tamper: str
) -> None:
    """Deleting the new head, moving the anchor past it, or removing the anchor breaks."""
    records = _audit_five(store)
    _purge_audit_before(store, write, records[1].at)
    with store.transaction() as session:
        if tamper == "delete_first":
            session.execute(delete(AuditRecord).where(AuditRecord.seq == records[2].seq))
        elif tamper == "move_anchor":
            session.execute(delete(AuditRecord).where(AuditRecord.seq == records[2].seq))
            session.execute(
                update(repo.AuditAnchorRow).values(seq=records[2].seq, hash=records[2].hash)
            )
        else:
            session.execute(delete(repo.AuditAnchorRow))
    broken = verify_audit(store).broken
    assert broken is not None
    # The walk stops at the first record whose link fails, or at an anchor no purge vouches for.
    first_bad = {"delete_first": 3, "move_anchor": 2, "drop_anchor": 2}[tamper]
    assert broken.seq == records[first_bad].seq
