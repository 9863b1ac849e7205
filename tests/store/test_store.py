"""The store on SQLite and PostgreSQL: migrations, keys, and the audit chain."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import select, text, update

from lockgate.auth import manage
from lockgate.auth.keyring import KeyRing
from lockgate.auth.scopes import Scope
from lockgate.errors import AuthenticationError, NotFound
from lockgate.store import audit, migrate
from lockgate.store.db import Store
from lockgate.store.tables import ApiKey, AuditRecord
from tests.support.servers import run


@pytest.fixture
def store(db_url: str, open_store: Callable[[str], Store]) -> Store:
    store = open_store(db_url)
    migrate.upgrade(store)
    return store


def test_migrations_reach_head_and_are_idempotent(
    db_url: str, open_store: Callable[[str], Store]
) -> None:
    """Upgrading twice is safe and lands on the newest revision."""
    store = open_store(db_url)
    assert migrate.current(store) is None
    migrate.upgrade(store)
    migrate.upgrade(store)
    assert migrate.current(store) == migrate.head()
    assert store.ping()


def test_keys_are_stored_as_hashes(store: Store) -> None:
    """The token is never stored; only its hash is, and the ring authenticates with it."""
    info, token = manage.create_key(
        store, actor="test", name="web", scopes=frozenset({Scope.INVOKE})
    )
    with store.transaction() as session:
        row = session.get(ApiKey, info.id)
        assert row is not None
        assert token.split("_")[2] not in (row.secret_hash, row.name)
        dump = str(session.execute(text("SELECT * FROM api_keys")).all())
    assert token.split("_")[2] not in dump

    ring = KeyRing(store)
    ring.reload()
    principal = run(ring.authenticate(token))
    assert principal.key_id == info.id
    assert principal.scopes == {"invoke"}


def test_revocation_reaches_the_ring(store: Store) -> None:
    """After revoke and reload, the key is refused."""
    info, token = manage.create_key(store, actor="t", name="k", scopes=frozenset({Scope.INVOKE}))
    ring = KeyRing(store)
    ring.reload()
    manage.revoke_key(store, actor="t", key_id=info.id, reason="leaked")
    ring.reload()
    with pytest.raises(AuthenticationError):
        run(ring.authenticate(token))
    with pytest.raises(NotFound):
        manage.revoke_key(store, actor="t", key_id="000000000000")


def test_new_key_is_found_without_reload(store: Store) -> None:
    """A key created after the ring loaded (e.g. by the CLI) works at once."""
    ring = KeyRing(store)
    ring.reload()
    _, token = manage.create_key(store, actor="t", name="k", scopes=frozenset({Scope.INVOKE}))
    assert run(ring.authenticate(token)).name == "k"


def test_audit_chain_detects_edit_delete_and_reorder(store: Store) -> None:
    """Every change is audited in a chain that names the tampered record."""
    for index in range(4):
        manage.create_key(store, actor="t", name=f"k{index}", scopes=frozenset({Scope.INVOKE}))

    def records() -> list[AuditRecord]:
        with store.transaction() as session:
            return list(session.scalars(select(AuditRecord).order_by(AuditRecord.seq)))

    assert len(records()) == 4
    assert audit.verify(records()) is None
    third = records()[2].seq

    with store.transaction() as session:
        session.execute(update(AuditRecord).where(AuditRecord.seq == third).values(actor="mallory"))
    broken = audit.verify(records())
    assert broken is not None and broken.seq == third and "edited" in broken.reason

    with store.transaction() as session:
        session.execute(update(AuditRecord).where(AuditRecord.seq == third).values(actor="t"))
    assert audit.verify(records()) is None
    with store.transaction() as session:
        session.delete(session.get(AuditRecord, third))
    broken = audit.verify(records())
    assert broken is not None and broken.seq == records()[2].seq


def test_audit_time_round_trips_exactly(store: Store) -> None:
    """Timestamps come back aware and equal, so hashes verify on both backends."""
    with store.transaction() as session:
        record = audit.append(session, actor="t", action="x", target="y", after={"n": 1})
        written = record.at
    with store.transaction() as session:
        again = session.scalars(select(AuditRecord)).one()
    assert again.at == written and again.at.tzinfo == dt.UTC
