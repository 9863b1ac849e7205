"""Small helpers the check modules share: names in the manifest, time windows, short lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from lockgate.manifest.model import Manifest
from lockgate.readiness.evidence import Evidence, StoreFacts
from lockgate.readiness.model import Outcome, failed, missing, passed
from lockgate.store.evidence import Proof

DAY = dt.timedelta(days=1)
PLACEHOLDER = "TODO"
"""Text ``lockgate init`` leaves for the team to replace."""
NO_STORE = "no store was read (offline), so there is no live evidence to judge"


def people(manifest: Manifest) -> set[str]:
    """Handles declared under ``ownership.people``."""
    return set(manifest.ownership.people)


def runbook_ids(manifest: Manifest) -> set[str]:
    """Ids declared under ``runbooks``."""
    return {runbook.id for runbook in manifest.runbooks}


def placeholders(texts: Iterable[str]) -> bool:
    """True when any text still holds a ``TODO`` placeholder."""
    return any(PLACEHOLDER in text for text in texts)


def listing(items: Iterable[str], limit: int = 5) -> str:
    """``a, b, c and 2 more``."""
    names = list(items)
    if len(names) <= limit:
        return ", ".join(names)
    return f"{', '.join(names[:limit])} and {len(names) - limit} more"


def age(now: dt.datetime, at: dt.datetime) -> str:
    """``3.2 days ago`` or ``5 hours ago``."""
    seconds = max((now - at).total_seconds(), 0.0)
    if seconds >= 86400:
        return f"{seconds / 86400:.1f} days ago"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} hours ago"
    return f"{seconds / 60:.0f} minutes ago"


def days(window: dt.timedelta) -> str:
    """``30 days`` or ``1 day``."""
    count = window / DAY
    return f"{count:g} day" if count == 1 else f"{count:g} days"


def facts(evidence: Evidence) -> StoreFacts | Outcome:
    """The store facts, or the no-evidence outcome when no store was read."""
    if evidence.store is None:
        return missing(NO_STORE)
    return evidence.store


def first_missing(values: Sequence[tuple[str, bool]]) -> list[str]:
    """The labels whose flag is False, in order."""
    return [label for label, present in values if not present]


def fresh(
    proofs: Iterable[Proof], now: dt.datetime, window: dt.timedelta | None
) -> tuple[Proof | None, Proof | None]:
    """(the newest passing proof inside ``window``, the newest proof of any age or outcome)."""
    ordered = sorted(proofs, key=lambda proof: proof.at, reverse=True)
    newest = ordered[0] if ordered else None
    for proof in ordered:
        if proof.passed and (window is None or now - proof.at <= window):
            return proof, newest
    return None, newest


def judge_recent(
    proofs: Iterable[Proof], now: dt.datetime, window: dt.timedelta | None, what: str
) -> Outcome:
    """Pass on a recent passing proof; fail on an old or failed one; no evidence without any."""
    good, newest = fresh(proofs, now, window)
    if good is not None:
        return passed(f"{what} passed {age(now, good.at)} ({good.actor}: {good.subject})")
    if newest is None:
        return missing(f"no {what} is recorded")
    outcome = "passed" if newest.passed else "FAILED"
    span = f" within {days(window)}" if window else ""
    return failed(f"no passing {what}{span}; the last one {outcome} {age(now, newest.at)}")
