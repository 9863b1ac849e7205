"""Errors of rollouts, placed in Lockgate's error tree.

::

    LockgateError
    ├── ConfigError
    │   └── InvalidPlan             400  invalid_rollout_plan   (manifest rollout section)
    ├── PermissionDenied
    │   └── ApprovalRefused         403  approval_refused       (same key, missing scope)
    ├── NotFound
    │   └── RolloutNotFound         404  rollout_not_found
    ├── NotificationFailed          502  notification_failed    (a webhook did not accept)
    └── Conflict
        ├── IllegalTransition       409  illegal_transition     (e.g. resume a stable rollout)
        ├── OutsideCutoverWindow    409  outside_cutover_window (start needs --override)
        ├── ApprovalRequired        409  approval_required      (promote before approval)
        └── RolloutChanged          409  rollout_changed        (another writer moved it first)
"""

from __future__ import annotations

from lockgate.errors import ConfigError as _ConfigError
from lockgate.errors import Conflict, LockgateError, NotFound, PermissionDenied


class InvalidPlan(_ConfigError):
    """The manifest's ``rollout`` section cannot be turned into a plan."""

    code = "invalid_rollout_plan"


class ApprovalRefused(PermissionDenied):
    """The approval is not accepted: wrong scope, the starter's own key, or not an approver."""

    code = "approval_refused"


class RolloutNotFound(NotFound):
    """No rollout matches."""

    code = "rollout_not_found"


class IllegalTransition(Conflict):
    """The requested phase change is not in the transition table."""

    code = "illegal_transition"


class OutsideCutoverWindow(Conflict):
    """A rollout was started outside every cutover window without an override."""

    code = "outside_cutover_window"


class ApprovalRequired(Conflict):
    """Promotion needs an approval first."""

    code = "approval_required"


class RolloutChanged(Conflict):
    """The rollout changed between reading and writing it; read it again and retry."""

    code = "rollout_changed"


class NotificationFailed(LockgateError):
    """A notifier did not accept a notification."""

    status = 502
    code = "notification_failed"
    type = "upstream_error"
