"""Configuration revisions: every manifest applied to running gateways, with author and diff.

The newest revision of a service is the one in force; rolling back re-applies an older text as a
new revision, so history only grows. Each apply and rollback is audited in its transaction.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
from dataclasses import dataclass

from sqlalchemy import select

from lockgate.errors import NotFound
from lockgate.manifest import parse
from lockgate.store import audit
from lockgate.store.db import Store
from lockgate.store.tables import ConfigRevision


@dataclass(frozen=True, slots=True)
class Revision:
    """One applied manifest."""

    id: int
    at: dt.datetime
    service: str
    revision: str
    author: str
    text: str
    diff: str
    note: str

    @property
    def changed_lines(self) -> tuple[int, int]:
        """Lines added and removed against the previous revision."""
        lines = self.diff.splitlines()
        added = sum(1 for line in lines if line.startswith("+") and not line.startswith("+++"))
        removed = sum(1 for line in lines if line.startswith("-") and not line.startswith("---"))
        return added, removed


def _revision(row: ConfigRevision) -> Revision:
    return Revision(
        id=row.id, at=row.at, service=row.service, revision=row.revision, author=row.author,
        text=row.text, diff=row.diff, note=row.note,
    )  # fmt: skip


def digest(text: str) -> str:
    """The revision hash of a manifest text."""
    return hashlib.sha256(text.encode()).hexdigest()


def latest(store: Store, service: str) -> Revision | None:
    """The revision in force, or None when nothing was applied yet."""
    query = (
        select(ConfigRevision)
        .where(ConfigRevision.service == service)
        .order_by(ConfigRevision.id.desc())
        .limit(1)
    )
    with store.transaction() as session:
        row = session.scalars(query).first()
        return _revision(row) if row else None


def latest_id(store: Store, service: str) -> int | None:
    """Id of the revision in force (cheap: the watcher polls it)."""
    query = (
        select(ConfigRevision.id)
        .where(ConfigRevision.service == service)
        .order_by(ConfigRevision.id.desc())
        .limit(1)
    )
    with store.transaction() as session:
        return session.scalar(query)


def apply(
    store: Store,
    text: str,
    *,
    author: str,
    source: str,
    note: str = "",
    action: str = "config.apply",
) -> Revision:
    """Validate ``text`` (errors name ``source`` and line) and store it as the newest revision."""
    manifest = parse(text, source=source)
    service = manifest.service.name
    current = latest(store, service)
    previous = current.text if current else ""
    diff = "".join(
        difflib.unified_diff(
            previous.splitlines(keepends=True), text.splitlines(keepends=True),
            fromfile=f"revision {current.id}" if current else "empty", tofile="applied",
        )
    )  # fmt: skip
    row = ConfigRevision(
        at=dt.datetime.now(dt.UTC), service=service, revision=digest(text), author=author,
        text=text, diff=diff, note=note,
    )  # fmt: skip
    with store.transaction() as session:
        session.add(row)
        session.flush()
        added, removed = _revision(row).changed_lines
        audit.append(
            session, actor=author, action=action, target=f"config:{service}",
            before={"revision": current.revision, "id": current.id} if current else None,
            after={"revision": row.revision, "id": row.id, "added": added, "removed": removed},
            reason=note,
        )  # fmt: skip
        return _revision(row)


def history(store: Store, service: str, *, limit: int = 20) -> list[Revision]:
    """Newest revisions first."""
    query = (
        select(ConfigRevision)
        .where(ConfigRevision.service == service)
        .order_by(ConfigRevision.id.desc())
        .limit(limit)
    )
    with store.transaction() as session:
        return [_revision(row) for row in session.scalars(query)]


def get(store: Store, revision_id: int) -> Revision:
    """One revision by id."""
    with store.transaction() as session:
        row = session.get(ConfigRevision, revision_id)
        if row is None:
            raise NotFound(
                f"no configuration revision {revision_id}; see `lockgate config history`"
            )
        return _revision(row)


def rollback(store: Store, revision_id: int, *, author: str, note: str = "") -> Revision:
    """Re-apply revision ``revision_id``'s text as the newest revision."""
    old = get(store, revision_id)
    return apply(
        store, old.text, author=author, source=f"revision {revision_id}",
        note=note or f"rollback to revision {revision_id}", action="config.rollback",
    )  # fmt: skip
