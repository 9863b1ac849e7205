"""Right to erasure: exactly one person's records go, across tenants, audited by pseudonym."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from lockgate.manifest import LoadedManifest
from lockgate.privacy.interactions import InteractionSink, pseudonymizer_for
from lockgate.privacy.retention import forget
from lockgate.store import handoffs
from lockgate.store import interactions as repo
from lockgate.store.db import Store
from lockgate.store.requestlog import RequestRecord
from lockgate.store.tables import AuditRecord, Handoff, RequestLogEntry
from tests.privacy.store.support import (
    EMAIL,
    SQLITE_ONLY,
    chat,
    completion,
    leaks,
    raw_dump,
    record,
)

OTHER = "john.smith@example.com"


def _traffic(store: Store, sink: InteractionSink) -> dict[str, RequestRecord]:
    """Interactions for several people and tenants, each with a request-log row and a ticket."""
    records = {
        "maria_acme": record(chat(f"I am {EMAIL}"), completion("ok"), tenant="acme"),
        "maria_globex": record(chat(f"mail {EMAIL.upper()}"), tenant="globex"),
        "maria_no_tenant": record(chat("hi"), completion(f"we wrote to {EMAIL}"), tenant=None),
        "john_acme": record(chat(f"I am {OTHER}"), tenant="acme"),
        "phone_acme": record(chat("call me on 415.555.2671"), tenant="acme"),
    }
    sink(list(records.values()))
    with store.transaction() as session:
        for item in records.values():
            session.add(
                RequestLogEntry(
                    request_id=item.request_id, at=dt.datetime.now(dt.UTC), route="chat",
                    status=200, stream=False, latency_ms=1.0,
                )
            )  # fmt: skip
    for item in records.values():
        handoffs.open_ticket(
            store, service="s", version="v1", trigger="error", conversation="c",
            request_id=item.request_id, key_id=None,
        )  # fmt: skip
    return records


def _left(store: Store) -> tuple[set[str], set[str], set[str]]:
    with store.transaction() as session:
        return (
            set(session.scalars(select(repo.InteractionRow.request_id))),
            set(session.scalars(select(RequestLogEntry.request_id))),
            set(session.scalars(select(Handoff.request_id))),
        )


def test_forget_deletes_exactly_the_persons_records(
    db_url: str, store: Store, sink: InteractionSink, loaded: LoadedManifest
) -> None:
    """Every tenant's records carrying the address go with their linked rows; no others do."""
    records = _traffic(store, sink)
    report = forget(store, pseudonymizer_for(loaded), actor="cli:dpo", emails=[EMAIL])
    gone = {records[name].request_id for name in ("maria_acme", "maria_globex", "maria_no_tenant")}
    kept = {records[name].request_id for name in ("john_acme", "phone_acme")}
    assert set(report.request_ids) == gone
    assert len(report.interactions) == 3
    assert (report.request_log, report.handoffs) == (3, 3)
    assert report.tenants == ("acme", "default", "globex")
    assert _left(store) == (kept, kept, kept)

    with store.transaction() as session:
        last = session.scalars(select(AuditRecord).order_by(AuditRecord.seq.desc())).first()
    assert last is not None and last.action == "privacy.forget"
    assert last.after is not None
    assert set(last.after["pseudonyms"]) == set(report.pseudonyms)
    assert last.after["interactions"] == 3
    assert not leaks(raw_dump(store, db_url), (EMAIL,))


@SQLITE_ONLY
def test_dry_run_reports_and_deletes_nothing(
    store: Store, sink: InteractionSink, loaded: LoadedManifest
) -> None:
    """A dry run finds the same records, deletes none and writes no audit record."""
    _traffic(store, sink)
    before = _left(store)
    with store.transaction() as session:
        audited = len(list(session.scalars(select(AuditRecord.seq))))
    report = forget(store, pseudonymizer_for(loaded), actor="t", emails=[EMAIL], dry_run=True)
    assert len(report.interactions) == 3
    assert (report.request_log, report.handoffs) == (3, 3)
    assert _left(store) == before
    with store.transaction() as session:
        assert len(list(session.scalars(select(AuditRecord.seq)))) == audited


@SQLITE_ONLY
@pytest.mark.parametrize("phone", ["+1 415 555 2671", "(415) 555-2671", "4155552671"])
def test_phone_in_any_format(
    store: Store, sink: InteractionSink, loaded: LoadedManifest, phone: str
) -> None:
    """The number is matched whatever its spelling, in the request and in the lookup."""
    records = _traffic(store, sink)
    report = forget(store, pseudonymizer_for(loaded), actor="t", phones=[phone])
    assert report.request_ids == (records["phone_acme"].request_id,)


@SQLITE_ONLY
def test_tenant_scope_and_pseudonym_lookup(
    store: Store, sink: InteractionSink, loaded: LoadedManifest
) -> None:
    """``tenants`` limits the search; a pseudonym token alone finds its records."""
    records = _traffic(store, sink)
    pseudonymizer = pseudonymizer_for(loaded)
    scoped = forget(store, pseudonymizer, actor="t", emails=[EMAIL], tenants=["acme"])
    assert scoped.request_ids == (records["maria_acme"].request_id,)
    token = pseudonymizer.of("globex", "EMAIL", EMAIL).token
    by_token = forget(store, pseudonymizer, actor="t", pseudonyms=[f"<{token}>"])
    assert by_token.request_ids == (records["maria_globex"].request_id,)
    assert by_token.pseudonyms == (token,)


@SQLITE_ONLY
def test_someone_unknown_deletes_nothing(
    store: Store, sink: InteractionSink, loaded: LoadedManifest
) -> None:
    """An address never seen matches nothing; naming nobody is an error."""
    _traffic(store, sink)
    before = _left(store)
    report = forget(store, pseudonymizer_for(loaded), actor="t", emails=["nobody@example.net"])
    assert report.interactions == ()
    assert _left(store) == before
    with pytest.raises(ValueError, match="name the person"):
        forget(store, pseudonymizer_for(loaded), actor="t")
