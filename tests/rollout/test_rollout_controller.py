"""The controller on SQLite and PostgreSQL, driven by measurements through the sink (no HTTP)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from lockgate.auth import manage
from lockgate.auth.keyring import KeyRing
from lockgate.auth.scopes import Scope
from lockgate.rollout import service
from lockgate.rollout.controller import LEASE, RolloutController
from lockgate.rollout.events import EventKind
from lockgate.rollout.phases import Phase
from lockgate.rollout.plan import Plan
from lockgate.rollout.preflight import CheckResult, PreflightResult
from lockgate.rollout.service import Actor
from lockgate.store import evidence, migrate, rollouts
from lockgate.store.db import Store
from lockgate.store.rollouts import RolloutRecord
from tests.rollout.helpers import (
    SERVICE,
    Clock,
    Notices,
    Traffic,
    current,
    drive,
    kinds,
    make_manifest,
    rollout_section,
)
from tests.support.servers import run


@pytest.fixture
def store(db_url: str, open_store: Callable[[str], Store]) -> Store:
    store = open_store(db_url)
    migrate.upgrade(store)
    return store


def _start(store: Store, clock: Clock, **rollout: object) -> RolloutRecord:
    return service.start(
        store,
        make_manifest(rollout_section(**rollout)),
        service=SERVICE,
        version="v2",
        actor=Actor("cli:test"),
        now=clock(),
    )


def _finished(record: RolloutRecord) -> bool:
    return not record.active


def _events(store: Store, rollout_id: str) -> list[rollouts.Event]:
    with store.transaction() as session:
        return rollouts.events(session, rollout_id, limit=1000)


def test_good_candidate_is_promoted_step_by_step(store: Store) -> None:
    """Equal error rates: both steps pass, then promotion, the watch and stable, each once."""
    clock, notices = Clock(), Notices()
    record = _start(store, clock)
    controller = RolloutController(store, "replica-a", notices, clock=clock)
    traffic = Traffic(store, clock, baseline_errors=0.02, candidate_errors=0.02)
    final = run(drive(controller, clock, traffic, _finished, store=store))
    assert final.phase is Phase.STABLE and final.progress.weight == 100.0
    moves = [e for e in _events(store, record.id) if e.kind in {"advanced", "promoted", "stable"}]
    assert [(e.phase, e.step) for e in moves] == [
        ("pending", -1),
        ("validating", -1),
        ("canary", 0),
        ("canary", 1),
        ("promoted", 1),
        ("post_promotion_watch", 1),
    ]
    step_passes = [e for e in moves if e.phase == "canary"]
    assert all(e.data and e.data["verdict"]["status"] == "pass" for e in step_passes)
    assert all(e.data and e.data["decision"]["elapsed_seconds"] >= 20 for e in step_passes)
    assert [n.kind for n in notices.items] == ["stable"]
    proof = evidence.latest(store, "rollout", subject=f"{SERVICE}/v2")
    assert proof is not None and proof.passed and proof.details["rollout_id"] == record.id


def test_bad_candidate_is_rolled_back_with_the_reason_and_numbers(store: Store) -> None:
    """Three times the errors: rolled back in the first step, weight 0, reason stored, notified."""
    clock, notices = Clock(), Notices()
    record = _start(store, clock)
    controller = RolloutController(store, "replica-a", notices, clock=clock)
    traffic = Traffic(store, clock, baseline_errors=0.02, candidate_errors=0.06)
    final = run(drive(controller, clock, traffic, _finished, store=store))
    assert final.phase is Phase.ROLLED_BACK and final.progress.weight == 0.0
    assert final.progress.step == 0
    failed = [e for e in _events(store, record.id) if e.kind == EventKind.FAILED]
    assert len(failed) == 1
    assert "error rate" in failed[0].message and "baseline" in failed[0].message
    metric = failed[0].data["verdict"]["metrics"][0] if failed[0].data else {}
    assert metric["status"] == "fail" and metric["statistic"] >= metric["threshold"]
    assert metric["candidate_value"] == pytest.approx(0.06)
    assert metric["baseline_value"] == pytest.approx(0.02)
    assert kinds(store, record.id)[-2:] == ["notified", "rolled_back"]
    assert [n.kind for n in notices.items] == ["rolled_back"]
    assert notices.items[0].reason == failed[0].message
    assert final.last_verdict is not None and final.last_verdict["status"] == "fail"
    proof = evidence.latest(store, "rollout", subject=f"{SERVICE}/v2")
    assert proof is not None and not proof.passed
    assert proof.details["reason"] == failed[0].message


def test_inconclusive_step_is_extended_then_fails_at_the_deadline(store: Store) -> None:
    """With too few samples ever, the step is extended after its bake and fails at the deadline."""
    clock = Clock()
    analysis = rollout_section()["analysis"] | {
        "deadline": "60s",
        "metrics": [{"metric": "error_rate", "min_samples": 100_000}],
    }
    record = _start(store, clock, analysis=analysis)
    controller = RolloutController(store, "replica-a", Notices(), clock=clock)
    traffic = Traffic(store, clock)
    final = run(drive(controller, clock, traffic, _finished, store=store))
    assert final.phase is Phase.ROLLED_BACK
    events = _events(store, record.id)
    extended = [e for e in events if e.kind == EventKind.EXTENDED]
    failed = next(e for e in events if e.kind == EventKind.FAILED)
    assert extended and all(
        e.data and e.data["decision"]["elapsed_seconds"] >= 20 for e in extended
    )
    assert "deadline" in failed.message
    assert failed.data and 60 <= failed.data["decision"]["elapsed_seconds"] < 75
    assert failed.data["verdict"]["code"] == "deadline_exceeded"


def test_lease_takeover_resumes_without_repeating_a_step(store: Store) -> None:
    """A holder that stops renewing is replaced after expiry; every step happens exactly once."""
    clock = Clock()
    record = _start(store, clock)
    first = RolloutController(store, "replica-a", Notices(), clock=clock, lease_ttl=10.0)
    second = RolloutController(store, "replica-b", Notices(), clock=clock, lease_ttl=10.0)
    traffic = Traffic(store, clock)
    run(drive(first, clock, traffic, lambda r: r.progress.step == 1, store=store))
    assert not run(second.tick()).leader
    clock.advance(5)
    traffic.send()
    assert not run(second.tick()).leader  # the first holder's lease has not expired yet
    clock.advance(6)
    traffic.send()
    assert run(second.tick()).leader
    assert not run(first.tick()).leader  # the old holder comes back and finds the lease taken
    final = run(drive(second, clock, traffic, _finished, store=store))
    assert final.phase is Phase.STABLE
    entered = [
        (e.phase, e.step)
        for e in _events(store, record.id)
        if e.kind in {"advanced", "promoted", "stable"}
    ]
    assert len(entered) == len(set(entered)) == 6
    with store.transaction() as session:
        lease = rollouts.lease(session, LEASE)
    assert lease is not None and lease.holder == "replica-b"


def test_lease_is_exclusive_until_expiry_or_release(store: Store) -> None:
    """Only one holder at a time; an expired or released lease goes to the next asker."""
    now = dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC)
    ttl = dt.timedelta(seconds=10)
    with store.transaction() as session:
        assert rollouts.acquire_lease(session, "l", "a", now, ttl)
    with store.transaction() as session:
        assert not rollouts.acquire_lease(session, "l", "b", now + dt.timedelta(seconds=9), ttl)
        assert rollouts.holds_lease(session, "l", "a", now + dt.timedelta(seconds=9))
    with store.transaction() as session:
        assert rollouts.acquire_lease(session, "l", "b", now + dt.timedelta(seconds=10), ttl)
        assert not rollouts.holds_lease(session, "l", "a", now + dt.timedelta(seconds=10))
    with store.transaction() as session:
        rollouts.release_lease(session, "l", "b", now + dt.timedelta(seconds=11))
    with store.transaction() as session:
        assert rollouts.acquire_lease(session, "l", "a", now + dt.timedelta(seconds=11), ttl)


class _Failing:
    async def run(self, record: RolloutRecord, plan: Plan) -> PreflightResult:
        del record, plan
        check = CheckResult("golden_set", passed=False, reason="12/40 golden cases right")
        return PreflightResult((check,))


def test_failed_preflight_rolls_back_before_any_traffic(store: Store) -> None:
    """A candidate failing its pre-flight checks never receives a request."""
    clock, notices = Clock(), Notices()
    record = _start(store, clock)
    controller = RolloutController(store, "replica-a", notices, preflight=_Failing(), clock=clock)
    final = run(drive(controller, clock, None, _finished, store=store))
    assert final.phase is Phase.ROLLED_BACK and final.progress.step == -1
    failed = next(e for e in _events(store, record.id) if e.kind == EventKind.FAILED)
    assert failed.phase == "validating" and "12/40" in failed.message
    assert "golden_set" in notices.items[0].reason


def test_paused_rollout_is_left_alone_and_resumes_its_step_afresh(store: Store) -> None:
    """While paused nothing is analysed; resuming restarts the step's window."""
    clock = Clock()
    record = _start(store, clock)
    controller = RolloutController(store, "replica-a", Notices(), clock=clock)
    traffic = Traffic(store, clock)
    run(drive(controller, clock, traffic, lambda r: r.phase is Phase.CANARY, store=store))
    service.pause(store, SERVICE, actor=Actor("cli:test"), now=clock())
    before = len(_events(store, record.id))
    for _ in range(5):
        clock.advance(10)
        traffic.send()
        run(controller.tick())
    assert len(_events(store, record.id)) == before
    resumed = service.resume(store, SERVICE, actor=Actor("cli:test"), now=clock())
    assert resumed.phase is Phase.CANARY and resumed.step_started_at == clock()
    final = run(drive(controller, clock, traffic, _finished, store=store))
    assert final.phase is Phase.STABLE


