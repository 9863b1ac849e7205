"""Audited operations: cutover windows, overrides, approvals, supersession, abort and rollback."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lockgate.auth import manage
from lockgate.auth.keyring import KeyRing
from lockgate.auth.scopes import Scope
from lockgate.errors import NotFound, RequestError
from lockgate.manifest.service import Stage
from lockgate.rollout import service
from lockgate.rollout.errors import (
    ApprovalRefused,
    ApprovalRequired,
    IllegalTransition,
    OutsideCutoverWindow,
    RolloutChanged,
    RolloutNotFound,
)
from lockgate.rollout.phases import Phase, Progress
from lockgate.rollout.plan import build_plan
from lockgate.rollout.service import Actor
from lockgate.store import audit, evidence, migrate, rollouts
from lockgate.store.db import Store
from lockgate.store.rollouts import RolloutRecord
from lockgate.store.tables import AuditRecord
from tests.rollout.helpers import SERVICE, current, make_manifest, rollout_section
from tests.support.servers import run

UTC = dt.UTC
SATURDAY = dt.datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
MONDAY = dt.datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
OPERATOR = Actor("cli:ops")
WINDOWED = make_manifest(
    rollout_section(windows=[{"days": ["mon", "tue"], "timezone": "Europe/Berlin"}])
)


@pytest.fixture
def store(sqlite_url: str, open_store: Callable[[str], Store]) -> Store:
    store = open_store(sqlite_url)
    migrate.upgrade(store)
    return store


@pytest.fixture
def any_store(db_url: str, open_store: Callable[[str], Store]) -> Store:
    """The store on SQLite and on PostgreSQL."""
    store = open_store(db_url)
    migrate.upgrade(store)
    return store


def _audit(store: Store) -> list[AuditRecord]:
    with store.transaction() as session:
        records = list(session.scalars(select(AuditRecord).order_by(AuditRecord.seq)))
        assert audit.verify(records) is None
        return records


def _actor(store: Store, name: str, *scopes: Scope) -> Actor:
    _, token = manage.create_key(store, actor="t", name=name, scopes=frozenset(scopes))
    return Actor.from_principal(run(KeyRing(store).authenticate(token)))


def test_start_outside_the_window_is_refused_and_audited(any_store: Store) -> None:
    """Saturday is outside mon-tue: refused with how to override, and the refusal is audited."""
    with pytest.raises(OutsideCutoverWindow, match="--override") as caught:
        service.start(
            any_store, WINDOWED, service=SERVICE, version="v2", actor=OPERATOR, now=SATURDAY
        )
    assert caught.value.status == 409
    refused = _audit(any_store)[-1]
    assert refused.action == "rollout.start_refused" and refused.actor == "cli:ops"
    assert refused.after is not None and "Europe/Berlin" in refused.after["windows"]
    assert service.status(any_store) == []


def test_override_needs_a_reason_and_is_audited_with_it(any_store: Store) -> None:
    """An override without a reason is refused; with one the start and its reason are audited."""
    with pytest.raises(RequestError, match="reason"):
        service.start(
            any_store,
            WINDOWED,
            service=SERVICE,
            version="v2",
            actor=OPERATOR,
            override=True,
            now=SATURDAY,
        )
    record = service.start(
        any_store,
        WINDOWED,
        service=SERVICE,
        version="v2",
        actor=OPERATOR,
        override=True,
        reason="hotfix for incident 42",
        now=SATURDAY,
    )
    assert record.override and record.reason == "hotfix for incident 42"
    started = _audit(any_store)[-1]
    assert started.action == "rollout.start" and started.reason == "hotfix for incident 42"
    assert started.after is not None and started.after["override"] is True


def test_start_inside_the_window_needs_no_override(store: Store) -> None:
    """Monday 11:00 in Berlin is inside the window."""
    record = service.start(
        store, WINDOWED, service=SERVICE, version="v2", actor=OPERATOR, now=MONDAY
    )
    assert not record.override and record.phase is Phase.PENDING
    assert record.baseline == "v1" and record.candidate == "v2"


def test_rollback_is_allowed_outside_windows_and_is_instant(store: Store) -> None:
    """Rollback works on a weekend, goes straight to rolled_back with weight 0, and is audited."""
    service.start(store, WINDOWED, service=SERVICE, version="v2", actor=OPERATOR, now=MONDAY)
    rolled = service.rollback(store, SERVICE, actor=OPERATOR, reason="users complain", now=SATURDAY)
    assert rolled.phase is Phase.ROLLED_BACK and rolled.progress.weight == 0.0
    assert rolled.finished_at == SATURDAY
    entry = _audit(store)[-1]
    assert entry.action == "rollout.rollback" and entry.reason == "users complain"
    assert entry.before is not None and entry.before["phase"] == "pending"
    proof = evidence.latest(store, "rollout", subject=f"{SERVICE}/v2")
    assert proof is not None and not proof.passed and "users complain" in proof.details["reason"]
    with pytest.raises(IllegalTransition, match="final"):
        service.rollback(store, SERVICE, actor=OPERATOR)


def test_a_newer_rollout_supersedes_the_running_one(any_store: Store) -> None:
    """Starting v3 during a v2 canary supersedes it; v3 is measured against the same baseline."""
    first = service.start(
        any_store, make_manifest(), service=SERVICE, version="v2", actor=OPERATOR, now=MONDAY
    )
    second = service.start(
        any_store, make_manifest(), service=SERVICE, version="v3", actor=OPERATOR, now=MONDAY
    )
    with any_store.transaction() as session:
        old = rollouts.get(session, first.id)
        events = rollouts.events(session, first.id)
    assert old is not None and old.phase is Phase.SUPERSEDED and old.progress.weight == 0.0
    assert events[-1].kind == "superseded"
    assert second.baseline == "v1" and current(any_store).id == second.id
    assert _audit(any_store)[-1].before == old.as_dict()


def test_after_a_stable_rollout_the_next_one_starts_from_its_candidate(store: Store) -> None:
    """Once v2 is stable (the manifest still says v1), a v3 rollout uses v2 as its baseline."""
    service.start(store, make_manifest(), service=SERVICE, version="v2", actor=OPERATOR)
    plan = build_plan(make_manifest().rollout, stage=Stage.POC)
    with store.transaction() as session:
        record = current_in(session)
        while record.phase is not Phase.STABLE:
            record = rollouts.save(session, record, MONDAY, progress=plan.advance(record.progress))
    nxt = service.start(store, make_manifest(), service=SERVICE, version="v3", actor=OPERATOR)
    assert nxt.baseline == "v2"
    with pytest.raises(IllegalTransition, match="already serves"):
        service.start(store, make_manifest(), service=SERVICE, version="v2", actor=OPERATOR)


def current_in(session: Session) -> RolloutRecord:
    """The newest rollout, read in an open session."""
    record = rollouts.latest(session, SERVICE)
    assert record is not None
    return record


def test_unknown_service_or_version_is_not_found(store: Store) -> None:
    """Typos in the service or version name are 404s that list what exists."""
    with pytest.raises(NotFound, match="v1, v2, v3"):
        service.start(store, make_manifest(), service=SERVICE, version="v9", actor=OPERATOR)
    with pytest.raises(NotFound, match=SERVICE):
        service.start(store, make_manifest(), service="other", version="v2", actor=OPERATOR)
    with pytest.raises(RolloutNotFound):
        service.pause(store, SERVICE, actor=OPERATOR)


def test_abort_is_for_rollouts_before_promotion(store: Store) -> None:
    """Abort sends traffic back while the canary runs; after promotion it points to rollback."""
    service.start(store, make_manifest(), service=SERVICE, version="v2", actor=OPERATOR)
    aborted = service.abort(store, SERVICE, actor=OPERATOR, reason="wrong build")
    assert aborted.phase is Phase.ABORTING and aborted.progress.weight == 0.0
    service.start(store, make_manifest(), service=SERVICE, version="v3", actor=OPERATOR)
    with store.transaction() as session:
        record = current_in(session)
        promoted = Progress(phase=Phase.PROMOTED, weight=100.0)
        rollouts.save(session, record, MONDAY, progress=promoted)
    with pytest.raises(IllegalTransition, match="rollback"):
        service.abort(store, SERVICE, actor=OPERATOR)
    assert service.rollback(store, SERVICE, actor=OPERATOR).phase is Phase.ROLLED_BACK


def test_approval_must_come_from_another_key_with_the_scope(any_store: Store) -> None:
    """The starter, a key without the scope and an operator without a key are all refused."""
    alice = _actor(any_store, "alice", Scope.ROLLOUTS_WRITE, Scope.ROLLOUTS_APPROVE)
    bob = _actor(any_store, "bob", Scope.METRICS_READ)
    carol = _actor(any_store, "carol", Scope.ROLLOUTS_APPROVE)
    manifest = make_manifest(stage="production")
    service.start(any_store, manifest, service=SERVICE, version="v2", actor=alice)
    for refused, message in ((alice, "cannot approve"), (bob, "rollouts:approve")):
        with pytest.raises(ApprovalRefused, match=message):
            service.approve(any_store, SERVICE, actor=refused)
    with pytest.raises(ApprovalRefused, match="API key"):
        service.approve(any_store, SERVICE, actor=OPERATOR)
    approved = service.approve(any_store, SERVICE, actor=carol, reason="looked at the dashboards")
    again = service.approve(any_store, SERVICE, actor=carol)
    assert (
        [a.key_id for a in again.approvals]
        == [carol.key_id]
        == [a.key_id for a in approved.approvals]
    )
    assert _audit(any_store)[-1].action == "rollout.approve"


def test_named_approvers_are_enforced(store: Store) -> None:
    """With rollout.approvers set, only those key names (or ids) may approve."""
    manifest = make_manifest(rollout_section(approvers=["dana"]), stage="production")
    service.start(store, manifest, service=SERVICE, version="v2", actor=OPERATOR)
    with pytest.raises(ApprovalRefused, match="dana"):
        service.approve(store, SERVICE, actor=_actor(store, "erin", Scope.ROLLOUTS_APPROVE))
    approved = service.approve(store, SERVICE, actor=_actor(store, "dana", Scope.ROLLOUTS_APPROVE))
    assert len(approved.approvals) == 1


def test_manual_promotion_still_needs_the_approval(store: Store) -> None:
    """Promote skips to the gate; passing the gate without an approval is refused."""
    service.start(
        store, make_manifest(stage="production"), service=SERVICE, version="v2", actor=OPERATOR
    )
    with store.transaction() as session:
        record = current_in(session)
        canary = record.progress.move(Phase.VALIDATING).move(Phase.CANARY, weight=10.0)
        rollouts.save(session, record, MONDAY, progress=canary)
    gate = service.promote(store, SERVICE, actor=OPERATOR, reason="confident")
    assert gate.phase is Phase.AWAITING_PROMOTION and gate.progress.weight == 10.0
    with pytest.raises(ApprovalRequired):
        service.promote(store, SERVICE, actor=OPERATOR)
    service.approve(store, SERVICE, actor=_actor(store, "carol", Scope.ROLLOUTS_APPROVE))
    promoted = service.promote(store, SERVICE, actor=OPERATOR)
    assert promoted.phase is Phase.PROMOTED and promoted.promoted_at is not None


def test_stale_writes_are_refused(store: Store) -> None:
    """A write based on an old revision raises instead of overwriting a newer state."""
    record = service.start(store, make_manifest(), service=SERVICE, version="v2", actor=OPERATOR)
    service.pause(store, SERVICE, actor=OPERATOR)
    with store.transaction() as session, pytest.raises(RolloutChanged, match="changed since"):
        rollouts.save(session, record, MONDAY, progress=record.progress.move(Phase.VALIDATING))
    assert current(store).phase is Phase.PAUSED
