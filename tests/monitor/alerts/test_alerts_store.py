"""Alert state, history, silences and test evidence on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alerts_support import NOW
from sqlalchemy import inspect, select

from lockgate.monitor.alerts import AlertState, Status
from lockgate.store import alerts as stored
from lockgate.store import audit, migrate
from lockgate.store.db import Store
from lockgate.store.tables import AuditRecord, Base

SERVICE = "support-assistant"
TABLES = {"alert_state", "alert_events", "silences", "alert_tests"}


def test_migration_matches_the_models(store: Store) -> None:
    """Migration 0004 creates exactly the columns, types and indexes the models declare."""
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    mine = [d for d in diffs if any(table in repr(d) for table in TABLES)]
    assert mine == []
    assert set(inspect(store.engine).get_table_names()) >= TABLES


def test_downgrade_removes_the_tables(store: Store) -> None:
    """Downgrading below 0004 drops the alert tables; upgrading brings them back."""
    config = migrate._config()
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0003")
    assert not TABLES & set(inspect(store.engine).get_table_names())
    migrate.upgrade(store)
    assert set(inspect(store.engine).get_table_names()) >= TABLES


def test_state_round_trips_and_updates_in_place(store: Store) -> None:
    """A pass's state is read back exactly; the next pass updates the same row."""
    state = AlertState("high-error-rate", Status.FIRING, NOW, NOW, 3, NOW, notified=True)
    record = stored.AlertRecord(state, "page", 0.25, "error_rate is 0.25", NOW, {"window": "5m"})
    event = stored.AlertEvent(NOW, "high-error-rate", "firing", "page", 3, "fired", 0.25)
    stored.save_pass(store, SERVICE, [record], [event])
    assert stored.load_states(store, SERVICE) == {"high-error-rate": record}
    later = NOW + dt.timedelta(minutes=5)
    resolved = AlertState("high-error-rate", Status.RESOLVED, later, None, 3, NOW, notified=False)
    update = stored.AlertRecord(resolved, "page", None, "no data", later)
    stored.save_pass(store, SERVICE, [update], [])
    assert stored.load_states(store, SERVICE) == {"high-error-rate": update}
    assert stored.load_states(store, "other-service") == {}


def test_history_is_newest_first_and_filterable(store: Store) -> None:
    """History returns the newest entries first, limited, optionally for one alert."""
    events = [
        stored.AlertEvent(NOW + dt.timedelta(seconds=i), key, "pending", "ticket", 0, f"m{i}")
        for i, key in enumerate(["a", "b", "a", "b", "a"])
    ]
    stored.save_pass(store, SERVICE, [], events)
    assert [e.message for e in stored.history(store, SERVICE)] == ["m4", "m3", "m2", "m1", "m0"]
    assert [e.message for e in stored.history(store, SERVICE, limit=2)] == ["m4", "m3"]
    assert [e.message for e in stored.history(store, SERVICE, key="b")] == ["m3", "m1"]


def test_silences_expire_and_are_audited(store: Store) -> None:
    """A silence is active until it expires, and its creation is in the audit chain."""
    made = stored.add_silence(
        store,
        service=SERVICE,
        matcher="slo:availability",
        seconds=3600,
        reason="planned failover",
        actor="cli:ops",
        now=NOW,
    )
    assert made.expires_at == NOW + dt.timedelta(hours=1)
    assert [s.id for s in stored.silences(store, SERVICE, now=NOW)] == [made.id]
    assert stored.silences(store, SERVICE, now=made.expires_at) == []
    assert [
        s.id for s in stored.silences(store, SERVICE, now=made.expires_at, include_expired=True)
    ]
    with store.transaction() as session:
        records = list(session.scalars(select(AuditRecord).order_by(AuditRecord.seq)))
    assert [(r.action, r.target, r.reason) for r in records] == [
        ("alert.silence", f"alert:{SERVICE}/slo:availability", "planned failover")
    ]
    assert audit.verify(records) is None


@pytest.mark.parametrize(("seconds", "reason"), [(0, "why"), (60, "  ")])
def test_silence_needs_a_duration_and_a_reason(
    sqlite_url: str, open_store: Callable[[str], Store], seconds: float, reason: str
) -> None:
    """A silence without a positive duration or a reason is refused before anything is stored."""
    store = open_store(sqlite_url)
    with pytest.raises(ValueError, match="silence needs"):
        stored.add_silence(
            store, service=SERVICE, matcher="x", seconds=seconds, reason=reason, actor="t"
        )


def test_test_deliveries_are_kept_as_evidence(store: Store) -> None:
    """Each notifier's test outcome is stored, newest first."""
    stored.record_tests(
        store,
        service=SERVICE,
        rule="high-error-rate",
        results=[("hook", True, "HTTP 202"), ("pd", False, "HTTP 400")],
        actor="cli:ops",
        at=NOW,
    )
    stored.record_tests(
        store,
        service=SERVICE,
        rule="slo:availability:page",
        results=[("hook", True, "HTTP 200")],
        actor="cli:ops",
        at=NOW + dt.timedelta(seconds=1),
    )
    found = stored.recorded_tests(store, SERVICE)
    assert [(t.rule, t.notifier, t.delivered) for t in found] == [
        ("slo:availability:page", "hook", True),
        ("high-error-rate", "pd", False),
        ("high-error-rate", "hook", True),
    ]
    assert found[1].detail == "HTTP 400"
