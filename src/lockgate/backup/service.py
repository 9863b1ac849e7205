"""Back up a store, and verify a backup by restoring it into a scratch database.

A verified restore answers one question: could we run on this backup tomorrow? It restores into
a throw-away database (a temporary SQLite file, or a fresh PostgreSQL database that is dropped
afterwards), checks the file, the migration revision and the audit chain, and counts every
table's rows. The outcome is recorded as evidence of kind ``backup.restore``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lockgate.backup import postgres, sqlite
from lockgate.backup.errors import BackupError
from lockgate.backup.verify import RestoreReport, StoreFindings, read_store
from lockgate.store import evidence, migrate
from lockgate.store.db import Store
from lockgate.store.evidence import Proof

EVIDENCE_KIND = "backup.restore"
SQLITE = "sqlite"
PG_DUMP = "pg_dump"


@dataclass(frozen=True, slots=True)
class BackupInfo:
    """A backup just written."""

    path: Path
    format: str
    size: int
    sha256: str
    revision: str | None
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "path": str(self.path),
            "format": self.format,
            "size": self.size,
            "sha256": self.sha256,
            "revision": self.revision,
            "seconds": round(self.seconds, 3),
        }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def create_backup(store: Store, destination: Path) -> BackupInfo:
    """Back ``store`` up to ``destination``: SQLite's backup API, or ``pg_dump -Fc``."""
    if not destination.parent.is_dir():
        raise BackupError(f"the folder {destination.parent} does not exist")
    started = time.perf_counter()
    if store.dialect == "sqlite":
        sqlite.backup(sqlite.database_path(store), destination)
        kind = SQLITE
    elif store.dialect == "postgresql":
        postgres.dump(store, destination)
        kind = PG_DUMP
    else:
        raise BackupError(f"backups of a {store.dialect} store are not supported")
    return BackupInfo(
        path=destination,
        format=kind,
        size=destination.stat().st_size,
        sha256=_sha256(destination),
        revision=migrate.current(store),
        seconds=time.perf_counter() - started,
    )


def backup_format(path: Path) -> str:
    """``sqlite`` or ``pg_dump``, from the file's first bytes."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(sqlite.MAGIC))
    except OSError as exc:
        raise BackupError(f"cannot read the backup {path} ({exc.strerror})") from exc
    if head.startswith(sqlite.MAGIC):
        return SQLITE
    if head.startswith(postgres.MAGIC):
        return PG_DUMP
    raise BackupError(f"{path} is neither a SQLite database nor a pg_dump custom-format archive")


def _findings(url: str) -> StoreFindings:
    restored = Store.open(url)
    try:
        return read_store(restored)
    finally:
        restored.close()


def _verify_sqlite(path: Path, scratch_dir: Path | None) -> tuple[tuple[str, ...], StoreFindings]:
    with tempfile.TemporaryDirectory(prefix="lockgate-restore-", dir=scratch_dir) as folder:
        scratch = Path(folder) / "restored.db"
        try:
            sqlite.restore(path, scratch)
        except BackupError as exc:
            return (exc.message,), StoreFindings.nothing()
        problems = tuple(sqlite.integrity(scratch))
        if problems:
            return problems, StoreFindings.nothing()
        return (), _findings(f"sqlite:///{scratch}")


def _verify_postgres(path: Path, server: Store | None) -> tuple[tuple[str, ...], StoreFindings]:
    if server is None or server.dialect != "postgresql":
        raise BackupError(
            f"{path} is a PostgreSQL backup: verify it with a manifest whose store is PostgreSQL "
            "(the scratch database is created on that server)"
        )
    postgres.tool("pg_restore")
    with postgres.scratch_database(server) as scratch:
        try:
            restored = postgres.restore(path, scratch)
        except BackupError as exc:
            return (exc.message,), StoreFindings.nothing()
        return (), _findings(restored.render_as_string(hide_password=False))


def verify_backup(
    path: Path, *, server: Store | None = None, scratch_dir: Path | None = None
) -> RestoreReport:
    """Restore ``path`` into a scratch database and check it; never touches the live store.

    ``server`` is the store whose PostgreSQL server hosts the scratch database (PostgreSQL
    backups only); ``scratch_dir`` is where a SQLite backup is restored (default: temp dir).
    """
    kind = backup_format(path)
    started = time.perf_counter()
    if kind == SQLITE:
        problems, found = _verify_sqlite(path, scratch_dir)
    else:
        problems, found = _verify_postgres(path, server)
    return RestoreReport(
        backup=path,
        format=kind,
        size=path.stat().st_size,
        sha256=_sha256(path),
        at=dt.datetime.now(dt.UTC),
        seconds=time.perf_counter() - started,
        integrity=problems + found.problems,
        revision=found.revision,
        head=migrate.head(),
        revision_known=found.revision_known,
        audit_records=found.audit_records,
        chain_break=found.chain_break,
        counts=found.counts,
    )


def record_restore(store: Store, report: RestoreReport, *, actor: str) -> Proof:
    """Store the outcome as evidence (subject: the backup file's name)."""
    return evidence.record(
        store,
        kind=EVIDENCE_KIND,
        subject=report.backup.name[:200],
        passed=report.passed,
        actor=actor,
        details=report.details(),
    )