def test_production_waits_for_an_approval_by_another_key(store: Store) -> None:
    """In production the canary stops at awaiting_promotion until a second key approves."""
    clock = Clock()
    starter, _ = manage.create_key(
        store, actor="t", name="alice", scopes=frozenset({Scope.ROLLOUTS_WRITE})
    )
    _, approver_token = manage.create_key(
        store, actor="t", name="bob", scopes=frozenset({Scope.ROLLOUTS_APPROVE})
    )
    record = service.start(
        store,
        make_manifest(stage="production"),
        service=SERVICE,
        version="v2",
        actor=Actor(f"key:{starter.id} (alice)", starter.id, "alice", frozenset(starter.scopes)),
        now=clock(),
    )
    controller = RolloutController(store, "replica-a", Notices(), clock=clock)
    traffic = Traffic(store, clock)
    waiting = run(
        drive(
            controller,
            clock,
            traffic,
            lambda r: r.phase is Phase.AWAITING_PROMOTION,
            store=store,
        )
    )
    assert waiting.progress.weight == 50.0
    for _ in range(3):
        clock.advance(10)
        run(controller.tick())
    assert current(store).phase is Phase.AWAITING_PROMOTION
    assert EventKind.AWAITING_APPROVAL in kinds(store, record.id)
    principal = run(KeyRing(store).authenticate(approver_token))
    service.approve(store, SERVICE, actor=Actor.from_principal(principal), now=clock())
    clock.advance(1)
    run(controller.tick())
    promoted = current(store)
    assert promoted.phase is Phase.PROMOTED and promoted.progress.weight == 100.0
    assert promoted.approvals[0].key_id == principal.key_id


def test_operator_abort_is_finished_and_notified_by_the_controller(store: Store) -> None:
    """An abort from the CLI turns the weight to 0 at once; the controller notifies and ends it."""
    clock, notices = Clock(), Notices()
    record = _start(store, clock)
    controller = RolloutController(store, "replica-a", notices, clock=clock)
    run(drive(controller, clock, None, lambda r: r.phase is Phase.CANARY, store=store))
    aborted = service.abort(store, SERVICE, actor=Actor("cli:ops"), reason="wrong build")
    assert aborted.phase is Phase.ABORTING and aborted.progress.weight == 0.0
    clock.advance(1)
    assert run(controller.tick()).moved == (record.id,)
    assert current(store).phase is Phase.ROLLED_BACK
    assert notices.items[0].reason == "abort by cli:ops: wrong build"
