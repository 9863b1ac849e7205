"""Why a backup or a verified restore could not be made.

The tree::

    LockgateError
    └── BackupError         500  backup_failed   (missing tool, unreadable file, failed dump)

A backup that restores but fails a check is not an error: its report says which check failed.
"""

from __future__ import annotations

from lockgate.errors import LockgateError


class BackupError(LockgateError):
    """The backup or restore could not run; the message says what to fix."""

    status = 500
    code = "backup_failed"
