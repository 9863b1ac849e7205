"""Backups of the store and verified restores into a scratch database. See docs/drills.md."""

from lockgate.backup.errors import BackupError
from lockgate.backup.service import (
    EVIDENCE_KIND,
    BackupInfo,
    backup_format,
    create_backup,
    record_restore,
    verify_backup,
)
from lockgate.backup.verify import RestoreReport

__all__ = [
    "EVIDENCE_KIND",
    "BackupError",
    "BackupInfo",
    "RestoreReport",
    "backup_format",
    "create_backup",
    "record_restore",
    "verify_backup",
]
