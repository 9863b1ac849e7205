"""Waivers: a failing check knowingly accepted until a date, by a named approver, for a reason.

A valid waiver turns a failing (or evidence-less) check into ``waived``. A waiver that expired, or
whose expiry lies more than 90 days ahead, fails the check with its own message: waivers are
short and renewed on purpose, never granted open-ended.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lockgate.manifest.governance import Waiver
from lockgate.readiness.model import Check, Outcome, Path, Status

MAX_DAYS = 90


@dataclass(frozen=True, slots=True)
class Applied:
    """A check's outcome after its waiver (if any) was applied."""

    status: Status
    message: str
    path: Path
    waiver: Waiver | None = None


def problem(waiver: Waiver, today: dt.date) -> str | None:
    """Why ``waiver`` is not valid on ``today``, or None when it is."""
    if waiver.expires < today:
        return f"the waiver expired on {waiver.expires}; renew it (at most {MAX_DAYS} days) or fix"
    ahead = (waiver.expires - today).days
    if ahead > MAX_DAYS:
        return (
            f"the waiver runs {ahead} days, to {waiver.expires}; waivers last at most "
            f"{MAX_DAYS} days from today"
        )
    return None


def apply(
    check: Check, outcome: Outcome, waivers: Sequence[tuple[int, Waiver]], today: dt.date
) -> Applied:
    """The outcome of ``check`` once the waivers naming it (index in the manifest, waiver) apply."""
    mine = [(index, waiver) for index, waiver in waivers if waiver.check == check.id]
    if outcome.status is Status.PASS or not mine:
        return Applied(outcome.status, outcome.message, outcome.path)
    valid = [(index, waiver) for index, waiver in mine if problem(waiver, today) is None]
    if valid:
        index, waiver = valid[0]
        return Applied(
            Status.WAIVED,
            f"waived until {waiver.expires} by {waiver.approver}: {waiver.reason} "
            f"(the check says: {outcome.message})",
            ("waivers", index),
            waiver,
        )
    index, waiver = mine[0]
    reason = problem(waiver, today)
    return Applied(
        Status.FAIL,
        f"{reason} (the check says: {outcome.message})",
        ("waivers", index, "expires"),
        waiver,
    )


def notes(waivers: Iterable[Waiver], statuses: dict[str, Status], version: str) -> tuple[str, ...]:
    """Waivers for checks this checklist does not have, and waivers no longer needed."""
    found = []
    for waiver in waivers:
        status = statuses.get(waiver.check)
        if status is None:
            found.append(f"waiver for {waiver.check}: no such check in checklist {version}")
        elif status is Status.PASS:
            found.append(f"waiver for {waiver.check} is no longer needed: the check passes")
    return tuple(found)
