"""The alert state machine: inactive -> pending -> firing -> resolved, and when to notify.

Pure: ``step`` takes the previous state and this evaluation's condition and returns the next state
with the notice due, if any. One firing notice per episode; a repeat after ``repeat`` seconds while
it keeps firing; a resolved notice only when a firing notice went out. A silence holds notices back
but not transitions, so when it ends on a firing alert the notice goes out then. A resolve notice is
sent even under a silence, so the pager that was told about the incident hears that it ended.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum


class Status(StrEnum):
    """Where an alert is."""

    INACTIVE = "inactive"
    PENDING = "pending"
    FIRING = "firing"
    RESOLVED = "resolved"


class Notice(StrEnum):
    """Which notification is due."""

    FIRING = "firing"
    REPEAT = "repeat"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class AlertState:
    """An alert's stored state."""

    key: str
    status: Status = Status.INACTIVE
    since: dt.datetime | None = None
    """When the current status began (the last change)."""
    active_since: dt.datetime | None = None
    """When the condition started to hold, for the current pending or firing episode."""
    episode: int = 0
    """Firing episodes so far; names the episode in de-duplication keys."""
    last_notified_at: dt.datetime | None = None
    """When a firing or repeat notice last went out in this episode."""
    notified: bool = False
    """A firing notice went out in this episode, so a resolved notice is owed."""


@dataclass(frozen=True, slots=True)
class Step:
    """The result of one evaluation."""

    state: AlertState
    changed: bool
    notice: Notice | None = None
    suppressed: Notice | None = None
    """A notice that was due but held back by a silence."""


def _fire(prev: AlertState, now: dt.datetime) -> AlertState:
    return replace(
        prev,
        status=Status.FIRING,
        since=now,
        active_since=prev.active_since if prev.status is Status.PENDING else now,
        episode=prev.episode + 1,
        last_notified_at=None,
        notified=False,
    )


def _notify(state: AlertState, notice: Notice, now: dt.datetime, *, changed: bool) -> Step:
    return Step(replace(state, last_notified_at=now, notified=True), changed, notice)


def _breaching(
    prev: AlertState, now: dt.datetime, for_: float, repeat: float, *, silenced: bool
) -> Step:
    if prev.status in {Status.INACTIVE, Status.RESOLVED}:
        if for_ > 0:
            pending = replace(prev, status=Status.PENDING, since=now, active_since=now)
            return Step(pending, changed=True)
        state, changed = _fire(prev, now), True
    elif prev.status is Status.PENDING:
        assert prev.active_since is not None
        if (now - prev.active_since).total_seconds() < for_:
            return Step(prev, changed=False)
        state, changed = _fire(prev, now), True
    else:
        state, changed = prev, False
    last = state.last_notified_at
    if last is not None and (now - last).total_seconds() < repeat:
        return Step(state, changed)
    notice = Notice.REPEAT if state.notified else Notice.FIRING
    if silenced:
        return Step(state, changed, suppressed=notice)
    return _notify(state, notice, now, changed=changed)


def step(
    prev: AlertState,
    *,
    breaching: bool,
    now: dt.datetime,
    for_: float = 0.0,
    repeat: float = 4 * 3600.0,
    silenced: bool = False,
) -> Step:
    """The next state of an alert whose condition is (or is not) ``breaching`` at ``now``."""
    if breaching:
        return _breaching(prev, now, for_, repeat, silenced=silenced)
    if prev.status is Status.PENDING:
        cleared = replace(prev, status=Status.INACTIVE, since=now, active_since=None)
        return Step(cleared, changed=True)
    if prev.status is Status.FIRING:
        resolved = replace(prev, status=Status.RESOLVED, since=now, active_since=None)
        if prev.notified:
            return Step(replace(resolved, notified=False), changed=True, notice=Notice.RESOLVED)
        return Step(resolved, changed=True)
    return Step(prev, changed=False)
