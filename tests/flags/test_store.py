"""Stored flag overrides on SQLite and PostgreSQL: checked, audited and announced atomically."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from sqlalchemy import select, text

from lockgate.errors import MissingField, NotFound
from lockgate.flags import FlagSource, InvalidFlagValue
from lockgate.store import audit, migrate
from lockgate.store import flags as stored
from lockgate.store.db import Store, normalize_url
from lockgate.store.tables import AuditRecord
from tests.flags.helpers import KILL, definitions


@pytest.fixture
def store(db_url: str, open_store: Callable[[str], Store]) -> Store:
    store = open_store(db_url)
    migrate.upgrade(store)
    return store


def _audit(store: Store) -> list[AuditRecord]:
    with store.transaction() as session:
        return list(session.scalars(select(AuditRecord).order_by(AuditRecord.seq)))


def _set(store: Store, name: str, value: Any, reason: str = "incident 42") -> stored.FlagState:
    return stored.set_flag(
        store, actor="cli:ops", name=name, value=value, reason=reason, definitions=definitions()
    )


def test_set_flag_stores_bumps_epoch_and_audits(store: Store) -> None:
    """A change is stored with who and why, moves the epoch, and is in the audit chain."""
    assert stored.read_epoch(store) == 0
    state = _set(store, KILL, False)  # noqa: FBT003
    assert (state.flag.value, state.flag.source) == (False, FlagSource.OVERRIDE)
    assert state.override is not None and state.override.updated_by == "cli:ops"
    assert stored.read_epoch(store) == 1

    listed = {item.flag.name: item for item in stored.list_flags(store, definitions())}
    assert listed[KILL].flag.value is False and listed[KILL].override is not None
    assert listed[KILL].override.reason == "incident 42"
    assert listed["long-context"].flag.source is FlagSource.MANIFEST

    records = _audit(store)
    assert [(r.action, r.target, r.actor, r.reason) for r in records] == [
        ("flag.set", f"flag:{KILL}", "cli:ops", "incident 42")
    ]
    assert records[0].before == {"value": True, "source": "manifest", "kind": "boolean"}
    assert records[0].after == {"value": False, "source": "override", "kind": "boolean"}
    assert audit.verify(records) is None


def test_clear_flag_restores_the_manifest_default(store: Store) -> None:
    """Clearing removes the override; it is audited as flag.clear with the old value before."""
    _set(store, "long-context", 75)
    state = stored.clear_flag(
        store, actor="cli:ops", name="long-context", reason="done", definitions=definitions()
    )
    assert (state.flag.value, state.flag.source, state.override) == (20, FlagSource.MANIFEST, None)
    assert stored.read_snapshot(store).overrides == {}
    last = _audit(store)[-1]
    assert (last.action, last.before, last.after) == (
        "flag.clear",
        {"value": 75, "source": "override", "kind": "percentage"},
        {"value": 20, "source": "manifest", "kind": "percentage"},
    )
    assert stored.read_epoch(store) == 2


def test_json_values_round_trip(store: Store) -> None:
    """Weights and a null variant come back exactly as set, on both backends."""
    _set(store, "model-choice", {"small": 90, "large": 10})
    assert stored.read_snapshot(store).overrides["model-choice"].value == {
        "small": 90,
        "large": 10,
    }
    _set(store, "model-choice", None)
    override = stored.read_snapshot(store).overrides["model-choice"]
    assert override.value is None and override.kind == "variant"


@pytest.mark.parametrize(
    ("name", "value", "reason", "expected"),
    [
        (KILL, "maybe", "why", (InvalidFlagValue, "true or false")),
        ("long-context", 250, "why", (InvalidFlagValue, "0 to 100")),
        (KILL, False, "", (MissingField, "reason is required")),
        (KILL, False, "   ", (MissingField, "reason is required")),
        ("no-such-flag", True, "why", (NotFound, "lockgate flags list")),
    ],
)
def test_refused_changes_write_nothing(
    store: Store, name: str, value: Any, reason: str, expected: tuple[type[Exception], str]
) -> None:
    """A bad value, a missing reason or an unknown flag is refused before anything is written."""
    error, message = expected
    with pytest.raises(error, match=message):
        _set(store, name, value, reason)
    assert stored.read_epoch(store) == 0
    assert stored.read_snapshot(store).overrides == {}
    assert _audit(store) == []


def test_failed_audit_rolls_the_change_back(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The audit record is written in the change's transaction: if it fails, nothing changes."""

    def broken_append(session: Any, **_: Any) -> None:
        session.flush()  # the override and epoch are already in this transaction...
        raise RuntimeError("audit store full")  # ...and are rolled back with it

    monkeypatch.setattr(stored.audit, "append", broken_append)
    with pytest.raises(RuntimeError, match="audit store full"):
        _set(store, KILL, False)  # noqa: FBT003
    assert stored.read_epoch(store) == 0
    assert stored.read_snapshot(store).overrides == {}


@pytest.mark.postgres
def test_change_audit_and_epoch_share_one_postgres_transaction(
    pg_url: str, open_store: Callable[[str], Store]
) -> None:
    """On PostgreSQL the override, the epoch and the audit row carry the same xmin."""
    store = open_store(pg_url)
    migrate.upgrade(store)
    _set(store, KILL, False)  # noqa: FBT003
    with store.transaction() as session:
        xmins = {
            session.scalar(text(query))
            for query in (
                "SELECT xmin::text FROM flag_overrides",
                "SELECT xmin::text FROM flag_epoch",
                "SELECT xmin::text FROM audit_log",
            )
        }
    assert len(xmins) == 1 and None not in xmins


@pytest.mark.postgres
def test_postgres_notifies_on_commit_only(
    pg_url: str, open_store: Callable[[str], Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`NOTIFY lockgate_flags, '<name>'` reaches listeners with a change, never with a rollback."""
    store = open_store(pg_url)
    migrate.upgrade(store)
    conninfo = normalize_url(pg_url).replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(conninfo, autocommit=True) as listener:
        listener.execute(f"LISTEN {stored.CHANNEL}")
        _set(store, "long-context", 40)
        received = [n.payload for n in listener.notifies(timeout=2, stop_after=1)]
        assert "long-context" in received

        original = stored.audit.append

        def failing(session: Any, **kwargs: Any) -> Any:
            original(session, **kwargs)
            raise RuntimeError("boom after the audit")

        monkeypatch.setattr(stored.audit, "append", failing)
        with pytest.raises(RuntimeError):
            _set(store, "model-choice", "tiny")
        late = [n.payload for n in listener.notifies(timeout=0.3)]
        assert "model-choice" not in late
