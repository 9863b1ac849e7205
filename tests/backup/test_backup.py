"""Backups and verified restores on SQLite and PostgreSQL, and the tampering they must catch."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, table, text

from lockgate.auth import manage
from lockgate.auth.scopes import Scope
from lockgate.backup import BackupError, create_backup, record_restore, verify_backup
from lockgate.store import evidence, faults, migrate
from lockgate.store.db import Store, normalize_url
from lockgate.store.faults import FaultKind
from tests.conftest import PG_BASE

OpenStore = Callable[[str], Store]


def populate(store: Store) -> None:
    """A migrated store with keys, faults and evidence: audited changes in several tables."""
    migrate.upgrade(store)
    for n in range(3):
        manage.create_key(store, actor="admin", name=f"key-{n}", scopes=frozenset({Scope.INVOKE}))
    faults.inject(
        store, actor="admin", service="svc", version="v1", kind=FaultKind.LATENCY, share=0.5,
        ttl=60, latency_ms=100, reason="drill",
    )  # fmt: skip
    evidence.record(store, kind="drill", subject="upstream-down", passed=True, actor="cli:t")


def rows(store: Store, name: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table(name))).scalar_one())


def backup_name(store: Store) -> str:
    return "store.dump" if store.dialect == "postgresql" else "store.db"


def verify_databases() -> list[str]:
    engine = create_engine(normalize_url(PG_BASE))
    try:
        with engine.connect() as conn:
            query = "SELECT datname FROM pg_database WHERE datname LIKE 'lockgate_verify_%'"
            return list(conn.execute(text(query)).scalars())
    finally:
        engine.dispose()


def test_backup_restores_with_every_row_and_an_intact_chain(
    db_url: str, open_store: OpenStore, tmp_path: Path
) -> None:
    """The verified restore finds the live counts, the head revision and an intact chain."""
    store = open_store(db_url)
    populate(store)
    info = create_backup(store, tmp_path / backup_name(store))
    assert info.revision == migrate.head() and info.size > 0 and len(info.sha256) == 64
    assert not list(tmp_path.glob("*.partial"))
    report = verify_backup(info.path, server=store)
    assert report.passed, report.reasons
    assert report.format == ("pg_dump" if store.dialect == "postgresql" else "sqlite")
    assert report.revision == report.head == migrate.head()
    assert report.counts["api_keys"] == 3 == rows(store, "api_keys")
    assert report.counts["faults"] == 1 and report.counts["evidence"] == 1
    assert report.audit_records == report.counts["audit_log"] == rows(store, "audit_log") == 4
    assert report.chain_break is None and report.integrity == ()
    proof = record_restore(store, report, actor="cli:t")
    latest = evidence.latest(store, "backup.restore", subject=info.path.name)
    assert latest is not None and latest.id == proof.id and latest.passed
    assert latest.details["counts"]["api_keys"] == 3 and latest.details["audit_chain"] == "intact"
    assert rows(store, "audit_log") == 4
    if store.dialect == "postgresql":
        assert verify_databases() == []


def test_an_edited_audit_row_fails_verification(
    db_url: str, open_store: OpenStore, tmp_path: Path
) -> None:
    """A backup of a store whose audit record was edited names the edited record."""
    store = open_store(db_url)
    populate(store)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 2"))
    report = verify_backup(create_backup(store, tmp_path / backup_name(store)).path, server=store)
    assert not report.passed
    assert report.chain_break is not None and report.chain_break.seq == 2
    assert report.reasons == (
        "audit chain: breaks at record 2: the content does not match its hash: it was edited",
    )
    assert not record_restore(store, report, actor="cli:t").passed


def test_a_tampered_sqlite_backup_file_fails(open_store: OpenStore, tmp_path: Path) -> None:
    """Editing or deleting an audit row in the backup file itself is caught."""
    store = open_store(f"sqlite:///{tmp_path / 'live.db'}")
    populate(store)
    clean = create_backup(store, tmp_path / "clean.db").path
    edited, deleted = tmp_path / "edited.db", tmp_path / "deleted.db"
    shutil.copy(clean, edited)
    shutil.copy(clean, deleted)
    with closing(sqlite3.connect(edited)) as conn, conn:
        conn.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1")
    with closing(sqlite3.connect(deleted)) as conn, conn:
        conn.execute("DELETE FROM audit_log WHERE seq = 3")
    assert verify_backup(clean).passed
    found = verify_backup(edited).chain_break
    assert found is not None and found.seq == 1 and "edited" in found.reason
    found = verify_backup(deleted).chain_break
    assert found is not None and found.seq == 4 and "deleted" in found.reason


def test_damaged_and_foreign_files(open_store: OpenStore, tmp_path: Path) -> None:
    """A truncated database fails its integrity check; other files are refused outright."""
    store = open_store(f"sqlite:///{tmp_path / 'live.db'}")
    populate(store)
    backup = create_backup(store, tmp_path / "b.db").path
    truncated = tmp_path / "truncated.db"
    truncated.write_bytes(backup.read_bytes()[: backup.stat().st_size // 2])
    report = verify_backup(truncated)
    assert not report.passed and report.integrity
    assert report.counts == {} and report.revision is None
    foreign = tmp_path / "notes.txt"
    foreign.write_text("not a backup")
    with pytest.raises(BackupError, match="neither a SQLite database nor a pg_dump"):
        verify_backup(foreign)
    with pytest.raises(BackupError, match="does not exist"):
        create_backup(store, tmp_path / "missing" / "b.db")


@pytest.mark.postgres
def test_postgres_needs_its_client_tools_and_server(
    pg_url: str, open_store: OpenStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without pg_dump the error says what to install; a dump needs a PostgreSQL server."""
    store = open_store(pg_url)
    populate(store)
    dump = create_backup(store, tmp_path / "store.dump").path
    with pytest.raises(BackupError, match="PostgreSQL backup"):
        verify_backup(dump, server=open_store(f"sqlite:///{tmp_path / 'other.db'}"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(BackupError, match="pg_dump is not on PATH"):
        create_backup(store, tmp_path / "again.dump")
    with pytest.raises(BackupError, match="pg_restore is not on PATH"):
        verify_backup(dump, server=store)
