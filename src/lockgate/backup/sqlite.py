"""SQLite backups with the online backup API: consistent while gateways keep writing.

The copy is switched out of WAL mode so the backup is one self-contained file. A restore copies
the backup, again with the backup API, into a scratch file; the backup itself is never opened for
writing.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from lockgate.backup.errors import BackupError
from lockgate.store.db import Store

MAGIC = b"SQLite format 3\x00"


def database_path(store: Store) -> Path:
    """The file of a SQLite store."""
    name = store.engine.url.database
    if not name or name == ":memory:" or name.startswith("file::memory:"):
        raise BackupError("an in-memory SQLite database has nothing on disk to back up")
    return Path(name)


def backup(source: Path, destination: Path) -> None:
    """Copy ``source`` to ``destination`` atomically (a partial file is never left behind)."""
    if not source.is_file():
        raise BackupError(f"the SQLite database {source} does not exist")
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with (
            closing(sqlite3.connect(source, timeout=30)) as src,
            closing(sqlite3.connect(partial)) as dst,
        ):
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
        partial.replace(destination)
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"the SQLite backup of {source} failed: {exc}") from exc


def restore(backup_file: Path, scratch: Path) -> None:
    """Restore ``backup_file`` into the new database file ``scratch``."""
    uri = f"{backup_file.resolve().as_uri()}?mode=ro"
    try:
        with (
            closing(sqlite3.connect(uri, uri=True)) as src,
            closing(sqlite3.connect(scratch)) as dst,
        ):
            src.backup(dst)
    except sqlite3.Error as exc:
        raise BackupError(f"{backup_file} does not restore as a SQLite database: {exc}") from exc


def integrity(path: Path) -> list[str]:
    """Problems ``PRAGMA integrity_check`` finds (empty when the file is sound)."""
    try:
        with closing(sqlite3.connect(path)) as conn:
            rows = [str(row[0]) for row in conn.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:
        return [f"the database cannot be read: {exc}"]
    return [] if rows == ["ok"] else rows
