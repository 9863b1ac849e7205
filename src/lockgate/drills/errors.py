"""Why a drill could not run.

The tree::

    LockgateError
    ├── DrillRefused        409  drill_refused   (production stage, rollout in progress, ...)
    └── DrillError          502  drill_failed    (the gateway refused or failed a drill step)

A scenario whose machinery is missing is not an error: its report says "not available".
"""

from __future__ import annotations

from lockgate.errors import LockgateError


class DrillRefused(LockgateError):
    """Running this drill now would be unsafe or meaningless; the message says why."""

    status = 409
    code = "drill_refused"
    type = "invalid_request_error"


class DrillError(LockgateError):
    """A step of the drill failed against the gateway or the store."""

    status = 502
    code = "drill_failed"
