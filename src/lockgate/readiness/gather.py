"""The one place readiness does I/O: read the files the manifest names and the store's facts.

Everything is read once, at one instant, into an ``Evidence`` snapshot the pure checks judge.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import func, select

from lockgate.auth import manage
from lockgate.manifest import LoadedManifest, Manifest
from lockgate.privacy import retention
from lockgate.readiness.evidence import (
    AlertTestFact,
    AuditState,
    Evidence,
    FlagChange,
    KeyFact,
    RequestSpan,
    RolloutFact,
    StoreFacts,
)
from lockgate.store import alerts, evidence, rollouts
from lockgate.store import interactions as stored
from lockgate.store.db import Store
from lockgate.store.evidence import Proof
from lockgate.store.tables import RequestLogEntry

LOOKBACK = dt.timedelta(days=31)
"""How far back live evidence is read: the longest freshness window, and a day."""
KINDS = ("drill", "backup.restore", "alert.test", "purge", "drift.window", "audit.verify")
ALERT_TESTS = 500
ROLLOUTS = 50
FLAG_SET = "flag.set"


def gather(
    loaded: LoadedManifest, store: Store | None, *, now: dt.datetime | None = None
) -> Evidence:
    """A snapshot of ``loaded`` and, when given, ``store`` at ``now`` (default: the clock)."""
    when = now or dt.datetime.now(dt.UTC)
    return Evidence(
        manifest=loaded.manifest,
        now=when,
        manifest_text=loaded.text,
        files=read_files(loaded),
        store=None if store is None else store_facts(store, loaded.manifest, when),
    )


def named_files(manifest: Manifest) -> list[str]:
    """Paths the manifest names whose content the checks read: runbooks and the golden set."""
    paths = [runbook.path for runbook in manifest.runbooks if runbook.path]
    if manifest.rollout.golden_set:
        paths.append(manifest.rollout.golden_set)
    return paths


def read_files(loaded: LoadedManifest) -> dict[str, str | None]:
    """Each named file's text (relative to the manifest's folder), None when it cannot be read."""
    found: dict[str, str | None] = {}
    for name in named_files(loaded.manifest):
        path = Path(name)
        path = path if path.is_absolute() else loaded.base_dir / path
        try:
            found[name] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            found[name] = None
    return found


def manifest_uri(path: Path) -> str:
    """The manifest's path relative to its repository's root (the nearest folder with ``.git``).

    Outside a repository, relative to the working directory when below it, else the file name.
    """
    absolute = path.resolve()
    for folder in absolute.parents:
        if (folder / ".git").exists():
            return absolute.relative_to(folder).as_posix()
    try:
        return absolute.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return absolute.name


def store_facts(store: Store, manifest: Manifest, now: dt.datetime) -> StoreFacts:
    """What the store says about the service, read in short transactions."""
    service = manifest.service.name
    since = now - LOOKBACK
    return StoreFacts(
        keys=_keys(store),
        proofs=_proofs(store, f"{service}/{manifest.stable_version}", since),
        alert_tests=tuple(
            AlertTestFact(t.rule, t.notifier, t.delivered, t.at)
            for t in alerts.recorded_tests(store, service, limit=ALERT_TESTS)
            if t.at >= since
        ),
        flag_changes=_flag_changes(store, service, since),
        requests=_requests(store, service),
        audit=_audit(store),
        purges=_purges(store),
        rollouts=_rollouts(store, service),
    )


def _keys(store: Store) -> tuple[KeyFact, ...]:
    return tuple(
        KeyFact(
            id=info.id,
            name=info.name,
            scopes=frozenset(info.scopes),
            services=info.services,
            expires_at=info.expires_at,
            revoked_at=info.revoked_at,
        )
        for info in manage.list_keys(store, include_revoked=False)
    )


def _proofs(store: Store, subject: str, since: dt.datetime) -> tuple[Proof, ...]:
    found = [proof for kind in KINDS for proof in evidence.since(store, kind, since)]
    for passed in (True, False):
        rollout = evidence.latest(store, "rollout", subject=subject, passed=passed)
        if rollout is not None:
            found.append(rollout)
    return tuple(found)


def _flag_changes(store: Store, service: str, since: dt.datetime) -> tuple[FlagChange, ...]:
    target = f"flag:{service}.enabled"
    return tuple(
        FlagChange(
            flag=record.target.removeprefix("flag:"),
            at=record.at,
            actor=record.actor,
            value=(record.after or {}).get("value"),
        )
        for record in retention.audit_records(store, since=since)
        if record.action == FLAG_SET and record.target == target
    )


def _requests(store: Store, service: str) -> RequestSpan | None:
    query = select(func.min(RequestLogEntry.at), func.max(RequestLogEntry.at)).where(
        RequestLogEntry.service == service
    )
    with store.transaction() as session:
        row = session.execute(query).one()
    first: object = row[0]
    last: object = row[1]
    if first is None or last is None:
        return None
    return RequestSpan(_aware(first), _aware(last))


def _aware(value: object) -> dt.datetime:
    """Aggregates may come back as text or naive on SQLite: parse them and mark them UTC."""
    when = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(when, dt.datetime):
        raise TypeError(f"expected a datetime from the store, got {type(value).__name__}")
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)


def _audit(store: Store) -> AuditState:
    check = retention.verify_audit(store)
    if check.broken is None:
        return AuditState(check.count)
    return AuditState(check.count, check.broken.seq, check.broken.reason)


def _purges(store: Store) -> tuple[dt.datetime, ...]:
    with store.transaction() as session:
        last = stored.last_purge(session)
        return () if last is None else (_aware(last.finished_at),)


def _rollouts(store: Store, service: str) -> tuple[RolloutFact, ...]:
    with store.transaction() as session:
        records = rollouts.listing(session, service=service, limit=ROLLOUTS)
    return tuple(
        RolloutFact(
            id=r.id,
            candidate=r.candidate,
            strategy=str(r.strategy),
            phase=str(r.phase),
            promoted_at=r.promoted_at,
            finished_at=r.finished_at,
        )
        for r in records
    )
