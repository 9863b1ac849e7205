"""Gathering from a real store (SQLite and PostgreSQL): live evidence in, checks judged on it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import update

from lockgate.auth import manage
from lockgate.auth.scopes import Scope
from lockgate.flags.definitions import from_manifest
from lockgate.manifest import LoadedManifest, load
from lockgate.privacy.retention import purge_once
from lockgate.readiness import evaluate_gate
from lockgate.readiness.gather import gather, manifest_uri
from lockgate.readiness.hook import preflight_hook
from lockgate.readiness.model import Gate, Status
from lockgate.store import alerts, evidence, migrate
from lockgate.store import flags as stored_flags
from lockgate.store.db import Store
from lockgate.store.tables import AuditRecord, RequestLogEntry
from tests.readiness.support import SERVICE, write_example

NOW = dt.datetime.now(dt.UTC)
LIVE = ("SEC-005", "SEC-006", "SEC-008", "OBS-004", "OBS-005", "INC-004", "INC-005", "INC-006",
        "CUT-004", "DATA-005")  # fmt: skip


def fill(store: Store, loaded: LoadedManifest) -> None:
    """Everything the live checks look for, written the way Lockgate writes it."""
    manage.create_key(
        store,
        actor="cli:test",
        name="ci-deploy",
        scopes=frozenset({Scope.ROLLOUTS_WRITE, Scope.ROLLOUTS_APPROVE, Scope.CONFIG_WRITE}),
        expires_in=dt.timedelta(days=30),
    )
    stored_flags.set_flag(
        store,
        actor="cli:test",
        name=f"{SERVICE}.enabled",
        value=False,
        reason="kill-switch drill",
        definitions=from_manifest(loaded.manifest),
    )
    alerts.record_tests(
        store, service=SERVICE, rule="high-error-rate", results=[("oncall", True, "200")],
        actor="cli:test",
    )  # fmt: skip
    for kind, subject, details in (
        ("drill", "rollback", {"duration_s": 40.0, "target_s": 300.0}),
        ("backup.restore", "nightly", {}),
        ("rollout", f"{SERVICE}/v1", {"strategy": "canary"}),
    ):
        evidence.record(store, kind=kind, subject=subject, passed=True, actor="t", details=details)
    with store.transaction() as session:
        for age in (dt.timedelta(days=8), dt.timedelta(minutes=3)):
            session.add(
                RequestLogEntry(
                    request_id=f"r{age.seconds}", at=NOW - age, service=SERVICE, version="v1",
                    route="chat", status=200, stream=False, latency_ms=5.0,
                )
            )  # fmt: skip
    purge_once(store, loaded.manifest)


@pytest.fixture
def filled(
    db_url: str, open_store: Callable[[str], Store], tmp_path: Path
) -> tuple[LoadedManifest, Store]:
    """A migrated store holding evidence for the example service."""
    store = open_store(db_url)
    migrate.upgrade(store)
    loaded = write_example(tmp_path)
    fill(store, loaded)
    return loaded, store


def test_gather_reads_every_kind_of_fact(filled: tuple[LoadedManifest, Store]) -> None:
    """Keys, proofs, alert tests, the kill-switch flip, request span, audit and purge are read."""
    loaded, store = filled
    snapshot = gather(loaded, store)
    facts = snapshot.store
    assert facts is not None
    assert [k.name for k in facts.keys] == ["ci-deploy"]
    assert {p.kind for p in facts.proofs} == {"drill", "backup.restore", "rollout"}
    assert facts.alert_tests[0].rule == "high-error-rate" and facts.alert_tests[0].delivered
    assert facts.flag_changes[0].flag == f"{SERVICE}.enabled"
    assert facts.flag_changes[0].value is False
    assert facts.requests is not None
    assert dt.timedelta(days=7) < NOW - facts.requests.first < dt.timedelta(days=9)
    assert facts.audit is not None and facts.audit.records >= 3 and facts.audit.broken_seq is None
    assert len(facts.purges) == 1
    assert set(snapshot.files) == {"golden.jsonl", *(f"runbooks/{r}.md" for r in (
        "upstream-down", "bad-release", "drift", "pii-leak", "cost-spike"))}  # fmt: skip


def test_live_checks_pass_on_gathered_evidence(filled: tuple[LoadedManifest, Store]) -> None:
    """Each live check the example can satisfy passes on what the store recorded."""
    loaded, store = filled
    report = evaluate_gate(loaded, store, Gate.PRODUCTION)
    statuses = {r.check.id: (r.status, r.message) for r in report.results}
    assert {i: statuses[i] for i in LIVE if statuses[i][0] is not Status.PASS} == {}
    assert report.manifest_uri.endswith("lockgate.yaml")


def test_tampered_audit_chain_fails(filled: tuple[LoadedManifest, Store]) -> None:
    """Editing an audit record makes SEC-008 fail and name the record."""
    loaded, store = filled
    with store.transaction() as session:
        first = session.query(AuditRecord).order_by(AuditRecord.seq).first()
        assert first is not None
        session.execute(
            update(AuditRecord).where(AuditRecord.seq == first.seq).values(reason="rewritten")
        )
    result = next(
        r for r in evaluate_gate(loaded, store, Gate.STAGING).results if r.check.id == "SEC-008"
    )
    assert result.status is Status.FAIL and "edited" in result.message


def test_preflight_hook_refuses_when_the_gate_fails(
    filled: tuple[LoadedManifest, Store], tmp_path: Path
) -> None:
    """At stage production the hook fails naming the checks; at stage poc it passes."""
    import asyncio

    loaded, store = filled
    production = tmp_path / "prod.yaml"
    production.write_text(loaded.text.replace("stage: staging", "stage: production"))
    result = asyncio.run(preflight_hook(load(production), store)(SERVICE, "v2"))
    assert not result.passed and "OBS-006" in result.reason
    assert "OBS-006" in result.data["failing"] and result.data["gate"] == "production"
    poc = tmp_path / "poc.yaml"
    poc.write_text(loaded.text.replace("stage: staging", "stage: poc"))
    assert asyncio.run(preflight_hook(load(poc), store)(SERVICE, "v2")).passed
    other = asyncio.run(preflight_hook(load(production), store)("billing", "v1"))
    assert not other.passed and "billing" in other.reason


def test_manifest_uri_is_relative_to_the_repository(tmp_path: Path) -> None:
    """The URI is relative to the nearest folder holding .git."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "deploy").mkdir()
    target = tmp_path / "deploy" / "lockgate.yaml"
    target.write_text("x")
    assert manifest_uri(target) == "deploy/lockgate.yaml"
