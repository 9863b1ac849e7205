"""The kinds of rollout events; each event also stores its message and numbers."""

from __future__ import annotations

from enum import StrEnum


class EventKind(StrEnum):
    """What happened."""

    STARTED = "started"
    SUPERSEDED = "superseded"
    PREFLIGHT = "preflight"
    ANALYSIS = "analysis"
    EXTENDED = "extended"
    ADVANCED = "advanced"
    FAILED = "failed"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    PROMOTED = "promoted"
    STABLE = "stable"
    PAUSED = "paused"
    RESUMED = "resumed"
    ABORTED = "aborted"
    ROLLED_BACK = "rolled_back"
    NOTIFIED = "notified"
    NOTIFICATION_FAILED = "notification_failed"
