"""Envelope encryption: the local KEK, data keys in the store, rotation and rewrap."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from sqlalchemy import select, update

from lockgate.errors import ConfigError
from lockgate.manifest import LoadedManifest
from lockgate.privacy.errors import DecryptionError, InvalidKeyError
from lockgate.privacy.interactions import InteractionSink, open_ring
from lockgate.privacy.kms import DataKeyRing, LocalKeyProvider, rewrap
from lockgate.store import interactions as repo
from lockgate.store.db import Store
from lockgate.store.tables import AuditRecord
from tests.privacy.store.support import MESSAGE, SQLITE_ONLY, chat, completion, record


def test_kek_from_env_and_file(tmp_path: Path) -> None:
    """A base64 KEK is read from an env var or a file; both give the same fingerprint."""
    kek = base64.b64encode(os.urandom(32)).decode()
    (tmp_path / "kek.txt").write_text(kek + "\n")
    from_env = LocalKeyProvider.from_reference("${env:K}", env={"K": kek})
    from_file = LocalKeyProvider.from_reference("${file:kek.txt}", base_dir=tmp_path)
    assert from_env.kek_id == from_file.kek_id
    assert from_env.kek_id.startswith("local:")
    assert kek not in repr(from_env)


@pytest.mark.parametrize(
    ("value", "needle"),
    [("not base64!", "not base64"), (base64.b64encode(b"short").decode(), "decodes to 5 bytes")],
)
def test_bad_kek_says_how_to_make_one(value: str, needle: str) -> None:
    """A KEK that is not 32 bytes of base64 is refused with the command that makes one."""
    with pytest.raises(InvalidKeyError) as caught:
        LocalKeyProvider.from_reference("${env:K}", env={"K": value})
    assert needle in caught.value.message
    assert "openssl rand -base64 32" in caught.value.message


def test_missing_kek_variable_is_a_config_error() -> None:
    """An unset variable names itself."""
    with pytest.raises(ConfigError, match="LG_NOT_SET"):
        LocalKeyProvider.from_reference("${env:LG_NOT_SET}", env={})


def test_wrap_is_bound_to_its_context() -> None:
    """A wrapped key unwraps under its own id only, and never under another KEK."""
    provider = LocalKeyProvider(os.urandom(32))
    wrapped = provider.wrap(b"k" * 32, b"dk_one")
    assert provider.unwrap(wrapped, b"dk_one") == b"k" * 32
    with pytest.raises(DecryptionError):
        provider.unwrap(wrapped, b"dk_two")
    with pytest.raises(DecryptionError):
        LocalKeyProvider(os.urandom(32)).unwrap(wrapped, b"dk_one")


@SQLITE_ONLY
def test_keys_are_stored_wrapped_and_created_once(store: Store, ring: DataKeyRing) -> None:
    """The first use creates one key; its raw bytes are nowhere in the table."""
    first = ring.active()
    assert ring.active() == first
    with store.transaction() as session:
        rows = [row for row, _ in repo.data_keys_in_use(session)]
    assert [row.id for row in rows] == [first.id]
    assert first.key not in rows[0].wrapped
    assert rows[0].kek_id == ring.provider.kek_id


@SQLITE_ONLY
def test_seal_binds_record_and_key(ring: DataKeyRing) -> None:
    """A payload opens for its record id and key id only."""
    key_id, sealed = ring.seal("ix_a", b"payload")
    assert ring.open("ix_a", key_id, sealed) == b"payload"
    with pytest.raises(DecryptionError):
        ring.open("ix_b", key_id, sealed)
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(DecryptionError):
        ring.open("ix_a", key_id, tampered)


@SQLITE_ONLY
def test_wrong_kek_is_named(store: Store, ring: DataKeyRing) -> None:
    """A ring with another KEK names both fingerprints instead of failing obscurely."""
    key = ring.active()
    other = DataKeyRing(store, LocalKeyProvider(os.urandom(32)))
    with pytest.raises(DecryptionError) as caught:
        other.get(key.id)
    assert ring.provider.kek_id in caught.value.message
    assert other.provider.kek_id in caught.value.message


def test_rotation_keeps_old_records_readable_and_rewrap_moves_them(
    store: Store, loaded: LoadedManifest, ring: DataKeyRing
) -> None:
    """After rotate, new writes use the new key, old ones still open; rewrap moves them all."""
    sink = InteractionSink(store, lambda: loaded, ring=ring)
    sink([record(chat(MESSAGE), completion("ok")) for _ in range(3)])
    old = ring.active()
    new = ring.rotate(actor="test", reason="yearly")
    assert new.id != old.id
    sink([record(chat("after rotation"), completion("ok"))])
    with store.transaction() as session:
        rows = list(session.scalars(select(repo.InteractionRow)))
        active = repo.active_data_key(session)
    assert active is not None and active.id == new.id
    assert sorted(row.data_key_id for row in rows) == sorted([old.id] * 3 + [new.id])

    fresh = open_ring(loaded, store)  # another process: nothing cached
    for row in rows:
        assert fresh.open(row.id, row.data_key_id, row.payload)

    report = rewrap(store, fresh, actor="test", batch=2)
    assert report.moved == {old.id: 3}
    assert report.failed == ()
    with store.transaction() as session:
        rows = list(session.scalars(select(repo.InteractionRow)))
        actions = list(session.scalars(select(AuditRecord.action).order_by(AuditRecord.seq)))
    assert {row.data_key_id for row in rows} == {new.id}
    assert all(open_ring(loaded, store).open(r.id, r.data_key_id, r.payload) for r in rows)
    assert actions == ["datakeys.rotate", "datakeys.rewrap"]
    assert rewrap(store, fresh, actor="test").total == 0


@SQLITE_ONLY
def test_rewrap_reports_records_that_do_not_open(
    store: Store, loaded: LoadedManifest, ring: DataKeyRing
) -> None:
    """A tampered record is reported and left as it is; the others move."""
    sink = InteractionSink(store, lambda: loaded, ring=ring)
    sink([record(chat("one"), completion("ok")), record(chat("two"), completion("ok"))])
    with store.transaction() as session:
        victim = session.scalars(select(repo.InteractionRow.id).limit(1)).one()
        session.execute(
            update(repo.InteractionRow)
            .where(repo.InteractionRow.id == victim)
            .values(payload=b"\x01" + b"0" * 40)
        )
    ring.rotate(actor="test")
    report = rewrap(store, ring, actor="test")
    assert report.failed == (victim,)
    assert report.total == 1


@SQLITE_ONLY
def test_other_replicas_see_a_rotation_within_the_refresh(store: Store, ring: DataKeyRing) -> None:
    """A ring re-reads the active key id once its refresh interval has passed."""
    now = [0.0]
    replica = DataKeyRing(store, ring.provider, refresh=30.0, clock=lambda: now[0])
    before = replica.active()
    rotated = ring.rotate(actor="test")
    assert replica.active() == before
    now[0] = 31.0
    assert replica.active().id == rotated.id
